package dev.dbrefresh.users.domain;

import static dev.dbrefresh.runtime.testing.StepFixture.TARGET_KEY;
import static dev.dbrefresh.runtime.testing.StepFixture.events;
import static dev.dbrefresh.runtime.testing.StepFixture.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.runtime.testing.StepFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UsersStep} with in-memory ports ({@link StepFixture}) and a fake engine: no user is created (the engine's
 * {@code apply} is not called) unless the plan, the event, the guards and the lease all pass.
 */
class UsersStepTest {

    private final StepFixture fixture = new StepFixture(StepFixture.PLANS);
    private final FakeEngine engine = new FakeEngine(Set.of(Engine.POSTGRES));
    private final UsersStep step = new UsersStep(fixture.checks, List.of(engine));

    @BeforeEach
    void aRunThatHoldsTheLease() {
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
    }

    private static ClusterRestored restored(String plan, String engine, String database) {
        return new ClusterRestored(plan, engine, "snap-2", "127.0.0.1", null, 5432, database, false);
    }

    private RecordingContext handle(ClusterRestored restored) throws Exception {
        RecordingContext rec = fixture.context("run-1", restored.plan(), restored);
        step.handle(restored, rec.ctx);
        return rec;
    }

    @Test
    void handle_shouldPublishUsersAppliedAndAuditEveryCount() throws Exception {
        engine.answer = new UsersEngine.Applied(List.of("app"), IntStream.range(0, 450)
                .mapToObj(i -> new TableRowCount("public", "t" + i, i)).toList(), 450L * 449 / 2);

        RecordingContext rec = handle(restored("shop", "postgres", "shop_acceptance"));

        assertThat(failure(rec)).isEmpty();
        assertThat(engine.calls).containsExactly("fits shop_acceptance", "apply shop_acceptance");
        assertThat(events(rec, UsersApplied.class)).singleElement().satisfies(a -> {
            assertThat(a.tablesVerified()).isEqualTo(450);
            assertThat(a.verified()).hasSizeLessThanOrEqualTo(20);
        });
        // 450 tables: two verify-counts entries of at most 400 tables each.
        assertThat(rec.audit.stream().filter(e -> e.step().equals("verify-counts"))).hasSize(2);
    }

    @Test
    void handle_shouldRefuseWithPlanNotFound_andCreateNoUser() throws Exception {
        RecordingContext rec = handle(restored("nope", "postgres", "shop_acceptance"));

        assertNoUserCreated(rec, "PLAN_NOT_FOUND");
    }

    @Test
    void handle_shouldRefuseWithPlanInvalid_whenARunValueIsNotAKnob() throws Exception {
        fixture.parameters.put("/dbrefresh/plans/shop/users", "root");

        RecordingContext rec = handle(restored("shop", "postgres", "shop_acceptance"));

        assertNoUserCreated(rec, "PLAN_INVALID");
    }

    @Test
    void handle_shouldRefuseByGuard_whenTheTargetIsProtected() throws Exception {
        RecordingContext rec = handle(restored("guarded", "postgres", "shop_live"));

        assertNoUserCreated(rec, "GUARD_PROTECTED_TARGET");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldRefuseWithLeaseLost_whenTheRunNoLongerHoldsTheTarget() throws Exception {
        fixture.leases.release(TARGET_KEY, "run-1");

        RecordingContext rec = handle(restored("shop", "postgres", "shop_acceptance"));

        assertNoUserCreated(rec, "LEASE_LOST");
        // The restore changed the target already: the failure says so.
        assertThat(failure(rec).orElseThrow().changed()).isTrue();
    }

    @Test
    void handle_shouldRejectTheEvent_whenItNamesAnotherEngineOrDatabase() {
        assertThatThrownBy(() -> handle(restored("shop", "aurora-postgresql", "shop_acceptance")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("aurora-postgresql");
        assertThatThrownBy(() -> handle(restored("shop", "postgres", "shop_production")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("shop_production");
        assertThat(engine.calls).noneMatch(c -> c.startsWith("apply"));
    }

    @Test
    void handle_shouldRefuseWithEngineNotAvailable_whenTheServiceHostsNoEngineForThePlan() throws Exception {
        UsersStep dynamoOnly = new UsersStep(fixture.checks, List.of(new FakeEngine(Set.of(Engine.DYNAMODB))));
        ClusterRestored restored = restored("shop", "postgres", "shop_acceptance");
        RecordingContext rec = fixture.context("run-1", "shop", restored);

        dynamoOnly.handle(restored, rec.ctx);

        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue("ENGINE_NOT_AVAILABLE");
        assertThat(fixture.identityCalls).isZero();
    }

    @Test
    void handle_shouldFailWithTheEnginesCode_whenVerificationRefuses() throws Exception {
        engine.answer = new UsersEngine.Refused(StepName.VERIFY, ErrorCode.VERIFY_MISMATCH, "public.orders: 3 rows, snapshot 4");

        RecordingContext rec = handle(restored("shop", "postgres", "shop_acceptance"));

        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue("VERIFY_MISMATCH");
        assertThat(events(rec, UsersApplied.class)).isEmpty();
    }

    private void assertNoUserCreated(RecordingContext rec, String errorCode) {
        assertThat(failure(rec)).map(RefreshFailed::errorCode).hasValue(errorCode);
        assertThat(events(rec, RefreshFailed.class)).hasSize(1);
        assertThat(engine.calls).noneMatch(c -> c.startsWith("apply"));
        assertThat(events(rec, UsersApplied.class)).isEmpty();
    }

    /** Checks the event's database against the plan's target, answers {@link #answer}, records each call. */
    static final class FakeEngine implements UsersEngine {
        final Set<Engine> engines;
        final List<String> calls = new ArrayList<>();
        Outcome answer = new Applied(List.of(), List.of(new TableRowCount("public", "t", 1)), 1);

        FakeEngine(Set<Engine> engines) {
            this.engines = engines;
        }

        @Override
        public Set<Engine> engines() {
            return engines;
        }

        @Override
        public void requireFits(RefreshPlan plan, ClusterRestored restored) {
            calls.add("fits " + restored.database());
            if (!plan.target().database().equals(restored.database())) {
                throw new EventRejectedException("it names database " + restored.database());
            }
        }

        @Override
        public Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) {
            calls.add("apply " + restored.database());
            return answer;
        }
    }
}
