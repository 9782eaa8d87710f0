package dev.dbrefresh.runtime.lease;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@link LeaseStore} in DynamoDB: a lease item per target, taken with a conditional write
 * ({@code attribute_not_exists(target) OR owner = :run OR expiresAt < :now}), renewed with a conditional update
 * ({@code owner = :run AND expiresAt >= :now}) and deleted by its owner ({@code owner = :run}).
 * {@link #releaseRun} scans the lease table, which holds one small item per target.
 *
 * <p>Item shape: {@code target} (S, partition key: the target's identity, see
 * {@link dev.dbrefresh.runtime.plan.PlanIdentities}), {@code owner} (S, run id), {@code expiresAt}
 * (N, seconds since the epoch), {@code renewals} (N, how often it was renewed).
 */
@Singleton
public class DynamoDbLeaseStore implements LeaseStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    /**
     * @param dynamo DynamoDB client
     * @param table  table name, {@code dbrefresh.tables.leases}
     */
    @jakarta.inject.Inject
    public DynamoDbLeaseStore(DynamoDbClient dynamo, @Value("${dbrefresh.tables.leases:dbrefresh-leases}") String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    DynamoDbLeaseStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Optional<String> acquire(String target, String runId, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of("target", AttributeValue.fromS(target), "owner", AttributeValue.fromS(runId),
                            "expiresAt", AttributeValue.fromN(Long.toString(now + ttl.toSeconds()))))
                    .conditionExpression("attribute_not_exists(target) OR #o = :run OR expiresAt < :now")
                    .expressionAttributeNames(Map.of("#o", "owner"))
                    .expressionAttributeValues(Map.of(":run", AttributeValue.fromS(runId),
                            ":now", AttributeValue.fromN(Long.toString(now)))));
            return Optional.empty();
        } catch (ConditionalCheckFailedException held) {
            return Optional.ofNullable(holder(target).orElse("an unknown run"));
        }
    }

    @Override
    public Optional<String> holder(String target) {
        var item = dynamo.getItem(r -> r.tableName(table).key(Map.of("target", AttributeValue.fromS(target)))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty()
                || Long.parseLong(item.get("expiresAt").n()) < clock.instant().getEpochSecond()) {
            return Optional.empty();
        }
        return Optional.of(item.get("owner").s());
    }

    @Override
    public boolean renew(String target, String runId, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        try {
            dynamo.updateItem(r -> r.tableName(table).key(Map.of("target", AttributeValue.fromS(target)))
                    .updateExpression("SET expiresAt = :exp ADD renewals :one")
                    .conditionExpression("#o = :run AND expiresAt >= :now")
                    .expressionAttributeNames(Map.of("#o", "owner"))
                    .expressionAttributeValues(Map.of(":run", AttributeValue.fromS(runId),
                            ":now", AttributeValue.fromN(Long.toString(now)),
                            ":exp", AttributeValue.fromN(Long.toString(now + ttl.toSeconds())),
                            ":one", AttributeValue.fromN("1"))));
            return true;
        } catch (ConditionalCheckFailedException lost) {
            return false;
        }
    }

    @Override
    public int releaseRun(String runId) {
        int released = 0;
        for (var page : dynamo.scanPaginator(r -> r.tableName(table).consistentRead(true)
                .filterExpression("#o = :run").expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":run", AttributeValue.fromS(runId))))) {
            for (var item : page.items()) {
                release(item.get("target").s(), runId);
                released++;
            }
        }
        return released;
    }

    @Override
    public void release(String target, String runId) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of("target", AttributeValue.fromS(target)))
                    .conditionExpression("#o = :run").expressionAttributeNames(Map.of("#o", "owner"))
                    .expressionAttributeValues(Map.of(":run", AttributeValue.fromS(runId))));
        } catch (ConditionalCheckFailedException notOurs) {
            // held by another run, or already released
        }
    }
}
