package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.testing.Bounded;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the real PostgreSQL server at 127.0.0.1:5432 with a database initialised by {@code pgbench -i -s 1}. */
class PgDumpSnapshotterTest {

    private static final PgTools TOOLS = new PgTools(null);
    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final List<String> DATABASES = new ArrayList<>();
    private static DatabaseEndpoint source;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createPgbenchDatabase() throws Exception {
        source = ADMIN.withDatabase(createDatabase());
        Process p = new ProcessBuilder(TOOLS.binary("pgbench").toString(), "-i", "-s", "1", "-q",
                "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", source.database())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("pgbench -i output: %s", out).isZero();
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String db : DATABASES) {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            }
        }
    }

    private static String createDatabase() throws SQLException {
        String db = "dbr_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DATABASES.add(db);
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(db));
        }
        return db;
    }

    private static long count(DatabaseEndpoint ep, String table) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); ResultSet rs = c.createStatement().executeQuery(
                "SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void snapshot_shouldRecordPgbenchRowCountsAndMatchingChecksum() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        Instant before = Instant.now();

        SnapshotManifest m = new PgDumpSnapshotter(TOOLS).snapshot(source, null, store, "snap-1");

        assertThat(m.tables()).containsExactly(
                new TableRowCount("public", "pgbench_accounts", 100000),
                new TableRowCount("public", "pgbench_branches", 1),
                new TableRowCount("public", "pgbench_history", 0),
                new TableRowCount("public", "pgbench_tellers", 10));
        assertThat(m.snapshotId()).isEqualTo("snap-1");
        assertThat(m.engine()).isEqualTo("postgres");
        assertThat(m.format()).isEqualTo("pg_dump-custom");
        assertThat(m.file()).isEqualTo("dump.pgdump");
        assertThat(m.source()).isEqualTo("postgres://127.0.0.1:5432/" + source.database());
        assertThat(m.createdAt()).isBetween(before, Instant.now());
        Path dump = store.dumpFile(m);
        assertThat(dump).isEqualTo(store.root().resolve("snap-1").resolve("dump.pgdump"));
        assertThat(m.sizeBytes()).isEqualTo(Files.size(dump)).isGreaterThan(0);
        assertThat(m.checksum()).isEqualTo(SnapshotStore.sha256(dump));
        assertThat(Files.readString(dump.getParent().resolve("manifest.json"))).contains("pgbench_accounts");
        assertThat(store.find("snap-1")).contains(m);
        assertThat(entries(store.root())).containsExactly("snap-1");
        // a custom-format archive starts with the magic "PGDMP"
        byte[] head = new byte[5];
        try (var in = Files.newInputStream(dump)) {
            assertThat(in.read(head)).isEqualTo(5);
        }
        assertThat(new String(head)).isEqualTo("PGDMP");
    }

    @Test
    void snapshot_shouldFailWithLockTimeoutAndLeaveNothing_whenAnotherSessionLocksATable() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        PgDumpSnapshotter impatient = new PgDumpSnapshotter(new PgTools(null,
                new PgTools.Timeouts(Duration.ofMillis(500), Duration.ofHours(1))));
        try (Connection holder = TOOLS.connect(source, null); Statement h = holder.createStatement()) {
            holder.setAutoCommit(false);
            h.execute("LOCK TABLE pgbench_tellers IN ACCESS EXCLUSIVE MODE");

            // bounded: a snapshot that waits for the lock fails the test here instead of hanging it
            Throwable failure = Bounded.failureOf(Duration.ofSeconds(60),
                    () -> impatient.snapshot(source, null, store, "snap-locked"));

            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("lock timeout")
                    .hasMessageContaining("55P03").hasMessageContaining(source.display());
            holder.rollback();
        }
        assertThat(store.find("snap-locked")).isEmpty();
    }

    @Test
    void snapshot_shouldReturnExistingManifestWithoutDumping_whenIdIsInStore() throws Exception {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        SnapshotManifest first = new PgDumpSnapshotter(TOOLS).snapshot(source, null, store, "snap-1");
        long mtime = Files.getLastModifiedTime(store.dumpFile(first)).toMillis();

        // no pg_dump and an unreachable server: any attempt to dump or even connect would fail
        PgDumpSnapshotter cannotDump = new PgDumpSnapshotter(new PgTools(tmp.resolve("no-bin")));
        DatabaseEndpoint unreachable = new DatabaseEndpoint("127.0.0.1", 1, source.database(), "postgres", null);
        SnapshotManifest second = cannotDump.snapshot(unreachable, null, store, "snap-1");

        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(store.dumpFile(first)).toMillis()).isEqualTo(mtime);
        assertThat(entries(store.root())).containsExactly("snap-1");
    }

    @Test
    void snapshot_shouldCountTheSameDataAsTheDump_whileRowsAreBeingInserted() throws Exception {
        String db = createDatabase();
        DatabaseEndpoint busy = ADMIN.withDatabase(db);
        try (Connection c = TOOLS.connect(busy, null); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
            st.execute("INSERT INTO events (payload) SELECT repeat('x', 200) FROM generate_series(1, 50000)");
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong inserted = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = TOOLS.connect(busy, null); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    st.execute("INSERT INTO events (payload) VALUES ('during')");
                    inserted.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        SnapshotManifest m;
        try {
            while (inserted.get() < 50) {
                Thread.sleep(5);
            }
            m = new PgDumpSnapshotter(TOOLS).snapshot(busy, null, new SnapshotStore(tmp.resolve("store")), "busy");
        } finally {
            stop.set(true);
            writer.join();
        }
        long counted = m.tables().get(0).rows();
        long afterwards = count(busy, "events");
        assertThat(counted).isGreaterThan(50000);
        assertThat(afterwards).as("rows kept arriving after the snapshot").isGreaterThan(counted);

        // restore the dump into a fresh database: it must hold exactly the counted rows
        String restored = createDatabase();
        TOOLS.run(List.of("pg_restore", "--no-owner", "--exit-on-error", "--host=127.0.0.1", "--port=5432",
                "--username=postgres", "--no-password", "--dbname=" + PgTools.dbnameConninfo(restored),
                new SnapshotStore(tmp.resolve("store")).dumpFile(m).toString()), ADMIN, null, Duration.ofMinutes(2));
        assertThat(count(ADMIN.withDatabase(restored), "events")).isEqualTo(counted);
    }

    @Test
    void snapshot_shouldLeaveNothingInStore_whenPgDumpFails() {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        PgDumpSnapshotter tooSlow = new PgDumpSnapshotter(TOOLS, Duration.ofMillis(1));
        assertThatThrownBy(() -> tooSlow.snapshot(source, null, store, "snap-1"))
                .isInstanceOf(PgToolException.class).hasMessageContaining("pg_dump");
        assertThat(store.find("snap-1")).isEmpty();
        assertThat(store.root().toFile().list()).isEmpty();
    }

    @Test
    void snapshot_shouldRefuseInvalidId_beforeConnecting() {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        assertThatThrownBy(() -> new PgDumpSnapshotter(TOOLS).snapshot(source, null, store, "../escape"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
