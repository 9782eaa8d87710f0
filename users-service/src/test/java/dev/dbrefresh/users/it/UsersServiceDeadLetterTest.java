package dev.dbrefresh.users.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handler that keeps failing: users-service with queues whose redrive policy allows two receives
 * ({@code LocalAws.start(0, 0, null, 2)}) and a plan whose target port is closed. The message is
 * received twice, the run is marked failed on the last receive, and SQS then moves the message to
 * {@code dbrefresh-users-dlq}.
 */
class UsersServiceDeadLetterTest {

    /**
     * Visibility timeout of {@code dbrefresh-users} in this test, seconds. After the last failed receive
     * the consumer leaves the message invisible for the queue's visibility timeout (LocalAws: 60 s)
     * before SQS can move it to the DLQ; a short one keeps the test short.
     */
    private static final int VISIBILITY_TIMEOUT_SECONDS = 5;

    @TempDir
    static Path dir;

    private static ServiceStack stack;
    private static Inbox notifier;
    private static Inbox deadLetters;
    private static SnapshotManifest snapshot;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("store/target"));
        // users-service only reads the manifest; the dump itself is never opened here.
        Path staging = store.newStagingDir("unreachable-20261121t223900z");
        Files.writeString(staging.resolve("dump.pgdump"), "not opened by users-service");
        snapshot = store.commit(staging, new SnapshotManifest("unreachable-20261121t223900z", "postgres",
                "postgres://127.0.0.1:5432/unreachable", Instant.now(), "pg_dump-custom", "dump.pgdump",
                Files.size(staging.resolve("dump.pgdump")), SnapshotStore.sha256(staging.resolve("dump.pgdump")),
                List.of(new TableRowCount("public", "t", 1))));
        closedPort = LocalAws.freePort();

        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, "plans:\n"
                + "  unreachable:\n"
                + "    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: dbr_usr_unreachable_src, username: postgres}\n"
                + "    target: {host: 127.0.0.1, port: " + closedPort + ", database: dbr_usr_unreachable_tgt,"
                + " username: postgres}\n"
                + "    snapshot: {mode: create, source-store: '" + dir.resolve("store/source") + "', target-store: '"
                + store.root() + "'}\n");

        stack = ServiceStack.emulators(2);
        stack.sqs().setQueueAttributes(r -> r.queueUrl(stack.queueUrl(Routing.USERS_QUEUE)).attributes(
                Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(VISIBILITY_TIMEOUT_SECONDS))));
        stack.startService(Map.of("dbrefresh.plans-file", plans.toString()));
        notifier = stack.inbox(Routing.NOTIFIER_QUEUE);
        deadLetters = stack.inbox(Routing.dlqName(Routing.USERS_QUEUE));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void clusterRestored_shouldBeRetriedThenDeadLetteredAndFailTheRun_whenTargetIsUnreachable() {
        String runId = Samples.runId("unreachable");
        ObjectNode restored = Samples.envelope(EventType.CLUSTER_RESTORED, runId, d -> d.put("plan", "unreachable")
                .put("snapshotId", snapshot.snapshotId()).put("endpoint", "127.0.0.1")
                .put("readerEndpoint", "127.0.0.1").put("port", closedPort).put("database", "dbr_usr_unreachable_tgt"));

        stack.send(Routing.USERS_QUEUE, restored);

        await("dead letter of " + runId).atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> !deadLetters.events(runId).isEmpty());
        assertThat(deadLetters.events(runId)).singleElement()
                .satisfies(e -> assertThat(e.path("id").asText()).isEqualTo(restored.get("id").asText()));
        stack.awaitDrained(Routing.USERS_QUEUE);

        List<JsonNode> toNotifier = notifier.events(runId);
        assertThat(toNotifier).as("events of run %s on %s", runId, Routing.NOTIFIER_QUEUE).singleElement()
                .satisfies(e -> assertThat(e.path("type").asText()).isEqualTo(EventType.REFRESH_FAILED.typeName()));
        JsonNode data = toNotifier.get(0).get("data");
        assertThat(data.path("plan").asText()).isEqualTo("unreachable");
        assertThat(data.path("service").asText()).isEqualTo("users-service");
        assertThat(data.path("step").asText()).isEqualTo("identity");
        assertThat(data.path("errorCode").asText()).isEqualTo("IDENTITY_UNAVAILABLE_EXCEPTION");
        assertThat(data.path("changed").asBoolean(true)).isFalse();
        assertThat(data.path("message").asText()).contains("failed 2 times").contains("dbrefresh-users-dlq");

        // Two deliveries could not ask the target who it is (before any user step), then the run was marked
        // failed once.
        List<AuditEntry> failures = stack.auditOf(runId).stream()
                .filter(e -> AuditStatus.FAILED.id().equals(e.status())).toList();
        assertThat(failures).extracting(e -> e.service() + "#" + e.step() + "#" + e.status() + "#"
                + e.sortKey().substring(e.sortKey().lastIndexOf('#') + 1))
                .containsExactly("users-service#identity#failed#final");
        assertThat(failures).allSatisfy(e -> assertThat(e.errorCode()).isEqualTo("IDENTITY_UNAVAILABLE_EXCEPTION"));
        assertThat(stack.auditOf(runId)).extracting(AuditEntry::step).doesNotContain("users", "verify");
    }
}
