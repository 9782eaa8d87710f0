package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.testing.Bounded;
import dev.dbrefresh.engine.postgres.PgVerifier.Mismatch;
import dev.dbrefresh.engine.postgres.PgVerifier.VerificationResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the real PostgreSQL server at 127.0.0.1:5432, one fresh database per test. */
class PgVerifierTest {

    private static final PgTools TOOLS = new PgTools(null);
    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);

    private DatabaseEndpoint target;
    private SnapshotManifest manifest;

    @BeforeEach
    void createTarget() throws SQLException {
        String db = "dbr_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(db));
        target = ADMIN.withDatabase(db);
        exec(target,
                "CREATE TABLE public.accounts (id int)",
                "INSERT INTO public.accounts SELECT generate_series(1, 1000)",
                "CREATE SCHEMA \"We\"\"ird\"",
                "CREATE TABLE \"We\"\"ird\".\"T 1\" (id int)",
                "INSERT INTO \"We\"\"ird\".\"T 1\" VALUES (1), (2)",
                "CREATE TABLE public.empty (id int)",
                "CREATE TABLE public.parted (id int) PARTITION BY RANGE (id)",
                "CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (100)",
                "INSERT INTO public.parted VALUES (1), (2), (3)");
        manifest = new SnapshotManifest("snap-1", "postgres", "postgres://127.0.0.1:5432/src", Instant.now(),
                "pg_dump-custom", "dump.pgdump", 1, "sha256:00", List.of(
                        new TableRowCount("We\"ird", "T 1", 2),
                        new TableRowCount("public", "accounts", 1000),
                        new TableRowCount("public", "empty", 0),
                        new TableRowCount("public", "parted", 3),
                        new TableRowCount("public", "parted_1", 3)));
    }

    @AfterEach
    void dropTarget() throws SQLException {
        exec(ADMIN, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(target.database()) + " WITH (FORCE)");
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    @Test
    void verify_shouldFailWithLockTimeout_whenAnotherSessionLocksATable() throws Exception {
        PgVerifier impatient = new PgVerifier(new PgTools(null,
                new PgTools.Timeouts(Duration.ofMillis(500), Duration.ofHours(1))));
        try (Connection holder = TOOLS.connect(target, null); Statement h = holder.createStatement()) {
            holder.setAutoCommit(false);
            h.execute("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");

            // bounded: a verification that waits for the lock fails the test here instead of hanging it
            Throwable failure = Bounded.failureOf(Duration.ofSeconds(60),
                    () -> impatient.verify(target, null, manifest));

            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("lock timeout")
                    .hasRootCauseInstanceOf(SQLException.class);
            holder.rollback();
        }
    }

    @Test
    void verify_shouldBeOk_whenAllCountsAreEqual() {
        VerificationResult r = new PgVerifier(TOOLS).verify(target, null, manifest);

        assertThat(r.ok()).isTrue();
        assertThat(r.mismatches()).isEmpty();
        assertThat(r.matched()).containsExactlyElementsOf(manifest.tables());
        assertThat(r.rowsVerified()).isEqualTo(2 + 1000 + 0 + 3 + 3);
    }

    @Test
    void verify_shouldReportExpectedAndActual_whenARowWasDeleted() throws SQLException {
        exec(target, "DELETE FROM public.accounts WHERE id = 500");

        VerificationResult r = new PgVerifier(TOOLS).verify(target, null, manifest);

        assertThat(r.ok()).isFalse();
        assertThat(r.mismatches()).containsExactly(new Mismatch("public.accounts", 1000, 999));
        assertThat(r.matched()).hasSize(4);
        assertThat(r.rowsVerified()).isEqualTo(2 + 0 + 3 + 3);
    }

    @Test
    void verify_shouldReportMinusOne_whenATableIsMissing() throws SQLException {
        exec(target, "DROP TABLE \"We\"\"ird\".\"T 1\"");

        VerificationResult r = new PgVerifier(TOOLS).verify(target, null, manifest);

        assertThat(r.ok()).isFalse();
        assertThat(r.mismatches()).containsExactly(new Mismatch("We\"ird.T 1", 2, PgVerifier.MISSING));
        assertThat(PgVerifier.MISSING).isEqualTo(-1);
    }

    @Test
    void verify_shouldFailClearly_whenTargetIsUnreachable() {
        DatabaseEndpoint missing = ADMIN.withDatabase("dbr_t_missing_" + UUID.randomUUID().toString().substring(0, 8));
        assertThatThrownBy(() -> new PgVerifier(TOOLS).verify(missing, null, manifest))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(missing.display());
    }
}
