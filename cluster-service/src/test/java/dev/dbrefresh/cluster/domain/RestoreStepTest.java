package dev.dbrefresh.cluster.domain;

import static dev.dbrefresh.runtime.testing.StepFixture.TARGET_KEY;
import static dev.dbrefresh.runtime.testing.StepFixture.events;
import static dev.dbrefresh.runtime.testing.StepFixture.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.runtime.testing.StepFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RestoreStep}, the destructive step, with in-memory ports ({@link StepFixture}) and a fake engine: each
 * refusal leaves the engine uncalled (nothing deleted or restored) and "current" unpromoted.
 */
class RestoreStepTest {

    static final String LATEST = "/dbrefresh/shop/snapshot/latest";
    static final String CURRENT = "/dbrefresh/shop/snapshot/current";

    private final StepFixture fixture = new StepFixture(StepFixture.PLANS);
    private final FakeEngine engine = new FakeEngine(Set.of(Engine.POSTGRES));
    private final RestoreStep step = new RestoreStep(fixture.checks, fixture.parameters, List.of(engine));

    @BeforeEach
    void aRunThatTookTheLeaseAndSetLatest() {
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
        fixture.parameters.put(LATEST, "snap-2");
    }

    private static SnapshotReady ready(String plan, String engine, String snapshot) {
        return new SnapshotReady(plan, engine, snapshot, snapshot, 10, null, true, false);
    }

    private RecordingContext handle(SnapshotReady ready) throws Exception {
        RecordingContext rec = fixture.context("run-1", ready.plan(), ready);
        step.handle(ready, rec.ctx);
        return rec;
    }

    @Test
    void handle_shouldPromoteLatestRestoreAndPublishClusterRestored() throws Exception {
        RecordingContext rec = handle(ready("shop", "postgres", "snap-2"));

        assertThat(failure(rec)).isEmpty();
        assertThat(fixture.parameters.get(CURRENT)).hasValue("snap-2");
        assertThat(engine.calls).containsExactly("exists snap-2", "start snap-2");
        assertThat(events(rec, ClusterRestored.class)).singleElement()
                .satisfies(r -> assertThat(r.database()).isEqualTo("shop_acceptance"));
    }

    @Test
    void handle_shouldNotWriteCurrentAgain_whenARedeliveryFindsItPromotedAlready() throws Exception {
        handle(ready("shop", "postgres", "snap-2"));

        RecordingContext again = handle(ready("shop", "postgres", "snap-2"));

        assertThat(failure(again)).isEmpty();
        assertThat(fixture.parameters.get(CURRENT)).hasValue("snap-2");
        assertThat(fixture.parameters.version(CURRENT)).isEqualTo(1);
        assertThat(again.audit).filteredOn(e -> e.isStep(StepName.PROMOTE) && "succeeded".equals(e.status()))
                .singleElement().satisfies(e -> assertThat(e.details()).endsWith("(it held it already: not written again)"));
    }

    @Test
    void handle_shouldRefuseWithPlanNotFound_andTouchNothing() throws Exception {
        RecordingContext rec = handle(ready("nope", "postgres", "snap-2"));

        assertUntouched(rec, "PLAN_NOT_FOUND");
    }

