package dev.dbrefresh.engine.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** {@link DynamoDbSnapshotEngine} against moto's DynamoDB: picks the newest backup or the given one. */
class DynamoDbSnapshotEngineTest {

    private static MotoServer moto;
    private static DynamoDbClient dynamo;
    private static DynamoDbSnapshotEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the DynamoDB snapshot tests are skipped");
        dynamo = moto.client(DynamoDbClient.builder());
        engine = new DynamoDbSnapshotEngine(dynamo);
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    private static RefreshPlan plan(String table) throws Exception {
        String yaml = """
                plans:
                  orders:
                    engine: dynamodb
                    source: {account: "%s", region: %s, table: %s}
                """.formatted(MotoServer.ACCOUNT, MotoServer.REGION, table);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("orders");
    }

    @Test
    void start_shouldPickNewestBackup_useGivenOne_orRefuseWithoutAny() throws Exception {
        String table = "orders-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        RefreshPlan plan = plan(table);
        assertThat(engine.engines()).containsExactly(dev.dbrefresh.contracts.Engine.DYNAMODB);
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
        RecordingContext rc = new RecordingContext("run-1", "orders", new RefreshRequested("orders", null, null, false, "test"));
        SnapshotProgress none = engine.start(plan, new RefreshRequested("orders", null, null, false, "test"), rc.ctx);
        assertThat(none).isInstanceOf(SnapshotProgress.Refused.class);
        assertThat(((SnapshotProgress.Refused) none).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);

        dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS("a"))));
        dynamo.createBackup(r -> r.tableName(table).backupName("first"));
        Thread.sleep(1100);
        String newest = dynamo.createBackup(r -> r.tableName(table).backupName("second")).backupDetails().backupArn();

        SnapshotProgress picked = engine.start(plan, new RefreshRequested("orders", null, null, false, "test"), rc.ctx);
        assertThat(picked).isEqualTo(new SnapshotProgress.Ready(newest, newest,
                ((SnapshotProgress.Ready) picked).sizeBytes(), null, false));

        String first = dynamo.listBackups(r -> r.tableName(table)).backupSummaries().stream()
                .filter(b -> b.backupName().equals("first")).findFirst().orElseThrow().backupArn();
        SnapshotProgress asGiven = engine.start(plan, new RefreshRequested("orders", first, null, false, "aws-backup"), rc.ctx);
        assertThat(asGiven).isEqualTo(new SnapshotProgress.Ready(first, first, 0, null, false));
    }

    @Test
    void start_shouldRefuse_whenGivenBackupIsOfAnotherTableOrUnknown() throws Exception {
        String table = table("orders");
        String other = table("payments");
        String foreign = dynamo.createBackup(r -> r.tableName(other).backupName("theirs")).backupDetails().backupArn();
        RefreshPlan plan = plan(table);
        RecordingContext rc = new RecordingContext("run-2", "orders", new RefreshRequested("orders", null, null, false, "test"));

        SnapshotProgress ofOther = engine.start(plan, new RefreshRequested("orders", foreign, null, false, "aws-backup"),
                rc.ctx);
        String unknown = "arn:aws:dynamodb:us-east-1:" + MotoServer.ACCOUNT + ":table/" + table
                + "/backup/01700000000000-deadbeef";
        SnapshotProgress missing = engine.start(plan, new RefreshRequested("orders", unknown, null, false, "aws-backup"),
                rc.ctx);

        assertThat(ofOther).isInstanceOf(SnapshotProgress.Refused.class);
        assertThat(((SnapshotProgress.Refused) ofOther).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(((SnapshotProgress.Refused) ofOther).message()).contains(":table/" + other)
                .contains(":table/" + table);
        assertThat(((SnapshotProgress.Refused) missing).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);
    }

    @Test
    void start_shouldRefuse_whenGivenBackupIsOfSameNamedTableInAnotherAccount() throws Exception {
        String table = table("orders");
        String backup = dynamo.createBackup(r -> r.tableName(table).backupName("one")).backupDetails().backupArn();
        String yaml = """
                plans:
                  orders:
                    engine: dynamodb
                    source: {account: "111111111111", region: %s, table: %s}
                """.formatted(MotoServer.REGION, table);
        RefreshPlan plan = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of("."))
                .require("orders");
        RecordingContext rc = new RecordingContext("run-3", "orders", new RefreshRequested("orders", null, null, false, "test"));

        SnapshotProgress given = engine.start(plan, new RefreshRequested("orders", backup, null, false, "aws-backup"), rc.ctx);
        SnapshotProgress newest = engine.start(plan, new RefreshRequested("orders", null, null, false, "test"), rc.ctx);

        assertThat(((SnapshotProgress.Refused) given).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(((SnapshotProgress.Refused) newest).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);
    }

    private static String table(String prefix) {
        String table = prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
        return table;
    }
}
