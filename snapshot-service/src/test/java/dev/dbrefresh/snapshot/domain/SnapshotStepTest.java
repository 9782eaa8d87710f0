package dev.dbrefresh.snapshot.domain;

import static dev.dbrefresh.runtime.testing.StepFixture.TARGET_KEY;
import static dev.dbrefresh.runtime.testing.StepFixture.events;
import static dev.dbrefresh.runtime.testing.StepFixture.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.runtime.testing.StepFixture;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link SnapshotStep} with in-memory ports ({@link StepFixture}) and a fake engine: every refusal happens before
 * the engine is called or the lease is taken, and the step's decisions (parameter, events, waits) are what the
 * engine's answer asks for.
 */
class SnapshotStepTest {

    private final StepFixture fixture = new StepFixture(StepFixture.PLANS);
    private final FakeEngine engine = new FakeEngine(Set.of(Engine.POSTGRES));
    private final SnapshotStep step = new SnapshotStep(fixture.checks, fixture.parameters, List.of(engine));

    private static RefreshRequested start(String plan) {
        return new RefreshRequested(plan, null, LocalDate.of(2026, 12, 1), false, "test");
    }

    private RecordingContext handle(String plan) throws Exception {
        RecordingContext rec = fixture.context("run-1", plan, start(plan));
        step.handle(start(plan), rec.ctx);
        return rec;
    }

    @Test
    void handle_shouldSetLatestAndPublishSnapshotReady_whenTheEngineHasTheSnapshot() throws Exception {
        engine.answer = new SnapshotProgress.Ready("snap-2", "snap-2", 42, "sha256:ab", true);

        RecordingContext rec = handle("shop");

        assertThat(failure(rec)).isEmpty();
        assertThat(fixture.parameters.get("/dbrefresh/shop/snapshot/latest")).hasValue("snap-2");
        assertThat(events(rec, SnapshotReady.class)).singleElement()
                .satisfies(r -> assertThat(r.snapshotId()).isEqualTo("snap-2"));
        assertThat(fixture.leases.holder(TARGET_KEY)).hasValue("run-1");
    }

