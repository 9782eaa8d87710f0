package dev.dbrefresh.engine.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.engine.spi.UsersEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** {@link DynamoDbUsersEngine} against moto's DynamoDB: no users, the item count as verification. */
class DynamoDbUsersEngineTest {

    private static MotoServer moto;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the DynamoDB users tests are skipped");
        dynamo = moto.client(DynamoDbClient.builder());
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void apply_shouldReportItemCountOfRestoredTable() throws Exception {
        String yaml = """
                plans:
                  orders:
                    engine: dynamodb
                    source: {account: "%s", region: %s, table: orders-production}
                """.formatted(MotoServer.ACCOUNT, MotoServer.REGION);
        RefreshPlan plan = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("orders");
        String table = "orders-acceptance-20240101-00-00-00";
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
        dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS("a"))));
        dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS("b"))));
        ClusterRestored restored = new ClusterRestored("orders", "dynamodb", "arn:backup", "arn:table", "arn:table", 443,
                table, false);
        RecordingContext rc = new RecordingContext("run-1", "orders", restored);
        DynamoDbUsersEngine engine = new DynamoDbUsersEngine(dynamo);
        assertThat(engine.engines()).containsExactly(dev.dbrefresh.contracts.Engine.DYNAMODB);
        UsersEngine.Outcome outcome = engine.apply(plan, restored, rc.ctx);
        // The two items written above, not whatever the engine reads back.
        assertThat(outcome).isEqualTo(new UsersEngine.Applied(List.of(),
                List.of(new TableRowCount("dynamodb", table, 2)), 2));
    }
}
