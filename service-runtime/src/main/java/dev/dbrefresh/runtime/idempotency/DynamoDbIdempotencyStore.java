package dev.dbrefresh.runtime.idempotency;

import dev.dbrefresh.contracts.Tables;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The {@link IdempotencyStore} in DynamoDB: a conditional put claims the key before the handler runs
 * ({@code attribute_not_exists(id) OR (status = INPROGRESS AND lockExpiry < :now)}), the key is marked COMPLETED
 * after success, and released after a failure so a retry can claim it again. Items expire through the table's TTL
 * attribute {@code expiry} (seconds since epoch), which DynamoDB deletes some time after it passed (typically
 * within days; until then the item still counts).
 *
 * <p>Item shape: {@code id} (S, partition key, {@code <consumer>#<event id>}), {@code status} (S,
 * {@code INPROGRESS} or {@code COMPLETED}), {@code lockExpiry} (N, seconds since the epoch; INPROGRESS only),
 * {@code owner} (S, the holder's claim token), {@code attempt} (N), {@code claimedAt} and {@code heartbeatAt} (N,
 * milliseconds since the epoch), {@code step} (S, the step at the last heartbeat; all INPROGRESS only),
 * {@code expiry} (N, seconds since the epoch, {@link Tables#IDEMPOTENCY_TTL_ATTRIBUTE}). Extend and release are
 * conditional on {@code owner}; a takeover reads the replaced holder from the put's {@code ALL_OLD} return values
 * (<a href="https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html">PutItem</a>).
 */
@Singleton
public class DynamoDbIdempotencyStore implements IdempotencyStore {

    private static final String INPROGRESS = "INPROGRESS";
    private static final String COMPLETED = "COMPLETED";

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
    public Outcome claim(String consumer, String eventId, String owner, int attempt, Duration lockTime) {
        Instant now = clock.instant();
        long second = now.getEpochSecond();
        Map<String, AttributeValue> item = new HashMap<>(Map.of("id", AttributeValue.fromS(key(consumer, eventId)),
                "status", AttributeValue.fromS(INPROGRESS), "owner", AttributeValue.fromS(owner),
                "attempt", n(attempt), "claimedAt", n(now.toEpochMilli()), "heartbeatAt", n(now.toEpochMilli()),
                "lockExpiry", n(second + lockTime.toSeconds()),
                Tables.IDEMPOTENCY_TTL_ATTRIBUTE, n(second + KEEP_COMPLETED.toSeconds())));
        try {
            // ALL_OLD: the item this put replaced, i.e. the holder whose lock had expired (an interrupted attempt)
            var old = dynamo.putItem(r -> r.tableName(table).item(item).returnValues(ReturnValue.ALL_OLD)
                    .conditionExpression("attribute_not_exists(id) OR (#s = :inprogress AND lockExpiry < :now)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":inprogress", AttributeValue.fromS(INPROGRESS), ":now", n(second))))
                    .attributes();
            return new Outcome(Claim.ACQUIRED, holder(old));
        } catch (ConditionalCheckFailedException taken) {
            var current = dynamo.getItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .consistentRead(true)).item();
            // The item is gone when the other claim was released between the put and this read: retry later.
            AttributeValue status = current == null ? null : current.get("status");
            return status != null && COMPLETED.equals(status.s()) ? new Outcome(Claim.ALREADY_COMPLETED, null)
                    : new Outcome(Claim.IN_PROGRESS, holder(current));
        }
    }

    @Override
    public boolean extend(String consumer, String eventId, String owner, String step, Duration lockTime) {
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":inprogress", AttributeValue.fromS(INPROGRESS),
                ":owner", AttributeValue.fromS(owner), ":lockExpiry", n(now.getEpochSecond() + lockTime.toSeconds()),
                ":heartbeatAt", n(now.toEpochMilli())));
        Map<String, String> names = new HashMap<>(Map.of("#s", "status", "#o", "owner"));
        String update = "SET lockExpiry = :lockExpiry, heartbeatAt = :heartbeatAt";
        if (step != null) {
            values.put(":step", AttributeValue.fromS(step));
            names.put("#st", "step");
            update += ", #st = :step";
        }
        String updateExpression = update;
        try {
            dynamo.updateItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .updateExpression(updateExpression).conditionExpression("#s = :inprogress AND #o = :owner")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException notOurs) {
            // completed, released or taken over: there is no lock of ours to extend
            return false;
        }
    }

    @Override
    public void complete(String consumer, String eventId) {
        long now = clock.instant().getEpochSecond();
        dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS(key(consumer, eventId)),
                "status", AttributeValue.fromS(COMPLETED), Tables.IDEMPOTENCY_TTL_ATTRIBUTE, n(now + KEEP_COMPLETED.toSeconds()))));
    }

    @Override
    public void release(String consumer, String eventId, String owner) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS(key(consumer, eventId))))
                    .conditionExpression("#s = :inprogress AND #o = :owner")
                    .expressionAttributeNames(Map.of("#s", "status", "#o", "owner"))
                    .expressionAttributeValues(Map.of(":inprogress", AttributeValue.fromS(INPROGRESS),
                            ":owner", AttributeValue.fromS(owner))));
        } catch (ConditionalCheckFailedException completedOrTakenOver) {
            // never undo a completion, never end another owner's claim
        }
    }

    /** @return the holder an INPROGRESS item names, or {@code null} for none (absent, COMPLETED, or written without one) */
    private static Holder holder(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty() || !INPROGRESS.equals(s(item, "status")) || s(item, "owner") == null) {
            return null;
        }
        Instant claimedAt = Instant.ofEpochMilli(Long.parseLong(item.get("claimedAt").n()));
        AttributeValue heartbeat = item.get("heartbeatAt");
        return new Holder(s(item, "owner"), Integer.parseInt(item.get("attempt").n()), claimedAt,
                heartbeat == null ? claimedAt : Instant.ofEpochMilli(Long.parseLong(heartbeat.n())), s(item, "step"),
                Long.parseLong(item.get("lockExpiry").n()));
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static String key(String consumer, String eventId) {
        return consumer + "#" + eventId;
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
