package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.testsupport.ContainerTest;
import dev.dbrefresh.testsupport.RealPostgres;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * {@link PgSnapshotRestoreBehaviour} on a {@code postgres:15} container ({@link RealPostgres}), reached with a
 * password (no trust auth). Skipped, with the reason, where Docker is absent.
 */
@ContainerTest
class PgSnapshotRestoreContainerTest extends PgSnapshotRestoreBehaviour {

    @Override
    protected Server server() {
        PostgreSQLContainer pg = RealPostgres.container();
        return new Server(new DatabaseEndpoint(pg.getHost(), pg.getMappedPort(5432), "postgres", "postgres", null),
                RealPostgres.PASSWORD.toCharArray());
    }
}
