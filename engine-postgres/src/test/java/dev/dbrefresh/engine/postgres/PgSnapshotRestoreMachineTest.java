package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.engine.postgres.testing.TestDatabases;

/** {@link PgSnapshotRestoreBehaviour} on the machine's PostgreSQL 15 at 127.0.0.1:5432 (trust auth). */
class PgSnapshotRestoreMachineTest extends PgSnapshotRestoreBehaviour {

    @Override
    protected Server server() {
        return new Server(TestDatabases.ADMIN, null);
    }
}
