package dev.dbrefresh.snapshot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static dev.dbrefresh.snapshot.trigger.AwsBackupSamples.sample;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.SqsConsumer;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.ServiceStack;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWS Backup notifications on snapshot-service's running start queue (ElasticMQ, DynamoDB Local, the
 * service's Micronaut context): one backup job delivered three times through two channels starts one
 * run; a job of a resource no plan matches starts none and is acknowledged.
 */
class AwsBackupTriggerIntegrationTest {

    private static final String JOB = "4f1c2b3a-1111-2222-3333-444455556666";

    @TempDir
    static Path dir;

    private static TestDatabases dbs;
    private static ServiceStack stack;
    private static Inbox notifier;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases("bkp");
        String state = dbs.create("state");
        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  orders:
                    source: {database: orders_production}
                    target: {database: %s}
                    snapshot: {source-store: %s, target-store: %s}
                    triggers: {aws-backup: {source-pattern: "^orders-production$"}}
                """.formatted(dbs.name("tgt"), dir.resolve("src"), dir.resolve("tgt")));
        stack = ServiceStack.emulators(5).startService(Map.of("dbrefresh.plans-file", plans.toString(),
                "datasources.default.url", "jdbc:postgresql://127.0.0.1:5432/" + state));
        notifier = stack.inbox(Routing.NOTIFIER_QUEUE);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (dbs != null) {
            dbs.close();
        }
    }

    @Test
    void sameBackupJob_shouldStartOneRun_whenDeliveredTwiceByEventBridgeAndOnceBySns() throws Exception {
        String runId = "backup-" + JOB + "-orders";

        sendRaw(sample("eventbridge-completed.json"));
        sendRaw(sample("eventbridge-completed.json"));
        sendRaw(sample("sns-notification.json"));
        stack.awaitDrained(Routing.SNAPSHOT_QUEUE);

        // The postgres plan cannot restore a DynamoDB recovery point, so the one run ends refused: what
        // counts here is that exactly one run started, for the right plan and recovery point.
        await().atMost(ServiceStack.PATIENCE).untilAsserted(() -> {
            notifier.poll();
            assertThat(notifier.events(runId, EventType.REFRESH_FAILED.typeName())).hasSize(1);
        });
        Thread.sleep(2000);
        notifier.poll();
        assertThat(notifier.events(runId)).hasSize(1);
        JsonNode failed = notifier.events(runId).get(0).get("data");
        assertThat(failed.path("errorCode").asText()).isEqualTo("SNAPSHOT_NOT_FOUND");
        assertThat(failed.path("message").asText()).contains("orders-production/backup/01700000000000-abcdef12");
        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.FAILED.id().equals(e.status())).hasSize(1);
    }

    @Test
    void backupOfAnotherResource_shouldStartNothing_andBeAcknowledgedAsIgnored() throws Exception {
        sendRaw(sample("eventbridge-other-resource.json"));
        stack.awaitDrained(Routing.SNAPSHOT_QUEUE);

        assertThat(stack.auditOf(SqsConsumer.IGNORED_RUN)).anySatisfy(e -> {
            assertThat(e.status()).isEqualTo(AuditStatus.IGNORED.id());
            assertThat(e.details()).contains("orders-staging");
        });
        assertThat(stack.sqs().getQueueAttributes(r -> r.queueUrl(stack.queueUrl(Routing.dlqName(Routing.SNAPSHOT_QUEUE)))
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings())
                .containsEntry("ApproximateNumberOfMessages", "0");
    }

    private static void sendRaw(String body) {
        stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl(Routing.SNAPSHOT_QUEUE)).messageBody(body));
    }
}