    @Test
    void handle_shouldRefuseWithPlanInvalid_whenARunValueIsNotAKnob() throws Exception {
        fixture.parameters.put("/dbrefresh/plans/shop/target/host", "db.elsewhere");

        RecordingContext rec = handle(ready("shop", "postgres", "snap-2"));

        assertUntouched(rec, "PLAN_INVALID");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseByGuard_whenTheTargetIsProtected() throws Exception {
        RecordingContext rec = handle(ready("guarded", "postgres", "snap-2"));

        assertUntouched(rec, "GUARD_PROTECTED_TARGET");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseWithLeaseLost_whenAnotherRunHoldsTheTarget() throws Exception {
        fixture.leases.release(TARGET_KEY, "run-1");
        fixture.leases.acquire(TARGET_KEY, "run-0", Duration.ofHours(1));

        RecordingContext rec = handle(ready("shop", "postgres", "snap-2"));

        assertUntouched(rec, "LEASE_LOST");
        assertThat(fixture.leases.holder(TARGET_KEY)).hasValue("run-0");
    }

    @Test
    void handle_shouldRefuseWithSnapshotNotFound_beforePromotingOrDeleting() throws Exception {
        engine.exists = false;

        RecordingContext rec = handle(ready("shop", "postgres", "snap-2"));

        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue("SNAPSHOT_NOT_FOUND");
        assertThat(engine.calls).containsExactly("exists snap-2");
        assertThat(fixture.parameters.get(CURRENT)).isEmpty();
    }

    @Test
    void handle_shouldRejectTheEvent_whenItNamesAnotherEngineOrSnapshot() {
        assertThatThrownBy(() -> handle(ready("shop", "aurora-mysql", "snap-2")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("aurora-mysql");
        assertThatThrownBy(() -> handle(ready("shop", "postgres", "snap-forged")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("snap-forged");
        assertThat(engine.calls).isEmpty();
        assertThat(fixture.parameters.get(CURRENT)).isEmpty();
    }

    @Test
    void handle_shouldRefuseWithEngineNotAvailable_whenTheServiceHostsNoEngineForThePlan() throws Exception {
        RestoreStep dynamoOnly = new RestoreStep(fixture.checks, fixture.parameters,
                List.of(new FakeEngine(Set.of(Engine.DYNAMODB))));
        SnapshotReady ready = ready("shop", "postgres", "snap-2");
        RecordingContext rec = fixture.context("run-1", "shop", ready);

        dynamoOnly.handle(ready, rec.ctx);

        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue("ENGINE_NOT_AVAILABLE");
        assertThat(fixture.parameters.get(CURRENT)).isEmpty();
    }

    @Test
    void handle_shouldSendADelayedPoll_whenTheEngineWaits() throws Exception {
        engine.answer = new RestoreProgress.Waiting(StepName.RESTORING, "table restore in progress");

        RecordingContext rec = handle(ready("shop", "postgres", "snap-2"));

        assertThat(events(rec, ClusterRestorePoll.class)).singleElement().satisfies(p -> {
            assertThat(p.phase()).isEqualTo("restoring");
            assertThat(p.snapshotId()).isEqualTo("snap-2");
        });
        assertThat(events(rec, ClusterRestored.class)).isEmpty();
    }

    @Test
    void poll_shouldFailWithWaitDeadlineExceeded_andMarkTheTargetChanged_withoutAskingTheEngine() throws Exception {
        fixture.parameters.put(CURRENT, "snap-2");
        ClusterRestorePoll poll = new ClusterRestorePoll("shop", "snap-2", "restoring", 9, Instant.now().minusSeconds(1));
        RecordingContext rec = fixture.context("run-1", "shop", poll);

        step.poll(poll, rec.ctx);

        assertThat(failure(rec)).hasValueSatisfying(f -> {
            assertThat(f.errorCode()).isEqualTo("WAIT_DEADLINE_EXCEEDED");
            assertThat(f.message()).contains("wait.deadline-minutes");
        });
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void poll_shouldRejectAPollOfAnotherSnapshotThanCurrent() {
        fixture.parameters.put(CURRENT, "snap-2");
        ClusterRestorePoll poll = new ClusterRestorePoll("shop", "snap-1", "restoring", 2, Instant.now().plusSeconds(60));
        RecordingContext rec = fixture.context("run-1", "shop", poll);

        assertThatThrownBy(() -> step.poll(poll, rec.ctx)).isInstanceOf(EventRejectedException.class)
                .hasMessageContaining("snap-1");
        assertThat(engine.calls).isEmpty();
    }

    /** A refusal: one refresh.failed with the code, the engine not called, "current" not promoted. */
    private void assertUntouched(RecordingContext rec, String errorCode) {
        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue(errorCode);
        assertThat(events(rec, RefreshFailed.class)).hasSize(1);
        assertThat(engine.calls).isEmpty();
        assertThat(fixture.parameters.get(CURRENT)).isEmpty();
        assertThat(events(rec, ClusterRestored.class)).isEmpty();
    }

    /** Answers with {@link #answer} and records each call. */
    static final class FakeEngine implements RestoreEngine {
        final Set<Engine> engines;
        final List<String> calls = new ArrayList<>();
        boolean exists = true;
        RestoreProgress answer = new RestoreProgress.Restored("127.0.0.1", null, 5432, "shop_acceptance");

        FakeEngine(Set<Engine> engines) {
            this.engines = engines;
        }

        @Override
        public Set<Engine> engines() {
            return engines;
        }

        @Override
        public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
            calls.add("exists " + snapshotId);
            return exists;
        }

        @Override
        public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) {
            calls.add("start " + snapshotId);
            return answer;
        }

        @Override
        public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) {
            calls.add("poll " + poll.phase());
            return answer;
        }
    }
}
