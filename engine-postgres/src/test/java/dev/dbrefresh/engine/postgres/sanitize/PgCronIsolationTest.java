package dev.dbrefresh.engine.postgres.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgDumpSnapshotter;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgRestorer;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pg_cron (1.4, Debian package {@code postgresql-15-cron}, which scripts/ensure-tools.sh installs) against the
 * {@code postgres} engine, on real servers: "production" is a private cluster started with
 * {@code shared_preload_libraries=pg_cron} and {@code cron.database_name=shop}, so the source database is the cron
 * database and its dump carries {@code CREATE EXTENSION pg_cron} and production's jobs; the target is another private
 * cluster with pg_cron whose cron database {@code cronhome} holds jobs of its own, one of them against the target.
 * Without dbrefresh leaving pg_cron out, {@code pg_restore} of that dump into the staging database fails with "can
 * only create extension in database cronhome" (found by hand with these two clusters).
 */
class PgCronIsolationTest {

    private static final PgTools TOOLS = TestDatabases.TOOLS;
    /** Never fires while the test runs (1 January, midnight). */
    private static final String NEVER_NOW = "0 0 1 1 *";

    @TempDir
    static Path tmp;

    private static SecondPostgres production;
    private static SecondPostgres targetServer;
    private static SnapshotStore store;
    private static SnapshotManifest manifest;

    @BeforeAll
    static void servers() throws Exception {
        assertThat(SecondPostgres.available()).as("needs the PostgreSQL server binaries in " + SecondPostgres.BIN)
                .isTrue();
        assertThat(Files.exists(Path.of("/usr/share/postgresql/15/extension/pg_cron.control")))
                .as("pg_cron is not installed: run scripts/ensure-tools.sh as root (apt-get install -y"
                        + " postgresql-15-cron)").isTrue();
        production = SecondPostgres.start(List.of("shared_preload_libraries=pg_cron", "cron.database_name=shop"));
        targetServer = SecondPostgres.start(List.of("shared_preload_libraries=pg_cron",
                "cron.database_name=cronhome"));
        exec(production.endpoint("postgres"), "CREATE DATABASE shop");
        exec(production.endpoint("shop"), "CREATE EXTENSION pg_cron",
                "CREATE TABLE public.orders (id int PRIMARY KEY, amount int)",
                "INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g",
                "SELECT cron.schedule('nightly-purge', '" + NEVER_NOW + "', 'DELETE FROM public.orders')",
                "SELECT cron.schedule_in_database('prod-other-db', '" + NEVER_NOW + "', 'SELECT 1', 'postgres')");
        // acc: the old target, which the refresh replaces
        exec(targetServer.endpoint("postgres"), "CREATE DATABASE cronhome", "CREATE DATABASE otherapp",
                "CREATE DATABASE acc");
        exec(targetServer.endpoint("cronhome"), "CREATE EXTENSION pg_cron",
                "SELECT cron.schedule_in_database('acc-vacuum', '" + NEVER_NOW + "', 'VACUUM', 'acc')",
                "SELECT cron.schedule_in_database('otherapp-report', '" + NEVER_NOW + "', 'SELECT 1', 'otherapp')");
        store = new SnapshotStore(tmp.resolve("store"));
        manifest = new PgDumpSnapshotter(TOOLS).snapshot(production.endpoint("shop"), null, store, "shop-cron", "p",
                true);
    }

    @AfterAll
    static void stop() throws Exception {
        for (SecondPostgres server : new SecondPostgres[] {production, targetServer}) {
            if (server != null) {
                server.close();
            }
        }
    }

    private static final SanitizeSettings ISOLATE_AND_CHECKSUMS = new SanitizeSettings(List.of(), List.of(), null, true,
            List.of(), false, true);

    @Test
    void snapshot_shouldLeavePgCronsTablesOutOfItsCountsAndChecksums() {
        assertThat(manifest.tables()).extracting(t -> t.schema() + "." + t.table()).containsExactly("public.orders");
        assertThat(manifest.checksums()).extracting(t -> t.schema() + "." + t.table()).containsExactly("public.orders");
    }

