package dev.dbrefresh.engine.rds.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.testsupport.Parameterisation;
import org.junit.jupiter.api.Test;

/**
 * The container tests of this package are not written twice: {@link MySqlUserApplierContainerTest} and {@link MySqlUserApplierTest} share their
 * behaviour class and its server accessor, and every behaviour the container would run passes here (the MySQL user applier on the machine's MariaDB).
 */
class ServerParameterisationTest {

    @Test
    void everyContainerBehaviour_shouldRunHere_throughTheSameServerAccessor() {
        assertThat(Parameterisation.runHereWhatTheContainerRuns(MySqlUserApplierTest.class, MySqlUserApplierContainerTest.class)).isNotEmpty();
    }
}
