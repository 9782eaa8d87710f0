package dev.dbrefresh.notifier.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.StepName;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AfterRefreshActions} still names its steps with strings (it is being rewritten elsewhere), and
 * {@code StepContext}'s string bridge accepts only {@link StepName} ids: every one of them must be a step.
 */
class AfterRefreshActionsStepsTest {

    @Test
    void stepConstants_shouldBeStepNames() {
        assertThat(List.of(AfterRefreshActions.PARAMETER_STEP, AfterRefreshActions.PIPELINE_STEP,
                AfterRefreshActions.RETENTION_STEP, AfterRefreshActions.DELETE_OLD_STEP, AfterRefreshActions.PRUNE_STEP,
                AfterRefreshActions.ROLL_BACK_STEP)).extracting(StepName::require)
                .containsExactly(StepName.ENDPOINT_PARAMETER, StepName.START_PIPELINE, StepName.RETENTION,
                        StepName.DELETE_OLD_TARGET, StepName.PRUNE_TABLES, StepName.ROLL_BACK);
    }
}
