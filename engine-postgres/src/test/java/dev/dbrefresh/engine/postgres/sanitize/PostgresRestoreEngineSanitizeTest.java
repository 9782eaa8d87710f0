package dev.dbrefresh.engine.postgres.sanitize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PostgresRestoreEngine;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The postgres restore engine with a plan's sanitize settings, as cluster-service calls it: a refusal before the
 * swap is a {@link RestoreProgress.Refused} with the step and code, the target unchanged; the masking key, resolved
 * from its secret reference, is in no audit entry.
 */
class PostgresRestoreEngineSanitizeTest {

    private static final String KEY = "engine-key-" + UUID.randomUUID();

    @TempDir
    static Path tmp;

    private static TestDatabases dbs;
    private static String source;
    private static SnapshotManifest snapshot;

    @BeforeAll
    static void source() throws Exception {
        dbs = new TestDatabases("sanengine");
        source = dbs.create("src");
        dbs.exec(source, "CREATE TABLE people (id int PRIMARY KEY, email text, name text)",
                "INSERT INTO people SELECT g, 'p' || g || '@shop.example', 'Person ' || g FROM generate_series(1, 500) g");
        snapshot = dbs.snapshot(source, new SnapshotStore(tmp.resolve("target-store")), "snap-1");
    }

    @AfterAll
    static void drop() throws Exception {
        dbs.close();
    }

    private static RefreshPlan plan(String target, String masks) throws Exception {
        String yaml = """
                plans:
                  p:
                    source: {database: %s}
                    target: {database: %s}
                    snapshot: {target-store: target-store}
                    sanitize:
                      key-secret: env:MASK_KEY
                      masks:
                %s
                """.formatted(source, target, masks);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), tmp).require("p");
    }

    private static PostgresRestoreEngine engine() {
        return new PostgresRestoreEngine(ref -> {
            assertThat(ref).isEqualTo("env:MASK_KEY");
            return KEY.toCharArray();
        }, TestDatabases.IDENTITIES);
    }

    private static RecordingContext recording() {
        return new RecordingContext("run-" + UUID.randomUUID(), "p", new RefreshRequested("p", null, null, false, null,
                Map.of()));
    }

    @Test
    void start_shouldRefuseWithTheMaskCode_andLeaveTheTargetAlone_whenAMaskedColumnIsMissing() throws Exception {
        String target = dbs.createWithMarker("acc1", 4);
        long oid = dbs.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = " + PgIdentifiers.literal(target));
        RecordingContext rec = recording();

        RestoreProgress progress = engine().start(plan(target, "        - {table: people, columns: {emial: email}}"),
                "snap-1", false, rec.ctx);

        assertThat(progress).isInstanceOfSatisfying(RestoreProgress.Refused.class, r -> {
            assertThat(r.step()).isEqualTo(StepName.SANITIZE);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
            assertThat(r.message()).contains("public.people has no column 'emial'");
        });
        assertThat(rec.ctx.changed()).isFalse();
        assertThat(dbs.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(target))).isEqualTo(oid);
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(4);
        assertThat(rec.audit).noneMatch(e -> e.is(AuditStatus.SUCCEEDED) && StepName.RESTORE.names(e.step()));
    }

    @Test
    void start_shouldMaskBeforeTheSwap_andKeepTheKeyOutOfTheAudit() throws Exception {
        String target = dbs.name("acc2");
        RecordingContext rec = recording();

        RestoreProgress progress = engine().start(plan(target, "        - {table: people, columns: {email: email,"
                + " name: hash}}"), "snap-1", false, rec.ctx);
        try {
            assertThat(progress).isInstanceOf(RestoreProgress.Restored.class);
            assertThat(rec.ctx.changed()).isTrue();
            assertThat(dbs.queryLong(target, "SELECT count(*) FROM people WHERE email LIKE '%@shop.example'"
                    + " OR name LIKE 'Person %'")).isZero();
            assertThat(rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step))
                    .containsSubsequence(StepName.ISOLATE.id(), StepName.SANITIZE.id(), StepName.VERIFY_MASKS.id(),
                            StepName.ANALYZE.id(), StepName.RESTORE.id());
            assertThat(rec.audit).allSatisfy(e -> assertThat(String.valueOf(e)).doesNotContain(KEY));
        } finally {
            dbs.exec("postgres", "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(target) + " WITH (FORCE)");
        }
    }
}
