package dev.dbrefresh.notifier.domain;

import static dev.dbrefresh.runtime.testing.StepFixture.TARGET_KEY;
import static dev.dbrefresh.runtime.testing.StepFixture.events;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.RefreshCompleted;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.notifier.aws.AfterRefreshActions;
import dev.dbrefresh.notifier.aws.EndpointParameterWriter;
import dev.dbrefresh.notifier.aws.PipelineStarter;
import dev.dbrefresh.runtime.audit.InMemoryAuditLog;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.runtime.testing.StepFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link NotifyStep} with in-memory ports and a fake clean-up engine: a run's end sends one notification, runs
 * the engine's clean-up (after success) or roll-back (after failure), and frees only that run's lease.
 */
class NotifyStepTest {

    static final String PLANS = """
            plans:
              shop:
                source: {database: shop_production}
                target: {database: shop_acceptance}
            """;

    private final StepFixture fixture = new StepFixture(PLANS);
    private final List<String> sent = new ArrayList<>();
    private final FakeCleanup cleanup = new FakeCleanup();
    private final EventPublisher publisher = new EventPublisher(null, null, null, null) {
        @Override
        public void sendRaw(String queue, String body, Map<String, String> attributes) {
            sent.add(queue + " " + body);
        }
    };
    private final NotifyStep step = new NotifyStep(fixture.plans, publisher, new InMemoryAuditLog(), fixture.leases,
            null, new AfterRefreshActions(new EndpointParameterWriter(() -> fixture.parameters),
                    new PipelineStarter(null), List.of(cleanup)));

    private static UsersApplied applied() {
        return new UsersApplied("shop", "postgres", "snap-2", "127.0.0.1", List.of("app"), List.of(), 10, false, 1);
    }

    @Test
    void completed_shouldListTheSafetyStepsOfTheRun_inTheNotification() throws Exception {
        InMemoryAuditLog audit = new InMemoryAuditLog();
        java.time.Instant at = java.time.Instant.parse("2026-12-01T10:00:00Z");
        int[] seq = {0};
        java.util.function.BiConsumer<dev.dbrefresh.contracts.StepName, String> entry = (s, d) -> audit.record(
                new dev.dbrefresh.runtime.audit.AuditEntry("run-1", at + "#" + (seq[0]++), at, "cluster-service", s.id(),
                        dev.dbrefresh.runtime.audit.AuditStatus.SUCCEEDED.id(), 5, d, null, "e1", "shop"));
        entry.accept(dev.dbrefresh.contracts.StepName.ISOLATE, "1 foreign server dropped [prod_link (postgres_fdw)]");
        entry.accept(dev.dbrefresh.contracts.StepName.VERIFY_CHECKSUMS, "4 tables, 10 rows: content checksums equal");
        entry.accept(dev.dbrefresh.contracts.StepName.SANITIZE, "masked public.accounts: 10 rows, [filler fixed]");
        entry.accept(dev.dbrefresh.contracts.StepName.RESTORE, "restored");
        NotifyStep withAudit = new NotifyStep(fixture.plans, publisher, audit, fixture.leases, null,
                new AfterRefreshActions(new EndpointParameterWriter(() -> fixture.parameters), new PipelineStarter(null),
                        List.of(cleanup)));

        withAudit.completed(applied(), fixture.context("run-1", "shop", applied()).ctx);

        JsonNode n = EventCodec.mapper().readTree(sent.get(0).substring(sent.get(0).indexOf(' ') + 1));
        assertThat(n.path("message").asText()).contains("before the swap: isolate: 1 foreign server dropped"
                + " [prod_link (postgres_fdw)]; verify-checksums: 4 tables, 10 rows: content checksums equal;"
                + " sanitize: masked public.accounts: 10 rows, [filler fixed]").doesNotContain("restore: restored");
    }

    @Test
    void completed_shouldNotifyCleanUpPublishCompletedAndReleaseTheRunsLease() throws Exception {
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
        fixture.leases.acquire("postgres://1/other", "run-9", Duration.ofHours(1));
        RecordingContext rec = fixture.context("run-1", "shop", applied());

        step.completed(applied(), rec.ctx);

        assertThat(sent).singleElement().asString().startsWith("dbrefresh-notifications ").contains("\"succeeded\"");
        assertThat(cleanup.calls).containsExactly("success snap-2");
        assertThat(events(rec, RefreshCompleted.class)).hasSize(1);
        assertThat(fixture.leases.holder(TARGET_KEY)).isEmpty();
        assertThat(fixture.leases.holder("postgres://1/other")).hasValue("run-9");
    }

    @Test
    void failed_shouldNotifyWithTheEnginesStateAndLeaveAnotherRunsLeaseAlone() throws Exception {
        // A second run refused with TARGET_BUSY: its failure must not free the first run's lease.
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
        RefreshFailed busy = new RefreshFailed("shop", "snapshot-service", "lease", "TARGET_BUSY", "busy", false);
        RecordingContext rec = fixture.context("run-2", "shop", busy);

        step.failed(busy, rec.ctx);

        JsonNode notification = EventCodec.mapper().readTree(sent.get(0).substring(sent.get(0).indexOf(' ') + 1));
        assertThat(notification.path("result").asText()).isEqualTo("failed");
        assertThat(notification.path("errorCode").asText()).isEqualTo("TARGET_BUSY");
        assertThat(notification.path("message").asText()).contains("[now: rolled back run-2]");
        assertThat(cleanup.calls).containsExactly("failure run-2");
        assertThat(fixture.leases.holder(TARGET_KEY)).hasValue("run-1");
        assertThat(events(rec, RefreshCompleted.class)).isEmpty();
    }

    @Test
    void failed_shouldStillNotify_whenThePlanIsUnknown() throws Exception {
        RefreshFailed unknown = new RefreshFailed("nope", "snapshot-service", "plan", "PLAN_NOT_FOUND", "no plan", false);
        RecordingContext rec = fixture.context("run-3", "nope", unknown);

        step.failed(unknown, rec.ctx);

        assertThat(sent).singleElement().asString().contains("PLAN_NOT_FOUND");
        assertThat(cleanup.calls).isEmpty();
    }

    /** Records its calls; says what it rolled back. */
    static final class FakeCleanup implements CleanupEngine {
        final List<String> calls = new ArrayList<>();

        @Override
        public Set<Engine> engines() {
            return Set.of(Engine.POSTGRES);
        }

        @Override
        public void afterSuccess(RefreshPlan plan, UsersApplied applied, StepContext ctx) {
            calls.add("success " + applied.snapshotId());
        }

        @Override
        public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
            calls.add("failure " + runId);
            return "rolled back " + runId;
        }
    }
}
