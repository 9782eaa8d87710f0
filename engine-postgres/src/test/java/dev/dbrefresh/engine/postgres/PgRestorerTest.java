package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.engine.postgres.PgRestorer.RestoreResult;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.testing.Bounded;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Against the real PostgreSQL server at 127.0.0.1:5432: a source database made by {@code pgbench -i -s 1}
 * plus a table owned by (and granted to) a role that is dropped after the dump, so the dump references a
 * role the target server does not have.
 */
class PgRestorerTest {

    private static final PgTools TOOLS = new PgTools(null);
    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final List<String> DATABASES = new ArrayList<>();

    @TempDir
    static Path tmp;

    private static DatabaseEndpoint source;
    private static Path dump;
    private static Map<String, Long> sourceCounts;

    @BeforeAll
    static void createSourceAndDump() throws Exception {
        source = ADMIN.withDatabase(newName());
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(source.database()));
        Process p = new ProcessBuilder(TOOLS.binary("pgbench").toString(), "-i", "-s", "1", "-q",
                "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", source.database())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("pgbench -i output: %s", out).isZero();

        String role = newName() + "_owner";
        exec(ADMIN, "CREATE ROLE " + PgIdentifiers.quote(role) + " NOLOGIN");
        try {
            exec(source, "CREATE TABLE owned_by_gone_role (id int PRIMARY KEY, note text)",
                    "INSERT INTO owned_by_gone_role SELECT g, 'n' || g FROM generate_series(1, 7) g",
                    "ALTER TABLE owned_by_gone_role OWNER TO " + PgIdentifiers.quote(role),
                    "GRANT SELECT ON pgbench_accounts TO " + PgIdentifiers.quote(role));
            dump = tmp.resolve("source.pgdump");
            TOOLS.run(List.of("pg_dump", "--format=custom", "--host=127.0.0.1", "--port=5432", "--username=postgres",
                    "--no-password", "--dbname=" + PgTools.dbnameConninfo(source.database()), "--file=" + dump),
                    source, null, Duration.ofMinutes(2));
        } finally {
            exec(source, "REASSIGN OWNED BY " + PgIdentifiers.quote(role) + " TO postgres",
                    "DROP OWNED BY " + PgIdentifiers.quote(role));
            exec(ADMIN, "DROP ROLE " + PgIdentifiers.quote(role));
        }
        sourceCounts = counts(source);
        assertThat(sourceCounts).containsEntry("public.pgbench_accounts", 100000L)
                .containsEntry("public.owned_by_gone_role", 7L);
        assertThat(new String(Files.readAllBytes(dump), StandardCharsets.ISO_8859_1)).contains(role);
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        for (String db : DATABASES) {
            exec(ADMIN, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)",
                    "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(PgRestorer.stagingName(db)) + " WITH (FORCE)",
                    "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(PgSwap.retiredName(db)) + " WITH (FORCE)",
                    "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(PgPristine.name(db)) + " WITH (FORCE)");
        }
    }

    private static String newName() {
        String db = "dbr_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DATABASES.add(db);
        return db;
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** Exact row count of every user table, keyed {@code schema.table}. */
    private static Map<String, Long> counts(DatabaseEndpoint ep) throws SQLException {
        Map<String, Long> result = new TreeMap<>();
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT schemaname, tablename FROM pg_tables"
                    + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + PgIdentifiers.quote(t[0]) + "."
                        + PgIdentifiers.quote(t[1]))) {
                    rs.next();
                    result.put(t[0] + "." + t[1], rs.getLong(1));
                }
            }
        }
        return result;
    }

    private static Optional<String> databaseComment(String db) throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); PreparedStatement ps = c.prepareStatement(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(String.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    private static boolean exists(String db) throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null);
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Test
    void restore_shouldCreateTargetWithEqualRowCounts_whenTargetIsNew() throws SQLException {
        String target = newName();

        RestoreResult r = new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump, "snap-1", "run-1", 2);

        assertThat(r.restored()).isTrue();
        assertThat(r.marker()).isEqualTo("dbrefresh:snapshot=snap-1;run=run-1");
        assertThat(counts(ADMIN.withDatabase(target))).isEqualTo(sourceCounts);
        assertThat(databaseComment(target)).contains(r.marker());
        assertThat(exists(PgRestorer.stagingName(target))).isFalse();
    }

    @Test
    void restore_shouldNotFail_whenDumpReferencesRolesMissingOnTarget() throws SQLException {
        String target = newName();
        new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump, "snap-1", "run-1", 1);
        try (Connection c = TOOLS.connect(ADMIN.withDatabase(target), null); ResultSet rs = c.createStatement()
                .executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_gone_role'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("--no-owner: owned by the restoring user").isEqualTo("postgres");
        }
        assertThat(counts(ADMIN.withDatabase(target))).containsEntry("public.owned_by_gone_role", 7L);
    }

    /** The old target is dropped in the background after the swap: waits (bounded) until it is gone. */
    private static void awaitGone(String db) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (exists(db)) {
            assertThat(System.nanoTime()).as("%s still exists after 60 s", db).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void restore_shouldReplaceTheOldTarget_andDropItAfterTheSwap_evenWithSessionsOnIt() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2);
        exec(ep, "CREATE TABLE written_by_a_tester (id int)");
        long oldOid;
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT oid FROM pg_database WHERE datname = " + PgIdentifiers.literal(target))) {
            rs.next();
            oldOid = rs.getLong(1);
        }

        // a tester's session on the old target does not stop the swap (it is ended, as DROP ... WITH (FORCE) did)
        try (Connection lingering = TOOLS.connect(ep, null)) {
            assertThat(restorer.restore(ep, null, dump, "snap-2", "run-2", 2).restored()).isTrue();
        }

        assertThat(counts(ep)).isEqualTo(sourceCounts).doesNotContainKey("public.written_by_a_tester");
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-2;run=run-2");
        awaitGone(PgSwap.retiredName(target));
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE oid = " + oldOid)) {
            rs.next();
            assertThat(rs.getLong(1)).as("the old target is dropped, under no name").isZero();
        }
        assertThat(exists(PgRestorer.stagingName(target))).isFalse();
    }

    @Test
    void restore_shouldDropAnOldTargetLeftBehind_andKeepTheCurrentOne_whenTheRestoreFails() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2);
        // an old target whose background drop never happened (the service stopped)
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(PgSwap.retiredName(target)));
        Path corrupt = tmp.resolve("leftover-corrupt.pgdump");
        Files.write(corrupt, new byte[] {'P', 'G', 'D', 'M', 'P', 0, 1, 2});

        assertThatThrownBy(() -> restorer.restore(ep, null, corrupt, "snap-2", "run-2", 2))
                .isInstanceOf(PgToolException.class);

        assertThat(exists(PgSwap.retiredName(target))).as("left-over old target dropped").isFalse();
        assertThat(counts(ep)).as("the current target is kept").isEqualTo(sourceCounts);
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-1");
    }

    private static boolean allowsConnections(String db) throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); PreparedStatement ps = c.prepareStatement(
                "SELECT datallowconn FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("%s exists", db).isTrue();
                return rs.getBoolean(1);
            }
        }
    }

    @Test
    void restore_shouldResetTheTargetFromThePristineCopy_withoutPgRestore_whenTheSnapshotIsThePristineOne()
            throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2, true);
        assertThat(databaseComment(PgPristine.name(target))).contains("dbrefresh:pristine;snapshot=snap-1");
        assertThat(allowsConnections(PgPristine.name(target))).as("nobody can change the pristine copy").isFalse();
        // tests dirty the copy
        exec(ep, "CREATE TABLE written_by_a_test (id int)", "DELETE FROM pgbench_accounts WHERE aid <= 10");
        // an archive pg_restore cannot read: the reset must not need it
        Path corrupt = tmp.resolve("reset-corrupt.pgdump");
        Files.write(corrupt, new byte[] {'P', 'G', 'D', 'M', 'P', 0, 9, 9});

        RestoreResult reset = restorer.restore(ep, null, corrupt, "snap-1", "run-2", 2, true);

        assertThat(reset.restored()).isTrue();
        assertThat(counts(ep)).isEqualTo(sourceCounts).doesNotContainKey("public.written_by_a_test");
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-2");
        assertThat(databaseComment(PgPristine.name(target))).contains("dbrefresh:pristine;snapshot=snap-1");
        assertThat(exists(PgRestorer.stagingName(target))).isFalse();
    }

    @Test
    void restore_shouldRunTheBeforeSwapWork_onAResetToo_andKeepThePristineCopyAsRestored() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        List<String> prepared = new ArrayList<>();
        // stands in for masking: the staging copy is changed before the swap
        PgRestorer.BeforeSwap mask = staging -> {
            prepared.add(staging.database());
            exec(staging, "UPDATE pgbench_accounts SET filler = 'masked'");
        };
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2, true, mask);
        exec(ep, "UPDATE pgbench_accounts SET filler = 'written by a test'");

        RestoreResult reset = restorer.restore(ep, null, dump, "snap-1", "run-2", 2, true, mask);

        assertThat(reset.restored()).isTrue();
        assertThat(prepared).as("the reset ran the same work before its swap")
                .containsExactly(PgRestorer.stagingName(target), PgRestorer.stagingName(target));
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_accounts WHERE filler <> 'masked'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("no unmasked row after the reset").isZero();
        }
        // a refused before-swap step on a reset keeps the old target and the pristine copy as they were
        exec(ep, "CREATE TABLE kept_by_a_failed_reset (id int)");
        assertThatThrownBy(() -> restorer.restore(ep, null, dump, "snap-1", "run-3", 2, true, staging -> {
            throw new IllegalStateException("mask refused");
        })).hasMessageContaining("mask refused");
        assertThat(counts(ep)).containsKey("public.kept_by_a_failed_reset");
        assertThat(databaseComment(PgPristine.name(target))).contains("dbrefresh:pristine;snapshot=snap-1");
        assertThat(exists(PgRestorer.stagingName(target))).as("the staging copy is dropped").isFalse();
    }

    @Test
    void restore_shouldKeepTheOldTarget_dropTheStaging_andKeepNoPristineCopy_whenTheWorkBeforeThePristineCopyFails()
            throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2, false);
        exec(ep, "CREATE TABLE kept_by_a_failed_restore (id int)");
        List<String> prepared = new ArrayList<>();
        PgRestorer.BeforeSwap failsBeforeThePristineCopy = new PgRestorer.BeforeSwap() {
            @Override
            public void prepare(DatabaseEndpoint staging) {
                prepared.add(staging.database());
            }

            @Override
            public boolean beforePristine(DatabaseEndpoint staging) {
                throw new IllegalStateException("analyze refused");
            }
        };

        assertThatThrownBy(() -> restorer.restore(ep, null, dump, "snap-2", "run-2", 2, true,
                failsBeforeThePristineCopy)).hasMessageContaining("analyze refused");

        assertThat(counts(ep)).containsKey("public.kept_by_a_failed_restore");
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-1");
        assertThat(exists(PgRestorer.stagingName(target))).as("the staging database is dropped").isFalse();
        assertThat(exists(PgPristine.name(target))).as("no pristine copy of a failed restore").isFalse();
        assertThat(prepared).as("nothing ran after the failure").isEmpty();
    }

    @Test
    void restore_shouldReplaceThePristineCopy_whenTheSnapshotChanges_andKeepNone_withoutTheFastPath() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2, true);

        restorer.restore(ep, null, dump, "snap-2", "run-2", 2, true);
        assertThat(databaseComment(PgPristine.name(target))).contains("dbrefresh:pristine;snapshot=snap-2");
        // a reset of a snapshot other than the pristine one restores it with pg_restore, which fails on this
        Path corrupt = tmp.resolve("other-corrupt.pgdump");
        Files.write(corrupt, new byte[] {'P', 'G', 'D', 'M', 'P', 0, 7, 7});
        assertThatThrownBy(() -> restorer.restore(ep, null, corrupt, "snap-1", "run-3", 2, true))
                .isInstanceOf(PgToolException.class);
        assertThat(counts(ep)).isEqualTo(sourceCounts);
        assertThat(databaseComment(PgPristine.name(target))).contains("dbrefresh:pristine;snapshot=snap-2");

        String plain = newName();
        restorer.restore(ADMIN.withDatabase(plain), null, dump, "snap-1", "run-1", 2);
        assertThat(exists(PgPristine.name(plain))).as("no pristine copy without fast-path: template").isFalse();
    }

    @Test
    void restore_shouldLeaveTargetUntouched_whenMarkerAlreadyMatches() throws SQLException {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        assertThat(restorer.restore(ep, null, dump, "snap-1", "run-1", 2).restored()).isTrue();
        exec(ep, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 42, now())");

        RestoreResult again = restorer.restore(ep, null, dump, "snap-1", "run-1", 2);

        assertThat(again.restored()).isFalse();
        assertThat(again.marker()).isEqualTo("dbrefresh:snapshot=snap-1;run=run-1");
        assertThat(counts(ep)).containsEntry("public.pgbench_history", 1L);

        // a new run does replace it
        assertThat(restorer.restore(ep, null, dump, "snap-1", "run-2", 2).restored()).isTrue();
        assertThat(counts(ep)).isEqualTo(sourceCounts);
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-2");
    }

    @Test
    void restore_shouldKeepOldTarget_whenDumpIsCorrupt() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        PgRestorer restorer = new PgRestorer(TOOLS);
        restorer.restore(ep, null, dump, "snap-1", "run-1", 2);
        exec(ep, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 42, now())");
        Map<String, Long> before = counts(ep);

        // the archive's table of contents is intact, its data is cut off half way
        byte[] bytes = Files.readAllBytes(dump);
        Path truncated = tmp.resolve(target + "-truncated.pgdump");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        PgToolException e = catchThrowableOfType(
                () -> restorer.restore(ep, null, truncated, "snap-2", "run-2", 2), PgToolException.class);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isNotZero();
        assertThat(e.getMessage()).contains("pg_restore");

        Path garbage = tmp.resolve(target + "-garbage.pgdump");
        Files.writeString(garbage, "not an archive");
        assertThatThrownBy(() -> restorer.restore(ep, null, garbage, "snap-3", "run-3", 2))
                .isInstanceOf(PgToolException.class).hasMessageContaining("pg_restore");

        assertThat(counts(ep)).isEqualTo(before);
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-1");
        assertThat(exists(PgRestorer.stagingName(target))).as("failed staging database dropped").isFalse();
    }

    @Test
    void restore_shouldFailWithLockTimeoutAndKeepOldTarget_whenAnotherSessionLocksTheTarget() throws Exception {
        String target = newName();
        DatabaseEndpoint ep = ADMIN.withDatabase(target);
        new PgRestorer(TOOLS).restore(ep, null, dump, "snap-1", "run-1", 2);
        PgRestorer impatient = new PgRestorer(new PgTools(null,
                new PgTools.Timeouts(Duration.ofMillis(500), Duration.ofHours(1))));
        try (Connection holder = TOOLS.connect(ADMIN, null); Statement h = holder.createStatement()) {
            // COMMENT ON DATABASE holds a lock on the database object until commit; DROP DATABASE needs it
            holder.setAutoCommit(false);
            h.execute("COMMENT ON DATABASE " + PgIdentifiers.quote(target) + " IS 'held by another session'");

            // bounded: a restore that waits for the lock fails the test here instead of hanging it
            Throwable failure = Bounded.failureOf(Duration.ofSeconds(120),
                    () -> impatient.restore(ep, null, dump, "snap-2", "run-2", 2));

            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("lock timeout")
                    .hasMessageContaining("55P03");
            holder.rollback();
        }
        assertThat(counts(ep)).isEqualTo(sourceCounts);
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap-1;run=run-1");
    }

    @Test
    void restore_shouldReplaceLeftoverStagingDatabase_fromACrashedRun() throws SQLException {
        String target = newName();
        String staging = PgRestorer.stagingName(target);
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(staging));
        exec(ADMIN.withDatabase(staging), "CREATE TABLE half_restored (x int)");
        // someone is still connected to the left-over: WITH (FORCE) must cope
        try (Connection lingering = TOOLS.connect(ADMIN.withDatabase(staging), null)) {
            RestoreResult r = new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump, "snap-1", "run-1", 2);
            assertThat(r.restored()).isTrue();
        }
        assertThat(counts(ADMIN.withDatabase(target))).isEqualTo(sourceCounts);
        assertThat(exists(staging)).isFalse();
    }

    @Test
    void restore_shouldOnlySwap_whenCompleteStagingWithSameMarkerSurvivedACrash() throws SQLException {
        String target = newName();
        String staging = PgRestorer.stagingName(target);
        String marker = PgRestorer.marker("snap-1", "run-1");
        // the state after a crash between "DROP target" and "RENAME staging": a complete staging db with the marker
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(staging),
                "COMMENT ON DATABASE " + PgIdentifiers.quote(staging) + " IS " + PgIdentifiers.literal(marker));
        exec(ADMIN.withDatabase(staging), "CREATE TABLE finished (x int)", "INSERT INTO finished VALUES (1)");

        RestoreResult r = new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump, "snap-1", "run-1", 2);

        assertThat(r.restored()).isTrue();
        assertThat(counts(ADMIN.withDatabase(target))).isEqualTo(Map.of("public.finished", 1L));
        assertThat(databaseComment(target)).contains(marker);
    }

    @Test
    void restore_shouldHandleHostileTargetNames() throws SQLException {
        String target = newName() + "\"; DROP DATABASE postgres; --'";
        DATABASES.add(target);
        RestoreResult r = new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump,
                "snap'1", "run\\'; DROP DATABASE postgres; --", 2);
        assertThat(r.restored()).isTrue();
        assertThat(databaseComment(target)).contains("dbrefresh:snapshot=snap'1;run=run\\'; DROP DATABASE postgres; --");
        assertThat(counts(ADMIN.withDatabase(target))).isEqualTo(sourceCounts);
        assertThat(exists("postgres")).isTrue();
        assertThat(new PgRestorer(TOOLS).restore(ADMIN.withDatabase(target), null, dump,
                "snap'1", "run\\'; DROP DATABASE postgres; --", 2).restored()).isFalse();
    }

    @Test
    void restore_shouldRefuseServerDatabases_asLastLineOfDefence() throws SQLException {
        for (String db : List.of("postgres", "template0", "template1")) {
            assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(ADMIN.withDatabase(db), null, dump, "s", "r", 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(db);
        }
        assertThat(exists("postgres")).isTrue();
        assertThat(exists("template1")).isTrue();
        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(ADMIN.withDatabase("x"), null, dump, "s", "r", 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(ADMIN.withDatabase("x"), null, tmp.resolve("none"), "s",
                "r", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(ADMIN.withDatabase("d".repeat(64)), null, dump, "s",
                "r", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stagingName_shouldFitIntoSixtyThreeBytes_andDifferFromTarget() {
        assertThat(PgRestorer.stagingName("acc")).isEqualTo("acc__dbrefresh_restore");
        for (String target : List.of("a".repeat(44), "a".repeat(45), "a".repeat(63), "é".repeat(31))) {
            String staging = PgRestorer.stagingName(target);
            assertThat(staging.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
            assertThat(staging).isNotEqualTo(target).endsWith("__dbrefresh_restore");
        }
        assertThat(PgRestorer.stagingName("a".repeat(62) + "b")).isNotEqualTo(PgRestorer.stagingName("a".repeat(62) + "c"));
    }
}
