package dev.dbrefresh.engine.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reset ({@code "mode": "reset"}) through the postgres engine's snapshot and restore steps as snapshot- and
 * cluster-service call them, on the local server: the snapshot is the one the pristine copy holds (read on the
 * target server), and the restore copies the pristine database back over a target that tests wrote to.
 */
class PostgresResetTest {

    @TempDir
    static Path tmp;

    private static TestDatabases dbs;
    private static String source;

    @BeforeAll
    static void source() throws Exception {
        dbs = new TestDatabases("reset");
        source = dbs.create("src");
        dbs.exec(source, "CREATE TABLE orders (id int PRIMARY KEY, total int)",
                "INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 300) g");
        dbs.snapshot(source, new SnapshotStore(tmp.resolve("source-store")), "snap-1");
    }

    @AfterAll
    static void drop() throws Exception {
        dbs.close();
    }

    private static RefreshPlan plan(String target) throws Exception {
        return catalog(target).require("p");
    }

    private static PlanCatalog catalog(String target) throws Exception {
        String yaml = """
                plans:
                  p:
                    source: {database: %s}
                    target: {database: %s}
                    snapshot: {mode: latest, source-store: source-store, target-store: store-%s}
                    fast-path: template
                """.formatted(source, target, target);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), tmp);
    }

    private static RecordingContext recording(RefreshRequested request) {
        return new RecordingContext("run-" + UUID.randomUUID(), "p", request);
    }

    private static String run(RefreshPlan plan, RefreshRequested request) throws Exception {
        SnapshotProgress picked = new PostgresSnapshotEngine(ref -> null, TestDatabases.IDENTITIES)
                .start(plan, request, recording(request).ctx);
        assertThat(picked).isInstanceOf(SnapshotProgress.Ready.class);
        String snapshotId = ((SnapshotProgress.Ready) picked).snapshotId();
        RestoreProgress restored = new PostgresRestoreEngine(ref -> null, TestDatabases.IDENTITIES)
                .start(plan, snapshotId, false, recording(request).ctx);
        assertThat(restored).isInstanceOf(RestoreProgress.Restored.class);
        return snapshotId;
    }

    @Test
    void reset_shouldRestoreThePristineContent_afterTheTargetWasWrittenTo() throws Exception {
        String target = dbs.create("t1");
        RefreshPlan plan = plan(target);
        assertThat(run(plan, new RefreshRequested("p", null, null, false, "test"))).isEqualTo("snap-1");
        assertThat(PgPristine.name(target)).satisfies(p -> assertThat(dbs.queryLong("postgres",
                "SELECT count(*) FROM pg_database WHERE datname = " + PgIdentifiers.literal(p))).isEqualTo(1));
        // tests dirty the target
        dbs.exec(target, "DELETE FROM orders WHERE id <= 100", "UPDATE orders SET total = 0",
                "CREATE TABLE scratch (x int)");

        RefreshRequested reset = RefreshRequested.reset("p", "test");
        RecordingContext pick = recording(reset);
        SnapshotProgress picked = new PostgresSnapshotEngine(ref -> null, TestDatabases.IDENTITIES)
                .start(plan, reset, pick.ctx);
        assertThat(picked).isInstanceOfSatisfying(SnapshotProgress.Ready.class,
                r -> assertThat(r.snapshotId()).isEqualTo("snap-1"));
        assertThat(pick.audit).anySatisfy(e -> {
            assertThat(e.step()).isEqualTo(StepName.PICK_SNAPSHOT.id());
            assertThat(e.details()).contains("reset", PgPristine.name(target), "snap-1");
        });
        RecordingContext restore = recording(reset);
        assertThat(new PostgresRestoreEngine(ref -> null, TestDatabases.IDENTITIES).start(plan, "snap-1", false,
                restore.ctx)).isInstanceOf(RestoreProgress.Restored.class);

        assertThat(dbs.queryLong(target, "SELECT count(*) FROM orders")).isEqualTo(300);
        assertThat(dbs.queryLong(target, "SELECT sum(total) FROM orders")).isEqualTo(10L * 300 * 301 / 2);
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'")).isZero();
        assertThat(restore.audit).anyMatch(e -> e.is(AuditStatus.SUCCEEDED) && StepName.RESTORE.names(e.step()));
    }

    private static RecordingContext restore(RefreshPlan plan, RefreshRequested request, String snapshotId)
            throws Exception {
        assertThat(new PostgresSnapshotEngine(ref -> null, TestDatabases.IDENTITIES).start(plan, request,
                recording(request).ctx)).isInstanceOfSatisfying(SnapshotProgress.Ready.class,
                        r -> assertThat(r.snapshotId()).isEqualTo(snapshotId));
        RecordingContext rec = recording(request);
        assertThat(new PostgresRestoreEngine(ref -> null, TestDatabases.IDENTITIES).start(plan, snapshotId, false,
                rec.ctx)).isInstanceOf(RestoreProgress.Restored.class);
        return rec;
    }

    private static long statisticsOfOrders(String db) throws Exception {
        return dbs.queryLong(db, "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = 'orders'");
    }

    private static long pristineMarkedAnalyzed(String target) throws Exception {
        return dbs.queryLong("postgres", "SELECT count(*) FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(PgPristine.name(target))
                + " AND shobj_description(oid, 'pg_database') = 'dbrefresh:pristine;snapshot=snap-1;analyzed'");
    }

    @Test
    void reset_shouldKeepThePristineCopysStatistics_andNotAnalyzeAgain_whenThePlanMasksNothing() throws Exception {
        String target = dbs.create("t6");
        RefreshPlan plan = plan(target);
        RecordingContext full = restore(plan, new RefreshRequested("p", null, null, false, "test"), "snap-1");
        assertThat(full.audit).anySatisfy(e -> {
            assertThat(e.step()).isEqualTo(StepName.ANALYZE.at("pristine"));
            assertThat(e.status()).isEqualTo(AuditStatus.SUCCEEDED.id());
        });
        assertThat(full.audit).as("analyzed once: the pristine copy's statistics are the target's")
                .noneMatch(e -> e.step().equals(StepName.ANALYZE.id()) && e.is(AuditStatus.SUCCEEDED));
        assertThat(pristineMarkedAnalyzed(target)).isEqualTo(1);
        assertThat(statisticsOfOrders(target)).isPositive();
        dbs.exec(target, "DELETE FROM orders WHERE id <= 100");

        RecordingContext reset = restore(plan, RefreshRequested.reset("p", "test"), "snap-1");

        assertThat(reset.audit).anySatisfy(e -> {
            assertThat(e.step()).isEqualTo(StepName.ANALYZE.id());
            assertThat(e.status()).isEqualTo(AuditStatus.SKIPPED.id());
            assertThat(e.details()).contains("pristine copy");
        });
        assertThat(reset.audit).noneMatch(e -> StepName.ANALYZE.names(e.step()) && e.is(AuditStatus.SUCCEEDED));
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM orders")).isEqualTo(300);
        assertThat(statisticsOfOrders(target)).as("statistics came with the template copy").isPositive();
    }

    @Test
    void reset_shouldAnalyze_whenThePristineCopyWasKeptWithoutStatistics() throws Exception {
        String target = dbs.create("t7");
        RefreshPlan plan = plan(target);
        restore(plan, new RefreshRequested("p", null, null, false, "test"), "snap-1");
        // a pristine copy kept before the statistics were kept carries the old marker
        dbs.exec("postgres", "COMMENT ON DATABASE " + PgIdentifiers.quote(PgPristine.name(target))
                + " IS 'dbrefresh:pristine;snapshot=snap-1'");
        try (var c = TestDatabases.TOOLS.connect(TestDatabases.ADMIN, null)) {
            assertThat(PgPristine.find(c, target)).contains(new PgPristine.Copy("snap-1", false));
        }

        RecordingContext reset = restore(plan, RefreshRequested.reset("p", "test"), "snap-1");

        assertThat(reset.audit).anyMatch(e -> e.step().equals(StepName.ANALYZE.id()) && e.is(AuditStatus.SUCCEEDED));
        assertThat(statisticsOfOrders(target)).isPositive();
    }

    @Test
    void reset_shouldBeRefusedWithResetNotAvailable_andChangeNothing_whenThereIsNoPristineCopy() throws Exception {
        String target = dbs.createWithMarker("t2", 5);
        long oid = dbs.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = " + PgIdentifiers.literal(target));
        RefreshRequested reset = RefreshRequested.reset("p", "test");
        RecordingContext rec = recording(reset);

        SnapshotProgress picked = new PostgresSnapshotEngine(ref -> null, TestDatabases.IDENTITIES)
                .start(plan(target), reset, rec.ctx);

        assertThat(picked).isInstanceOfSatisfying(SnapshotProgress.Refused.class, r -> {
            assertThat(r.step()).isEqualTo(StepName.PICK_SNAPSHOT);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.RESET_NOT_AVAILABLE);
            assertThat(r.message()).contains(PgPristine.name(target), "Run one refresh");
        });
        assertThat(rec.ctx.changed()).isFalse();
        assertThat(tmp.resolve("store-" + target).resolve("snap-1").toFile().exists())
                .as("nothing copied for a refused reset").isFalse();
        assertThat(dbs.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(target))).isEqualTo(oid);
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(5);
    }

    private static RefreshPlan clonePlan(String target, String name, java.time.Instant expires) throws Exception {
        var catalog = catalog(target);
        var store = new dev.dbrefresh.runtime.params.InMemoryParameterStore();
        return new dev.dbrefresh.runtime.plan.PlanResolver(catalog, () -> store, env -> null)
                .resolve("p", java.util.Map.of("target.clone", name, "target.clone-expires", expires.toString()))
                .orElseThrow().plan();
    }

    private static long oid(String db) throws Exception {
        return dbs.queryLong("postgres", "SELECT coalesce((SELECT oid::bigint FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(db) + "), 0)");
    }

    @Test
    void clone_shouldCopyThePristineCopy_andRetentionShouldDropOnlyTheExpiredClone() throws Exception {
        String target = dbs.create("t3");
        run(plan(target), new RefreshRequested("p", null, null, false, "test"));
        dbs.exec(target, "DELETE FROM orders WHERE id <= 100");
        long targetOid = oid(target);
        long pristineOid = oid(PgPristine.name(target));
        java.time.Instant now = java.time.Instant.parse("2026-12-01T16:00:00Z");

        RefreshPlan expired = clonePlan(target, "old", now.minusSeconds(60));
        RefreshPlan live = clonePlan(target, "branch1", now.plusSeconds(3600));
        assertThat(expired.target().database()).isEqualTo(target + "_old");
        RefreshRequested clone = new RefreshRequested("p", null, null, false, "test", null, RefreshRequested.MODE_RESET);
        assertThat(run(expired, clone)).isEqualTo("snap-1");
        assertThat(run(live, clone)).isEqualTo("snap-1");

        // the clones hold the pristine content (not the dirtied target's), the target and pristine copy untouched
        assertThat(dbs.queryLong(target + "_branch1", "SELECT count(*) FROM orders")).isEqualTo(300);
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM orders")).isEqualTo(200);
        assertThat(oid(target)).isEqualTo(targetOid);
        assertThat(oid(PgPristine.name(target))).isEqualTo(pristineOid);
        assertThat(oid(PgPristine.name(target + "_branch1"))).as("a clone keeps no pristine copy of its own").isZero();
        List<PgClones.Clone> clones;
        try (var c = TestDatabases.TOOLS.connect(TestDatabases.ADMIN, null)) {
            clones = PgClones.list(c, target);
        }
        assertThat(clones).extracting(PgClones.Clone::database).containsExactly(target + "_branch1", target + "_old");
        assertThat(clones).allSatisfy(cl -> assertThat(cl.snapshotId()).isEqualTo("snap-1"));
        assertThat(clones.get(0).expires()).isEqualTo(now.plusSeconds(3600));

        RecordingContext rec = recording(clone);
        new PostgresCleanup(name -> null, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC))
                .afterSuccess(live, null, rec.ctx);

        assertThat(oid(target + "_old")).as("the expired clone is dropped").isZero();
        assertThat(oid(target + "_branch1")).as("the unexpired clone stays").isNotZero();
        assertThat(oid(target)).isEqualTo(targetOid);
        assertThat(oid(PgPristine.name(target))).isEqualTo(pristineOid);
        assertThat(rec.audit).anySatisfy(e -> {
            assertThat(e.step()).isEqualTo(StepName.RETENTION.id());
            assertThat(e.details()).contains(target + "_old").doesNotContain(target + "_branch1");
        });
        // a second delivery drops nothing more
        new PostgresCleanup(name -> null, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC))
                .afterSuccess(live, null, recording(clone).ctx);
        assertThat(oid(target + "_branch1")).isNotZero();
        dbs.exec("postgres", "DROP DATABASE " + PgIdentifiers.quote(target + "_branch1") + " WITH (FORCE)");
    }

    @Test
    void clone_shouldBeRefusedWithResetNotAvailable_andCreateNothing_whenThereIsNoPristineCopy() throws Exception {
        String target = dbs.create("t4");
        RefreshPlan clone = clonePlan(target, "b", java.time.Instant.now().plusSeconds(60));
        RefreshRequested request = new RefreshRequested("p", null, null, false, "test", null,
                RefreshRequested.MODE_RESET);

        SnapshotProgress picked = new PostgresSnapshotEngine(ref -> null, TestDatabases.IDENTITIES)
                .start(clone, request, recording(request).ctx);

        assertThat(picked).isInstanceOfSatisfying(SnapshotProgress.Refused.class,
                r -> assertThat(r.errorCode()).isEqualTo(ErrorCode.RESET_NOT_AVAILABLE));
        assertThat(oid(target + "_b")).isZero();
        // and the restorer refuses a clone without the pristine copy too, creating nothing
        SnapshotStore store = new SnapshotStore(tmp.resolve("x-" + target));
        Path dump = store.dumpFile(dbs.snapshot(source, store, "snap-x"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PgRestorer(TestDatabases.TOOLS).restoreClone(
                TestDatabases.ADMIN.withDatabase(target + "_b"), null, dump, "snap-x", "run-x",
                clone.postgres().cloneRun(), PgRestorer.BeforeSwap.NONE)).hasMessageContaining("no pristine copy");
        assertThat(oid(target + "_b")).isZero();
        assertThat(oid(PgRestorer.companionNames(target + "_b").get(0))).isZero();
    }

    @Test
    void retention_shouldDropNothing_andSaySo_whenTheTargetsPasswordIsASecretsManagerSecret() throws Exception {
        String target = dbs.name("t5");
        String expired = dbs.create("t5_old");
        dbs.exec("postgres", "ALTER DATABASE " + PgIdentifiers.quote(expired) + " SET dbrefresh.clone = "
                + PgIdentifiers.literal("of=" + target + ";snapshot=snap-1;created=2000-01-01T00:00:00Z;"
                + "expires=2000-01-02T00:00:00Z"));
        String yaml = """
                plans:
                  p:
                    source: {database: %s}
                    target: {database: %s, password-secret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t"}
                    fast-path: template
                """.formatted(source, target);
        RefreshPlan plan = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), tmp).require("p");
        RecordingContext rec = recording(RefreshRequested.reset("p", "test"));

        new PostgresCleanup(name -> null, java.time.Clock.systemUTC()).afterSuccess(plan, null, rec.ctx);

        assertThat(oid(expired)).as("nothing dropped without the password").isNotZero();
        assertThat(rec.audit).anySatisfy(e -> {
            assertThat(e.step()).isEqualTo(StepName.RETENTION.id());
            assertThat(e.status()).isEqualTo(AuditStatus.SKIPPED.id());
            assertThat(e.details()).contains("not checked", "./dbrefresh clones");
        });
        try (var c = TestDatabases.TOOLS.connect(TestDatabases.ADMIN, null)) {
            assertThat(PgClones.list(c, target)).extracting(PgClones.Clone::database).containsExactly(expired);
        }
    }
}