    @Test
    void restoreOfTheCronDatabase_shouldRestoreTheDataWithoutPgCron_andNameProductionsJobs() throws Exception {
        RecordingContext rec = recording();

        var result = new PgRestorer(TOOLS).restore(targetServer.endpoint("acc"), null, store.dumpFile(manifest),
                "shop-cron", "r1", 2, new PgStagingSafety(TOOLS, null, ISOLATE_AND_CHECKSUMS, manifest,
                        store.dumpFile(manifest), null, Set.of("postgres"), rec.ctx, "acc"));

        assertThat(result.restored()).isTrue();
        DatabaseEndpoint acc = targetServer.endpoint("acc");
        assertThat(queryLong(acc, "SELECT count(*) FROM public.orders")).isEqualTo(100);
        // no pg_cron in the copy: neither the extension nor its schema, so no table of production's jobs
        assertThat(queryLong(acc, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")).isZero();
        assertThat(queryLong(acc, "SELECT count(*) FROM pg_namespace WHERE nspname = 'cron'")).isZero();
        // and nothing of production's scheduled on the target server: its scheduler knows only its own two jobs
        DatabaseEndpoint cronhome = targetServer.endpoint("cronhome");
        assertThat(queryLong(cronhome, "SELECT count(*) FROM cron.job WHERE jobname IN ('nightly-purge', 'prod-other-db')"
                + " OR nodeport = " + production.port() + " OR database IN ('shop', 'postgres')")).isZero();
        // what did NOT happen: the target server's own jobs (one against the copy, one against another database) stay
        assertThat(queryLong(cronhome, "SELECT count(*) FROM cron.job WHERE jobname IN ('acc-vacuum', 'otherapp-report')"))
                .isEqualTo(2);
        // and production keeps its jobs and rows
        assertThat(queryLong(production.endpoint("shop"), "SELECT count(*) FROM cron.job")).isEqualTo(2);
        assertThat(queryLong(production.endpoint("shop"), "SELECT count(*) FROM public.orders")).isEqualTo(100);

        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d).startsWith(StepName.ISOLATE.id())
                .contains("0 pg_cron jobs deleted")
                .contains("pg_cron not restored, with 2 jobs of the snapshot [1 nightly-purge (" + NEVER_NOW
                        + ", database shop), 2 prod-other-db (" + NEVER_NOW + ", database postgres)]")
                .contains("1 pg_cron job of the target server's cron database running against this database left in"
                        + " place (the server's own, not the snapshot's) [1 acc-vacuum (" + NEVER_NOW
                        + ", database acc)]")
                .doesNotContain("DELETE FROM public.orders"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .startsWith(StepName.VERIFY_CHECKSUMS.id()).contains("content checksums equal"));
    }

    @Test
    void restoreOfTheCronDatabase_shouldSucceedOnAServerWithoutPgCronLoaded() throws Exception {
        TestDatabases shared = new TestDatabases("pgcron");
        String target = shared.name("acc");
        RecordingContext rec = recording();
        try {
            new PgRestorer(TOOLS).restore(shared.endpoint(target), null, store.dumpFile(manifest), "shop-cron", "r2", 1,
                    new PgStagingSafety(TOOLS, null, ISOLATE_AND_CHECKSUMS, manifest, store.dumpFile(manifest), null,
                            Set.of("postgres"), rec.ctx, target));

            assertThat(shared.queryLong(target, "SELECT count(*) FROM public.orders")).isEqualTo(100);
            assertThat(shared.queryLong(target, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")).isZero();
            assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                    .contains("pg_cron not restored, with 2 jobs of the snapshot").doesNotContain("left in place"));
        } finally {
            shared.exec("postgres", "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(target) + " WITH (FORCE)");
            shared.close();
        }
    }

    @Test
    void restoreIntoTheTargetServersCronDatabase_shouldBeRefused_beforeAnythingChanges() throws Exception {
        DatabaseEndpoint cronhome = targetServer.endpoint("cronhome");
        long oid = queryLong(targetServer.endpoint("postgres"), "SELECT oid FROM pg_database WHERE datname = 'cronhome'");

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(cronhome, null, store.dumpFile(manifest), "shop-cron",
                "r3", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("it is the pg_cron database of 127.0.0.1:" + targetServer.port())
                .hasMessageContaining("nothing was changed");

        // the same database, with pg_cron and the server's jobs, and no staging database beside it
        assertThat(queryLong(targetServer.endpoint("postgres"), "SELECT oid FROM pg_database WHERE datname = 'cronhome'"))
                .isEqualTo(oid);
        assertThat(queryLong(cronhome, "SELECT count(*) FROM cron.job")).isEqualTo(2);
        assertThat(queryLong(targetServer.endpoint("postgres"), "SELECT count(*) FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(PgRestorer.stagingName("cronhome")))).isZero();
    }

    @Test
    void deleteJobs_shouldRefuseARoleThatSeesOnlyItsOwnJobs_andDeleteNone() throws Exception {
        DatabaseEndpoint cronhome = targetServer.endpoint("cronhome");
        exec(cronhome, "CREATE ROLE app_only LOGIN", "GRANT USAGE ON SCHEMA cron TO app_only",
                "GRANT DELETE ON cron.job TO app_only");
        try {
            // row-level security: app_only sees none of the jobs, so deleting "all" of them would delete none
            try (Connection c = TOOLS.connect(new DatabaseEndpoint("127.0.0.1", targetServer.port(), "cronhome",
                    "app_only", null), null)) {
                assertThatThrownBy(() -> PgCron.deleteJobs(c)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("sees only its own pg_cron jobs")
                        .hasMessageContaining("connect as a superuser, a BYPASSRLS role or the owner of cron.job");
            }
            assertThat(queryLong(cronhome, "SELECT count(*) FROM cron.job")).isEqualTo(2);
        } finally {
            exec(cronhome, "REVOKE DELETE ON cron.job FROM app_only", "REVOKE USAGE ON SCHEMA cron FROM app_only",
                    "DROP ROLE app_only");
        }
    }

    @Test
    void restoreList_shouldLeaveOutOnlyPgCronsEntries_andOnlyWhenTheDumpCreatesTheExtension() {
        String toc = String.join("\n", "; Archive created at 2026-12-01", "2; 3079 16385 EXTENSION - pg_cron ",
                "3381; 0 0 COMMENT - EXTENSION pg_cron ", "220; 1259 16423 TABLE public orders postgres",
                "3215; 0 16388 TABLE DATA cron job postgres", "3217; 0 16407 TABLE DATA cron job_run_details postgres",
                "3374; 0 16423 TABLE DATA public orders postgres", "3382; 0 0 SEQUENCE SET cron jobid_seq postgres",
                "3383; 0 0 SEQUENCE SET cron runid_seq postgres", "");

        assertThat(PgCron.restoreListWithout(toc).orElseThrow().lines().filter(l -> !l.startsWith(";")))
                .containsExactly("220; 1259 16423 TABLE public orders postgres",
                        "3374; 0 16423 TABLE DATA public orders postgres");
        // a schema cron of the user's own, without the extension, is restored as it is
        assertThat(PgCron.restoreListWithout("5; 0 1 TABLE DATA cron job app\n")).isEmpty();
    }

    @Test
    void jobsInCopy_shouldUndoCopysEscapes_andNeverShowTheCommand() {
        String script = "SET x = 1;\nCOPY cron.job (jobid, schedule, command, nodename, nodeport, database, username,"
                + " active, jobname) FROM stdin;\n7\t*/5 * * * *\tSELECT dblink('password=s3cret')\tlocalhost\t5432"
                + "\tmy\\tdb\tapp\tt\t\\N\n\\.\n";

        assertThat(PgCron.jobsInCopy(script)).containsExactly("7 (*/5 * * * *, database my\tdb)");
    }

    private static RecordingContext recording() {
        return new RecordingContext("run-" + UUID.randomUUID(), "p", new RefreshRequested("p", null, null, false, null,
                Map.of()));
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static long queryLong(DatabaseEndpoint ep, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