    @Test
    void handle_shouldRefuseWithPlanNotFound_andCallNothing() throws Exception {
        RecordingContext rec = handle("nope");

        assertRefusedBeforeAnything(rec, "PLAN_NOT_FOUND");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseWithPlanInvalid_whenARunValueNamesAnotherTarget() throws Exception {
        fixture.parameters.put("/dbrefresh/plans/shop/target/database", "orders");

        RecordingContext rec = handle("shop");

        assertRefusedBeforeAnything(rec, "PLAN_INVALID");
        assertThat(failure(rec).orElseThrow().message()).contains("target.database");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseByGuard_whenTheTargetIsProtected_beforeAskingAnyServer() throws Exception {
        RecordingContext rec = handle("guarded");

        assertRefusedBeforeAnything(rec, "GUARD_PROTECTED_TARGET");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseByGuard_whenTheServerSaysTheTargetIsTheSource() throws Exception {
        PlanIdentities.Identity same = new PlanIdentities.Identity("postgres://1/shop", 7L);
        fixture.identities = new PlanIdentities.Identities(same, same);

        RecordingContext rec = handle("shop");

        assertRefusedBeforeAnything(rec, "GUARD_TARGET_IS_SOURCE");
        assertThat(fixture.leases.holder("postgres://1/shop")).isEmpty();
    }

    @Test
    void handle_shouldRefuseWithTargetBusy_whenAnotherRunHoldsTheLease() throws Exception {
        fixture.leases.acquire(TARGET_KEY, "run-0", Duration.ofHours(1));

        RecordingContext rec = handle("shop");

        assertThat(failure(rec)).hasValueSatisfying(f -> {
            assertThat(f.errorCode()).isEqualTo("TARGET_BUSY");
            assertThat(f.message()).contains("run-0");
        });
        assertThat(engine.calls).isEmpty();
        assertThat(fixture.leases.holder(TARGET_KEY)).hasValue("run-0");
    }

    @Test
    void handle_shouldRefuseWithEngineNotAvailable_whenTheServiceHostsNoEngineForThePlan() throws Exception {
        SnapshotStep dynamoOnly = new SnapshotStep(fixture.checks, fixture.parameters,
                List.of(new FakeEngine(Set.of(Engine.DYNAMODB))));
        RecordingContext rec = fixture.context("run-1", "shop", start("shop"));

        dynamoOnly.handle(start("shop"), rec.ctx);

        assertRefusedBeforeAnything(rec, "ENGINE_NOT_AVAILABLE");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseAResetWithResetNotAvailable_beforeTheLease_whenThePlanKeepsNoPristineCopy()
            throws Exception {
        RefreshRequested reset = RefreshRequested.reset("shop", "test");
        RecordingContext rec = fixture.context("run-1", "shop", reset);

        step.handle(reset, rec.ctx);

        assertRefusedBeforeAnything(rec, "RESET_NOT_AVAILABLE");
        assertThat(failure(rec).orElseThrow().message()).contains("fast-path: template");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseAResetThatAlsoNamesASnapshot_andPassAPlainResetToTheEngine() throws Exception {
        StepFixture templated = new StepFixture("""
                plans:
                  shop:
                    source: {database: shop_production}
                    target: {database: shop_acceptance}
                    fast-path: template
                """);
        SnapshotStep withTemplate = new SnapshotStep(templated.checks, templated.parameters, List.of(engine));
        RefreshRequested forged = new RefreshRequested("shop", "snap-other", null, false, "test", null,
                RefreshRequested.MODE_RESET);
        RecordingContext refused = templated.context("run-1", "shop", forged);

        withTemplate.handle(forged, refused.ctx);

        assertThat(failure(refused)).hasValueSatisfying(f -> {
            assertThat(f.errorCode()).isEqualTo("RESET_NOT_AVAILABLE");
            assertThat(f.message()).contains("snap-other", "without snapshotId");
        });
        assertThat(engine.calls).isEmpty();
        assertThat(templated.leases.holder(TARGET_KEY)).isEmpty();

        engine.answer = new SnapshotProgress.Ready("snap-1", "snap-1", 42, "sha256:ab", false);
        RefreshRequested reset = RefreshRequested.reset("shop", "test");
        RecordingContext rec = templated.context("run-2", "shop", reset);
        withTemplate.handle(reset, rec.ctx);

        assertThat(failure(rec)).isEmpty();
        assertThat(engine.calls).hasSize(1);
        assertThat(events(rec, SnapshotReady.class)).singleElement()
                .satisfies(r -> assertThat(r.snapshotId()).isEqualTo("snap-1"));
    }

    @Test
    void handle_shouldRefuseACloneNamedLikeTheSourceOrAProtectedTarget_beforeAnythingChanges() throws Exception {
        java.util.Map<String, String> codes = java.util.Map.of("production", "GUARD_TARGET_IS_SOURCE",
                "live", "GUARD_PROTECTED_TARGET", "Bad-Name", "PLAN_INVALID");
        for (var e : codes.entrySet()) {
            String name = e.getKey();
            StepFixture templated = new StepFixture("""
                    plans:
                      shop:
                        source: {database: shop_production}
                        target: {database: shop}
                        fast-path: template
                        guards: {protected-patterns: ["(?i).*_live"]}
                    """);
            SnapshotStep withTemplate = new SnapshotStep(templated.checks, templated.parameters, List.of(engine));
            RefreshRequested clone = new RefreshRequested("shop", null, null, false, "test",
                    java.util.Map.of("target.clone", name, "target.clone-expires", "2026-12-02T16:00:00Z"),
                    RefreshRequested.MODE_RESET);
            RecordingContext rec = templated.context("run-1", "shop", clone);

            withTemplate.handle(clone, rec.ctx);

            assertThat(failure(rec)).as(name).map(RefreshFailed::errorCode).hasValue(e.getValue());
            assertThat(failure(rec).orElseThrow().message()).contains(name.equals("Bad-Name")
                    ? "clone name 'Bad-Name'" : "shop_" + name);
            assertThat(engine.calls).as("no engine call: nothing created, copied or dropped").isEmpty();
            assertThat(templated.leases.holder(TARGET_KEY)).isEmpty();
            assertThat(templated.identityCalls).as("refused before any server was asked").isZero();
            assertThat(events(rec, SnapshotReady.class)).isEmpty();
        }
    }

    @Test
    void handle_shouldSendADelayedPoll_whenTheEngineWaitsForACopy() throws Exception {
        engine.answer = new SnapshotProgress.Waiting("snap-3", "copy snap-3 is 40% done");

        RecordingContext rec = handle("shop");

        assertThat(events(rec, SnapshotCopyPoll.class)).singleElement().satisfies(p -> {
            assertThat(p.snapshotId()).isEqualTo("snap-3");
            assertThat(p.attempt()).isEqualTo(1);
            // The plan's wait.deadline-minutes default for postgres: 60 minutes from now.
            assertThat(p.deadline()).isBetween(Instant.now().plus(Duration.ofMinutes(59)),
                    Instant.now().plus(Duration.ofMinutes(61)));
        });
        assertThat(rec.details(AuditStatus.WAITING)).singleElement().asString().contains("next check in 5 s");
        assertThat(fixture.parameters.get("/dbrefresh/shop/snapshot/latest")).isEmpty();
        assertThat(events(rec, SnapshotReady.class)).isEmpty();
    }

    @Test
    void handle_shouldFailWithTheEnginesCode_whenTheEngineRefuses() throws Exception {
        engine.answer = new SnapshotProgress.Refused(StepName.COPY, ErrorCode.SNAPSHOT_NOT_FOUND, "no snapshot of shop_production");

        RecordingContext rec = handle("shop");

        assertThat(failure(rec)).hasValueSatisfying(f -> assertThat(f.errorCode()).isEqualTo("SNAPSHOT_NOT_FOUND"));
        assertThat(fixture.parameters.get("/dbrefresh/shop/snapshot/latest")).isEmpty();
        assertThat(events(rec, SnapshotReady.class)).isEmpty();
    }

    @Test
    void poll_shouldFailWithWaitDeadlineExceeded_andNotAskTheEngine_whenTheDeadlinePassed() throws Exception {
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
        SnapshotCopyPoll poll = new SnapshotCopyPoll("shop", "snap-3", 7, Instant.now().minusSeconds(1));
        RecordingContext rec = fixture.context("run-1", "shop", poll);

        step.poll(poll, rec.ctx);

        assertThat(failure(rec)).hasValueSatisfying(f -> {
            assertThat(f.errorCode()).isEqualTo("WAIT_DEADLINE_EXCEEDED");
            assertThat(f.message()).contains("snap-3").contains("wait.deadline-minutes");
        });
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void poll_shouldFailWithLeaseLost_whenTheRunNoLongerHoldsTheLease() throws Exception {
        fixture.leases.acquire(TARGET_KEY, "run-0", Duration.ofHours(1));
        SnapshotCopyPoll poll = new SnapshotCopyPoll("shop", "snap-3", 2, Instant.now().plusSeconds(600));
        RecordingContext rec = fixture.context("run-1", "shop", poll);

        step.poll(poll, rec.ctx);

        assertThat(failure(rec)).hasValueSatisfying(f -> assertThat(f.errorCode()).isEqualTo("LEASE_LOST"));
        assertThat(engine.calls).isEmpty();
        assertThat(fixture.leases.holder(TARGET_KEY)).hasValue("run-0");
    }

    /** A refusal: one refresh.failed with the code, no engine call, no lease, no parameter, no snapshot.ready. */
    private void assertRefusedBeforeAnything(RecordingContext rec, String errorCode) {
        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue(errorCode);
        assertThat(events(rec, RefreshFailed.class)).hasSize(1);
        assertThat(engine.calls).isEmpty();
        assertThat(fixture.leases.holder(TARGET_KEY)).isEmpty();
        assertThat(fixture.parameters.getByPath("/dbrefresh/")).doesNotContainKey("/dbrefresh/shop/snapshot/latest");
        assertThat(events(rec, SnapshotReady.class)).isEmpty();
    }

    /** Answers with {@link #answer} and records each call. */
    static final class FakeEngine implements SnapshotEngine {
        final Set<Engine> engines;
        final List<String> calls = new ArrayList<>();
        SnapshotProgress answer = new SnapshotProgress.Ready("snap-1", "snap-1", 1, null, false);

        FakeEngine(Set<Engine> engines) {
            this.engines = engines;
        }

        @Override
        public Set<Engine> engines() {
            return engines;
        }

        @Override
        public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) {
            calls.add("start " + plan.name());
            return answer;
        }

        @Override
        public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) {
            calls.add("poll " + poll.snapshotId());
            return answer;
        }
    }
}
