package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
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
}
