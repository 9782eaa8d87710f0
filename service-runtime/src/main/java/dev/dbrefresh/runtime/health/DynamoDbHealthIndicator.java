package dev.dbrefresh.runtime.health;

import io.micronaut.context.annotation.Value;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Readiness: the audit log table answers {@code DescribeTable}. */
@Singleton
@Readiness
public class DynamoDbHealthIndicator extends BoundedHealthIndicator {

    private final DynamoDbClient dynamo;
    private final String table;

    /**
     * @param dynamo the health DynamoDB client (short timeouts, no retries)
     * @param table  audit table name
     */
    public DynamoDbHealthIndicator(@Named("health") DynamoDbClient dynamo,
            @Value("${dbrefresh.tables.audit:dbrefresh-audit}") String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    protected String name() {
        return "dynamodb";
    }

    @Override
    protected Map<String, Object> check() {
        var status = dynamo.describeTable(r -> r.tableName(table)).table().tableStatusAsString();
        return Map.of("table", table, "status", status);
    }
}
