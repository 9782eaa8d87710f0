package dev.dbrefresh.engine.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A postgres snapshot ({@link PgDumpSnapshotter}) restored by {@link PgRestorer}, written once against
 * {@link #server()}: {@link PgSnapshotRestoreMachineTest} runs it here on the machine's PostgreSQL 15,
 * {@link PgSnapshotRestoreContainerTest} on a {@code postgres:15} container where Docker exists. The client tools
 * ({@code pg_dump}, {@code pg_restore}) are the machine's in both. Every test makes its own databases and drops them
 * with their companions afterwards.
 */
abstract class PgSnapshotRestoreBehaviour {

    /**
     * The server under test.
     *
     * @param admin    superuser {@code postgres} on database {@code postgres}
     * @param password its password, or {@code null} where the server trusts the connection
     */
    record Server(DatabaseEndpoint admin, char[] password) {
    }

    /** @return the server the behaviours run against (the only thing a subclass provides) */
    protected abstract Server server();

    private static final PgTools TOOLS = new PgTools(null);

    @TempDir
    Path tmp;
    private final List<String> databases = new ArrayList<>();
    private Server server;
    private DatabaseEndpoint source;

    @BeforeEach
    void createSource() throws SQLException {
        server = server();
        source = server.admin().withDatabase(newName());
        exec(server.admin(), "CREATE DATABASE " + PgIdentifiers.quote(source.database()));
        exec(source, "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12, 2))",
                "INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, 2000) g",
                "CREATE SCHEMA audit", "CREATE TABLE audit.\"Events\" (at timestamptz, what text)",
                "INSERT INTO audit.\"Events\" SELECT now(), 'e' || g FROM generate_series(1, 30) g");
    }

    @AfterEach
    void dropDatabases() throws SQLException {
        for (String db : databases) {
            exec(server.admin(), "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            for (String companion : PgRestorer.companionNames(db)) {
                exec(server.admin(), "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(companion) + " WITH (FORCE)");
            }
        }
    }

    private String newName() {
        String db = "dbr_tc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        databases.add(db);
        return db;
    }

    @Test
    void snapshotThenRestore_shouldGiveTheSourcesRowCounts_andMarkTheTarget() throws SQLException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));

        SnapshotManifest manifest = new PgDumpSnapshotter(TOOLS).snapshot(source, server.password(), store, "snap-1");
        DatabaseEndpoint target = server.admin().withDatabase(newName());
        PgRestorer.RestoreResult r = new PgRestorer(TOOLS).restore(target, server.password(), store.dumpFile(manifest),
                "snap-1", "run-1", 2);

        assertThat(manifest.tables()).containsExactly(new TableRowCount("audit", "Events", 30),
                new TableRowCount("public", "accounts", 2000));
        assertThat(r.restored()).isTrue();
        assertThat(count(target, "public.accounts")).isEqualTo(2000);
        assertThat(count(target, "audit.\"Events\"")).isEqualTo(30);
        assertThat(comment(target.database())).isEqualTo(r.marker());
        assertThat(exists(PgRestorer.stagingName(target.database()))).as("no staging database left").isFalse();
        assertThat(count(source, "public.accounts")).as("the source is not changed").isEqualTo(2000);
    }

    @Test
    void restore_shouldChangeNothing_whenRedeliveredWithTheSameSnapshotAndRun() throws SQLException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        SnapshotManifest manifest = new PgDumpSnapshotter(TOOLS).snapshot(source, server.password(), store, "snap-1");
        DatabaseEndpoint target = server.admin().withDatabase(newName());
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(target, server.password(), store.dumpFile(manifest), "snap-1", "run-1", 1);
        exec(target, "CREATE TABLE written_by_a_tester (id int)");

        PgRestorer.RestoreResult again = restorer.restore(target, server.password(), store.dumpFile(manifest),
                "snap-1", "run-1", 1);

        assertThat(again.restored()).isFalse();
        assertThat(count(target, "written_by_a_tester")).as("the target was not replaced again").isZero();
    }

    @Test
    void restore_shouldRefuseAServerDatabase_beforeTouchingIt() throws SQLException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        SnapshotManifest manifest = new PgDumpSnapshotter(TOOLS).snapshot(source, server.password(), store, "snap-1");
        String before = comment("postgres");

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(server.admin(), server.password(),
                store.dumpFile(manifest), "snap-1", "run-1", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postgres");
        assertThat(comment("postgres")).isEqualTo(before);
        assertThat(exists(PgRestorer.stagingName("postgres"))).isFalse();
    }

    private void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, server.password()); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private long count(DatabaseEndpoint ep, String table) throws SQLException {
        try (Connection c = TOOLS.connect(ep, server.password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String comment(String db) throws SQLException {
        try (Connection c = TOOLS.connect(server.admin(), server.password()); PreparedStatement ps = c.prepareStatement(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private boolean exists(String db) throws SQLException {
        try (Connection c = TOOLS.connect(server.admin(), server.password());
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
