package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code aurora-postgresql} data plane's safety steps against the PostgreSQL server at 127.0.0.1:5432 standing
 * in for a restored cluster: a foreign server, an event trigger, production's login role, masks. Roles are
 * server-wide and the server is shared, so isolation is narrowed to this test's own roles (on a restored cluster
 * every login role but RDS's own is in scope).
 */
class AuroraPostgresSafetyTest {

    private static final TestDatabases DBS = new TestDatabases("aurpg");
    private static final String KEY = "aurora-key";
    private static String db;
    private static String prod;
    private static String kept;

    @BeforeAll
    static void restoredCluster() throws SQLException {
        db = DBS.create("acc");
        prod = DBS.name("prod_app");
        kept = DBS.name("report");
        DBS.exec("postgres", "CREATE ROLE " + PgIdentifiers.quote(prod) + " LOGIN",
                "CREATE ROLE " + PgIdentifiers.quote(kept) + " LOGIN");
        DBS.exec(db, "CREATE EXTENSION postgres_fdw",
                "CREATE SERVER prod_link FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'prod.example', dbname 'shop')",
                "CREATE USER MAPPING FOR postgres SERVER prod_link OPTIONS (user 'app', password 'prod-fdw-pw')",
                "CREATE FUNCTION watch() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$",
                "CREATE EVENT TRIGGER prod_watch ON ddl_command_start EXECUTE FUNCTION watch()",
                "CREATE TABLE people (id int PRIMARY KEY, email text, name text)",
                "INSERT INTO people SELECT g, 'p' || g || '@shop.example', 'Person ' || g FROM generate_series(1, 1000) g");
    }

    @AfterAll
    static void drop() throws SQLException {
        DBS.close();
        DBS.exec("postgres", "DROP ROLE IF EXISTS " + PgIdentifiers.quote(prod),
                "DROP ROLE IF EXISTS " + PgIdentifiers.quote(kept));
    }

    private static RefreshPlan plan() throws Exception {
        return ClusterTestPlans.withSanitize("aurora-postgresql", "postgres", db, kept,
                "[{table: people, columns: {email: email, name: hash}}]");
    }

