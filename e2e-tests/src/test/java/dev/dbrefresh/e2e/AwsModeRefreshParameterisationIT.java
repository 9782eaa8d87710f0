package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.testsupport.Parameterisation;
import org.junit.jupiter.api.Test;

/**
 * The AWS-mode end-to-end tests are not written twice: {@link AwsModeRefreshOnLocalStackIT} and
 * {@link AwsModeRefreshOnMoto} share {@link AwsModeRefreshBehaviour} and its emulator accessor, and every behaviour
 * the LocalStack container would run passes here on moto (which has every capability the behaviours ask for). This is
 * where the moto subclass runs: the four service processes start once. Aborted, with the reason, where
 * {@code moto_server} is not on the PATH.
 */
class AwsModeRefreshParameterisationIT {

    @Test
    void everyLocalStackBehaviour_shouldRunOnMoto_throughTheSameEmulatorAccessor() {
        assertThat(Parameterisation.runHereWhatTheContainerRuns(AwsModeRefreshOnMoto.class,
                AwsModeRefreshOnLocalStackIT.class)).containsExactlyInAnyOrder(
                        "startMessageOnTheTopic_shouldRefreshThroughSnsFanOut_withSsmParametersAndAuditLog",
                        "auroraRefresh_shouldCopyRestoreAndComplete_thenSkipTheCopy_andAGuardRefusalDeletesNothing",
                        "backupJobCompleted_shouldRestoreRenamedTable_setItsArn_pruneOldTables_andNotify");
    }
}
