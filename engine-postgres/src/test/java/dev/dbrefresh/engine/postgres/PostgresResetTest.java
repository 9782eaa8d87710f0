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
        String yaml = """
                plans:
                  p:
                    source: {database: %s}
                    target: {database: %s}
                    snapshot: {mode: latest, source-store: source-store, target-store: store-%s}
                    fast-path: template
                """.formatted(source, target, target);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), tmp).require("p");
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
}