    @Test
    void apply_shouldIsolateLockProductionRolesMaskAndAnalyze_onceARun() throws Exception {
        RecordingContext rec = new RecordingContext("run-aur", "p", new RefreshRequested("p", null, null, false, null,
                Map.of()));
        AuroraPostgresSafety safety = new AuroraPostgresSafety(TestDatabases.TOOLS, ref -> KEY.toCharArray(),
                rec.auditLog, role -> role.equals(prod) || role.equals(kept));
        DatabaseEndpoint target = DBS.endpoint(db);
        try {
            safety.apply(plan(), target, null, rec.ctx);
            String once = DBS.queryString(db, "SELECT name FROM people WHERE id = 1").orElseThrow();
            safety.apply(plan(), target, null, rec.ctx);

            assertThat(DBS.queryLong(db, "SELECT count(*) FROM people WHERE email NOT LIKE 'u%@example.invalid'"
                    + " OR name LIKE 'Person %'")).isZero();
            assertThat(DBS.queryString(db, "SELECT name FROM people WHERE id = 1")).as("not masked twice").contains(once);
            assertThat(DBS.queryLong(db, "SELECT count(*) FROM pg_foreign_server")).isZero();
            assertThat(DBS.queryLong(db, "SELECT count(*) FROM pg_event_trigger")).isZero();
            assertThat(DBS.queryString("postgres", "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = "
                    + PgIdentifiers.literal(prod))).contains("false");
            assertThat(DBS.queryString("postgres", "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = "
                    + PgIdentifiers.literal(kept))).contains("true");
            assertThatThrownBy(() -> TestDatabases.TOOLS.connect(new DatabaseEndpoint("127.0.0.1", 5432, db, prod,
                    null), null).close()).isInstanceOf(SQLException.class);
            assertThat(rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step))
                    .containsSubsequence(StepName.ISOLATE.id(), StepName.SANITIZE.id(), StepName.VERIFY_MASKS.id(),
                            StepName.ANALYZE.id());
            assertThat(rec.details(AuditStatus.SKIPPED)).anySatisfy(d -> assertThat(d).contains("already masked"));
            assertThat(String.join("\n", rec.audit.stream().map(AuditEntry::toString).toList())).doesNotContain(KEY)
                    .doesNotContain("prod-fdw-pw");
        } finally {
            DBS.exec("postgres", "ALTER ROLE " + PgIdentifiers.quote(prod) + " LOGIN");
        }
    }

    /**
     * A restored Aurora cluster brings its pg_cron along, and pg_cron keeps every job in its cron database
     * ({@code cron.database_name}, {@code postgres} by default), not in the plan's database. Stand-in: a private
     * cluster (never the shared server's settings) started with {@code shared_preload_libraries=pg_cron}, holding jobs
     * against the plan's database, the cron database itself and a third database.
     */
    @Test
    void apply_shouldDeleteEveryJobOfTheClustersCronDatabase_whenItIsNotThePlansDatabase() throws Exception {
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/usr/share/postgresql/15/extension/pg_cron.control")))
                .as("pg_cron is not installed: run scripts/ensure-tools.sh as root (apt-get install -y"
                        + " postgresql-15-cron)").isTrue();
        String never = "0 0 1 1 *";
        try (SecondPostgres cluster = SecondPostgres.start(java.util.List.of("shared_preload_libraries=pg_cron",
                "cron.database_name=postgres"))) {
            exec(cluster.endpoint("postgres"), "CREATE DATABASE " + PgIdentifiers.quote(db), "CREATE DATABASE reporting",
                    "CREATE EXTENSION pg_cron",
                    "CREATE TABLE public.ops_notes (id int)", "INSERT INTO public.ops_notes VALUES (1), (2)",
                    "SELECT cron.schedule_in_database('purge-people', '" + never + "', 'DELETE FROM people', "
                            + PgIdentifiers.literal(db) + ")",
                    "SELECT cron.schedule('vacuum-postgres', '" + never + "', 'VACUUM')",
                    "SELECT cron.schedule_in_database('report', '" + never + "', 'SELECT 1', 'reporting')");
            exec(cluster.endpoint(db), "CREATE TABLE people (id int PRIMARY KEY, email text, name text)",
                    "INSERT INTO people SELECT g, 'p' || g || '@shop.example', 'Person ' || g FROM generate_series(1, 50) g");
            RecordingContext rec = new RecordingContext("run-aur-cron", "p", new RefreshRequested("p", null, null,
                    false, null, Map.of()));
            AuroraPostgresSafety safety = new AuroraPostgresSafety(TestDatabases.TOOLS, ref -> KEY.toCharArray(),
                    rec.auditLog, role -> true);

            safety.apply(plan(), cluster.endpoint(db), null, rec.ctx);

            // no job of production's is left to run against the copy, in any of its databases
            assertThat(queryLong(cluster.endpoint("postgres"), "SELECT count(*) FROM cron.job")).isZero();
            assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                    .startsWith(StepName.ISOLATE.id()).contains("3 pg_cron jobs deleted [1 purge-people (" + never
                            + ", database " + db + "), 2 vacuum-postgres (" + never + ", database postgres), 3 report ("
                            + never + ", database reporting)]").doesNotContain("DELETE FROM people"));
            // what did NOT happen: the extension, the cron database's other tables and the plan's rows stay
            assertThat(queryLong(cluster.endpoint("postgres"), "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'"))
                    .isEqualTo(1);
            assertThat(queryLong(cluster.endpoint("postgres"), "SELECT count(*) FROM public.ops_notes")).isEqualTo(2);
            assertThat(queryLong(cluster.endpoint(db), "SELECT count(*) FROM people")).isEqualTo(50);
        }
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (java.sql.Connection c = TestDatabases.TOOLS.connect(ep, null); java.sql.Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static long queryLong(DatabaseEndpoint ep, String sql) throws SQLException {
        try (java.sql.Connection c = TestDatabases.TOOLS.connect(ep, null); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
