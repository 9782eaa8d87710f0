package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Tag;

/**
 * The AWS Backup rotator flow end to end in {@code aws} mode against moto: a {@code BACKUP_JOB_COMPLETED}
 * notification for a matching table, put on the start queue, ends in a restored, renamed table, the
 * SSM parameter holding its ARN, older dbrefresh tables pruned (an untagged one kept), and a completion
 * notification. Skips where moto_server is absent.
 */
class AwsModeDynamoDbRefreshIT {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 6);
    private static final String SOURCE = "orders" + SUFFIX + "-production";
    private static final String OLD_COPY = "orders" + SUFFIX + "-acceptance-20260101-02-00-00";
    private static final String UNTAGGED = "orders" + SUFFIX + "-acceptance-handmade";

    @TempDir
    static Path home;

    private static MotoStack moto;
    private static ServiceProcesses services;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the DynamoDB end-to-end test needs it");
        moto = MotoStack.start(home.resolve("moto.log"));
        dynamo = moto.dynamo();
        for (String table : List.of(SOURCE, OLD_COPY, UNTAGGED)) {
            dynamo.createTable(r -> r.tableName(table).billingMode("PAY_PER_REQUEST")
                    .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                    .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S)));
        }
        for (int i = 0; i < 3; i++) {
            String id = "order-" + i;
            dynamo.putItem(r -> r.tableName(SOURCE).item(Map.of("id", AttributeValue.fromS(id))));
        }
        String oldArn = dynamo.describeTable(r -> r.tableName(OLD_COPY)).table().tableArn();
        dynamo.tagResource(r -> r.resourceArn(oldArn).tags(Tag.builder().key("dbrefresh:managed").value("true").build(),
                Tag.builder().key("dbrefresh:plan").value("orders").build()));
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  orders:
                    engine: dynamodb
                    source: {account: "123456789012", region: us-east-1, table: %s}
                    target:
                      ttl-attribute: expiresAt
                      tags: {team: orders}
                      keep-tables: 1
                      table-arn-parameter: /dbrefresh/orders/table-arn
                    triggers: {aws-backup: {source-pattern: "(?i)-production$"}}
                """.formatted(SOURCE));
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, plans, moto.serviceEnv(),
                moto.serviceProperties(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void backupJobCompleted_shouldRestoreRenamedTable_setItsArn_pruneOldTables_andNotify() throws Exception {
        String runId = MotoWorld.backupCompleted(moto, SOURCE, "orders");
        var sqs = moto.sqs();

        List<AuditEntry> entries = LocalStackRunner.follow(new DynamoDbAuditLog(dynamo, "dbrefresh-audit"), runId,
                Duration.ofMinutes(3), System.out);
        JsonNode notification = LocalStackRunner.awaitNotification(sqs, "dbrefresh-notifications", runId);

        assertThat(notification).as("notification of %s (logs in %s)", runId, services.logDir()).isNotNull();
        assertThat(notification.path("result").asText()).as(notification.toString()).isEqualTo("succeeded");
        String restoredArn = notification.path("endpoint").asText();
        String restored = restoredArn.substring(restoredArn.lastIndexOf('/') + 1);
        assertThat(restored).matches("orders" + SUFFIX + "-acceptance-\\d{8}-\\d{2}-\\d{2}-\\d{2}");
        assertThat(moto.ssm().getParameter(r -> r.name("/dbrefresh/orders/table-arn")).parameter().value())
                .isEqualTo(restoredArn);
        List<String> tables = dynamo.listTables().tableNames();
        assertThat(tables).contains(SOURCE, restored, UNTAGGED).doesNotContain(OLD_COPY);
        assertThat(dynamo.scan(r -> r.tableName(restored)).count()).isEqualTo(3);
        assertThat(entries).extracting(AuditEntry::service).contains("snapshot-service", "cluster-service",
                "users-service", "notifier-service");
    }
}
