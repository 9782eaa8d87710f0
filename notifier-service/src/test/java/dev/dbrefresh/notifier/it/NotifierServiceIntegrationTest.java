package dev.dbrefresh.notifier.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * notifier-service as a whole: its consumer on {@code dbrefresh-notifier} (ElasticMQ in this JVM),
 * audit log, idempotency and leases in DynamoDB Local. Every test sends a {@code users.applied} or
 * {@code refresh.failed} built from the shared-contracts samples and reads the notification from
 * {@code dbrefresh-notifications} (the plans' default notification queue) and the leases. The
 * {@code refresh.completed} event is routed to no queue on the local stack, so it is not observed here.
 */
class NotifierServiceIntegrationTest {

    @TempDir
    static Path dir;

    private static ServiceStack stack;
    private static Notifications notifications;

    @BeforeAll
    static void start() throws Exception {
        Path plans = dir.resolve("plans.yml");
        StringBuilder yaml = new StringBuilder("plans:\n");
        for (String plan : List.of("done", "failed", "shared", "dup-done", "dup-failed")) {
            yaml.append("  ").append(plan).append(":\n")
                    .append("    engine: postgres\n")
                    .append("    source: {host: 127.0.0.1, port: 5432, database: dbr_ntf_").append(plan.replace('-', '_'))
                    .append("_src, username: postgres}\n")
                    .append("    target: {host: 127.0.0.1, port: 5432, database: dbr_ntf_").append(plan.replace('-', '_'))
                    .append("_tgt, username: postgres}\n")
                    .append("    snapshot: {mode: create, source-store: '").append(dir.resolve("store/source"))
                    .append("', target-store: '").append(dir.resolve("store/target")).append("'}\n");
        }
        Files.writeString(plans, yaml.toString());

        stack = ServiceStack.emulators(10).startService(Map.of("dbrefresh.plans-file", plans.toString()));
        notifications = new Notifications(stack.inbox(Routing.NOTIFICATIONS_QUEUE));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void usersApplied_shouldSendSucceededNotificationAndReleaseLease_whenRunCompletes() {
        String runId = Samples.runId("done");
        holdLease("done", runId);
        ObjectNode applied = Samples.envelope(EventType.USERS_APPLIED, runId, d -> d.put("plan", "done"));

        stack.send(Routing.NOTIFIER_QUEUE, applied);

        Message message = awaitNotification(runId);
        assertThat(message.messageAttributes()).hasEntrySatisfying("result",
                v -> assertThat(v.stringValue()).isEqualTo("succeeded"));
        JsonNode n = Inbox.json(message);
        JsonNode data = applied.get("data");
        assertThat(n.path("runId").asText()).isEqualTo(runId);
        assertThat(n.path("plan").asText()).isEqualTo("done");
        assertThat(n.path("result").asText()).isEqualTo("succeeded");
        assertThat(n.path("snapshotId").asText()).isEqualTo(data.path("snapshotId").asText());
        assertThat(n.path("endpoint").asText()).isEqualTo(data.path("endpoint").asText());
        assertThat(n.path("rowsVerified").asLong()).isEqualTo(data.path("rowsVerified").asLong());
        assertThat(n.path("verified")).isEqualTo(data.path("verified"));
        assertThat(n.path("errorCode").isNull()).isTrue();

        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(stack.leases().holder(target("done"))).isEmpty();
        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status())).singleElement()
                .satisfies(e -> {
                    assertThat(e.step()).isEqualTo("notify");
                    assertThat(e.details()).isEqualTo("sent to " + Routing.NOTIFICATIONS_QUEUE);
                });
    }

    @Test
    void refreshFailed_shouldSendFailureNotificationWithErrorCodeAndStep_whenRunFails() {
        String runId = Samples.runId("failed");
        holdLease("failed", runId);
        ObjectNode failed = Samples.envelope(EventType.REFRESH_FAILED, runId, d -> d.put("plan", "failed"));

        stack.send(Routing.NOTIFIER_QUEUE, failed);

        Message message = awaitNotification(runId);
        assertThat(message.messageAttributes()).hasEntrySatisfying("result",
                v -> assertThat(v.stringValue()).isEqualTo("failed"));
        JsonNode n = Inbox.json(message);
        assertThat(n.path("runId").asText()).isEqualTo(runId);
        assertThat(n.path("plan").asText()).isEqualTo("failed");
        assertThat(n.path("result").asText()).isEqualTo("failed");
        assertThat(n.path("errorCode").asText()).isEqualTo(failed.at("/data/errorCode").asText());
        assertThat(n.path("failedStep").asText()).isEqualTo(failed.at("/data/step").asText());
        assertThat(n.path("changed").asBoolean(true)).isFalse();
        assertThat(n.path("message").asText()).contains("cluster-service").contains("[nothing was changed]");
        assertThat(n.path("verified")).isEmpty();

        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(stack.leases().holder(target("failed"))).isEmpty();
        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .extracting(AuditEntry::step).containsExactly("notify-failure");
    }

    @Test
    void refreshFailed_shouldKeepAnotherRunsLease_whenFailedRunDoesNotHoldIt() {
        String holder = Samples.runId("holder");
        String refused = Samples.runId("refused");
        holdLease("shared", holder);

        stack.send(Routing.NOTIFIER_QUEUE, Samples.envelope(EventType.REFRESH_FAILED, refused, d -> d.put("plan", "shared")
                .put("service", "snapshot-service").put("step", "lease").put("errorCode", "TARGET_BUSY")
                .put("message", "target " + target("shared") + " is being refreshed by run " + holder)));

        JsonNode n = Inbox.json(awaitNotification(refused));
        assertThat(n.path("errorCode").asText()).isEqualTo("TARGET_BUSY");
        assertThat(n.path("failedStep").asText()).isEqualTo("lease");
        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(stack.leases().holder(target("shared"))).contains(holder);
    }

    @Test
    void outcomes_shouldSendOneNotificationEach_whenDeliveredTwice() {
        String completedRun = Samples.runId("dup-done");
        String failedRun = Samples.runId("dup-failed");
        holdLease("dup-done", completedRun);
        holdLease("dup-failed", failedRun);
        ObjectNode applied = Samples.envelope(EventType.USERS_APPLIED, completedRun, d -> d.put("plan", "dup-done"));
        ObjectNode failed = Samples.envelope(EventType.REFRESH_FAILED, failedRun, d -> d.put("plan", "dup-failed"));

        stack.send(Routing.NOTIFIER_QUEUE, applied);
        stack.send(Routing.NOTIFIER_QUEUE, failed);
        stack.send(Routing.NOTIFIER_QUEUE, applied);
        stack.send(Routing.NOTIFIER_QUEUE, failed);

        awaitNotification(completedRun);
        awaitNotification(failedRun);
        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(notificationsOf(completedRun)).hasSize(1);
        assertThat(notificationsOf(failedRun)).hasSize(1);
        assertThat(stack.auditOf(completedRun)).extracting(e -> e.step() + " " + e.status())
                .containsExactlyInAnyOrder("notify started", "notify succeeded");
        assertThat(stack.auditOf(failedRun)).extracting(e -> e.step() + " " + e.status())
                .containsExactlyInAnyOrder("notify-failure started", "notify-failure succeeded");
        assertThat(stack.leases().holder(target("dup-done"))).isEmpty();
        assertThat(stack.leases().holder(target("dup-failed"))).isEmpty();
    }

    // --- helpers ---

    /** @return the lease key of a plan's target, as every service computes it ({@code PlanIdentities}) */
    private static String target(String plan) {
        return dev.dbrefresh.engine.postgres.testing.TestDatabases.leaseKey("dbr_ntf_" + plan.replace('-', '_') + "_tgt");
    }

    private static void holdLease(String plan, String runId) {
        assertThat(stack.leases().acquire(target(plan), runId, Duration.ofHours(1))).isEmpty();
    }

    private static List<Message> notificationsOf(String runId) {
        return notifications.of(runId);
    }

    private static Message awaitNotification(String runId) {
        return notifications.first(runId);
    }
}
