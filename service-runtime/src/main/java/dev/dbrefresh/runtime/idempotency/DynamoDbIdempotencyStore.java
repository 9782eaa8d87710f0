package dev.dbrefresh.runtime.idempotency;

import dev.dbrefresh.contracts.Tables;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@link IdempotencyStore} in DynamoDB: a conditional put claims the key before the handler runs
 * ({@code attribute_not_exists(id) OR (status = INPROGRESS AND lockExpiry < :now)}), the key is marked COMPLETED
 * after success, and released after a failure so a retry can claim it again. Items expire through the table's TTL
 * attribute {@code expiry} (seconds since epoch), which DynamoDB deletes some time after it passed (typically
 * within days; until then the item still counts).
 *
 * <p>Item shape: {@code id} (S, partition key, {@code <consumer>#<event id>}), {@code status} (S,
 * {@code INPROGRESS} or {@code COMPLETED}), {@code lockExpiry} (N, seconds since the epoch; INPROGRESS only),
 * {@code expiry} (N, seconds since the epoch, {@link Tables#IDEMPOTENCY_TTL_ATTRIBUTE}).
 */
@Singleton
public class DynamoDbIdempotencyStore implements IdempotencyStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    /**
     * @param dynamo DynamoDB client
     * @param table  table name, {@code dbrefresh.tables.idempotency}
     */
    @jakarta.inject.Inject
    public DynamoDbIdempotencyStore(DynamoDbClient dynamo,
            @Value("${dbrefresh.tables.idempotency:dbrefresh-idempotency}") String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Claim claim(String consumer, String eventId, Duration lockTime) {
        long now = clock.instant().getEpochSecond();
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of("id", AttributeValue.fromS(key(consumer, eventId)), "status", AttributeValue.fromS("INPROGRESS"),
                            "lockExpiry", n(now + lockTime.toSeconds()), Tables.IDEMPOTENCY_TTL_ATTRIBUTE, n(now + KEEP_COMPLETED.toSeconds())))
                    .conditionExpression("attribute_not_exists(id) OR (#s = :inprogress AND lockExpiry < :now)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":inprogress", AttributeValue.fromS("INPROGRESS"), ":now", n(now))));
            return Claim.ACQUIRED;
        } catch (ConditionalCheckFailedException taken) {
            var item = dynamo.getItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .consistentRead(true)).item();
            // The item is gone when the other claim was released between the put and this read: retry later.
            AttributeValue status = item == null ? null : item.get("status");
            return status != null && "COMPLETED".equals(status.s()) ? Claim.ALREADY_COMPLETED : Claim.IN_PROGRESS;
        }
    }

    @Override
    public void extend(String consumer, String eventId, Duration lockTime) {
        long now = clock.instant().getEpochSecond();
        try {
            dynamo.updateItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .updateExpression("SET lockExpiry = :lockExpiry").conditionExpression("#s = :inprogress")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":inprogress", AttributeValue.fromS("INPROGRESS"),
                            ":lockExpiry", n(now + lockTime.toSeconds()))));
        } catch (ConditionalCheckFailedException notInProgress) {
            // completed or released: there is no lock to extend
        }
    }

    @Override
    public void complete(String consumer, String eventId) {
        long now = clock.instant().getEpochSecond();
        dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS(key(consumer, eventId)),
                "status", AttributeValue.fromS("COMPLETED"), Tables.IDEMPOTENCY_TTL_ATTRIBUTE, n(now + KEEP_COMPLETED.toSeconds()))));
    }

    @Override
    public void release(String consumer, String eventId) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .conditionExpression("#s = :inprogress").expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":inprogress", AttributeValue.fromS("INPROGRESS"))));
        } catch (ConditionalCheckFailedException alreadyCompleted) {
            // never undo a completion
        }
    }

    private static String key(String consumer, String eventId) {
        return consumer + "#" + eventId;
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
