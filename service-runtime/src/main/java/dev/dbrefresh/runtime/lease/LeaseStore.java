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
 * At most one active run per target: a lease item per target in DynamoDB, taken with a conditional
 * write ({@code attribute_not_exists(target) OR owner = :run OR expiresAt < :now}) and released by its
 * owner when the run ends. An expired lease (a run that died without ending) can be taken over.
 *
 * <p>A lease lives as long as its run: every step of the run renews it ({@link #renew}) before it
 * works or waits, and a step that is about to change the target renews it first, so a run whose lease
 * expired or was taken over stops before its next change. The owner's run id is the fencing token:
 * renewal is a conditional write on it, never a read followed by a write.
 *
 * <p>Item shape: {@code target} (S, partition key: the target's identity, see
 * {@link dev.dbrefresh.runtime.plan.PlanIdentities}), {@code owner} (S, run id), {@code expiresAt}
 * (N, seconds since the epoch), {@code renewals} (N, how often it was renewed).
 */
@Singleton
public class LeaseStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    /**
     * @param dynamo DynamoDB client
     * @param table  table name, {@code dbrefresh.tables.leases}
     */
    @jakarta.inject.Inject
    public LeaseStore(DynamoDbClient dynamo, @Value("${dbrefresh.tables.leases:dbrefresh-leases}") String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    LeaseStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /**
     * @param target target id, e.g. {@code postgres://127.0.0.1:5432/pgbench_acceptance}
     * @param runId  the run that wants the target
     * @param ttl    how long the lease holds without being released
     * @return empty when the lease is the run's (new or already held), else the run holding it
     */
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

    /**
     * @param target target id
     * @return the run that holds an unexpired lease on it
     */
    public Optional<String> holder(String target) {
        var item = dynamo.getItem(r -> r.tableName(table).key(Map.of("target", AttributeValue.fromS(target)))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty()
                || Long.parseLong(item.get("expiresAt").n()) < clock.instant().getEpochSecond()) {
            return Optional.empty();
        }
        return Optional.of(item.get("owner").s());
    }

    /**
     * Extends the run's lease by {@code ttl} from now, if the run still holds it unexpired.
     *
     * @param target target id
     * @param runId  the run that holds it
     * @param ttl    new time to live from now
     * @return {@code true} when renewed; {@code false} when the lease expired, was released or is held
     *         by another run (the caller must not change the target)
     */
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

    /**
     * Releases every lease {@code runId} holds, whatever name its target had when it was taken: the
     * notifier ends a run this way without connecting to the target (which may be down after a failure).
     * Scans the lease table, which holds one small item per target.
     *
     * @param runId the run that ends
     * @return how many leases were released
     */
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

    /**
     * Releases the lease if {@code runId} holds it; does nothing otherwise (a late duplicate of an
     * earlier run must not free a newer run's lease).
     *
     * @param target target id
     * @param runId  the run that ends
     */
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
