package dev.dbrefresh.engine.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.testsupport.Parameterisation;
import org.junit.jupiter.api.Test;

/**
 * The container tests of this package are not written twice: {@link PgSnapshotRestoreContainerTest} and {@link PgSnapshotRestoreMachineTest} share their
 * behaviour class and its server accessor, and every behaviour the container would run passes here (the postgres snapshot and restore on the machine's PostgreSQL).
 */
class ServerParameterisationTest {

    @Test
    void everyContainerBehaviour_shouldRunHere_throughTheSameServerAccessor() {
        assertThat(Parameterisation.runHereWhatTheContainerRuns(PgSnapshotRestoreMachineTest.class, PgSnapshotRestoreContainerTest.class)).isNotEmpty();
    }
}
