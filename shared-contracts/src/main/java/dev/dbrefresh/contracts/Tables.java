package dev.dbrefresh.contracts;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The DynamoDB tables of dbrefresh and their key schemas, defined once (the local stack creates them
 * from here; on AWS infra/cloudformation/dbrefresh.yaml, generated from here, and docs/aws.md).
 *
 * <ul>
 *   <li>{@value #AUDIT}: partition key {@code runId} (S), sort key {@code sk} (S) — one item per step transition;</li>
 *   <li>{@value #IDEMPOTENCY}: partition key {@code id} (S) = {@code <consumer>#<event id>}, TTL attribute {@code expiry};</li>
 *   <li>{@value #LEASES}: partition key {@code target} (S) — at most one active run per target.</li>
 * </ul>
 */
public final class Tables {

    /** Default audit log table name. */
    public static final String AUDIT = "dbrefresh-audit";
    /** Default idempotency table name. */
    public static final String IDEMPOTENCY = "dbrefresh-idempotency";
    /** Default lease table name. */
    public static final String LEASES = "dbrefresh-leases";

    /** The idempotency table's TTL attribute: seconds since epoch after which DynamoDB deletes the item. */
    public static final String IDEMPOTENCY_TTL_ATTRIBUTE = "expiry";

    private Tables() {
    }

    /**
     * The table's TTL attribute, if DynamoDB is to delete its expired items
     * (<a href="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html">Time to Live</a>).
     * Only the idempotency table's items carry one; the audit log is kept, and a lease's {@code expiresAt} is
     * checked by the code, not deleted by DynamoDB.
     *
     * @param table a table name of this class
     * @return the attribute name, or empty
     */
    public static Optional<String> timeToLiveAttribute(String table) {
        return IDEMPOTENCY.equals(table) ? Optional.of(IDEMPOTENCY_TTL_ATTRIBUTE) : Optional.empty();
    }

    /**
     * Whether the table gets point-in-time recovery
     * (<a href="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html">point-in-time
     * recovery</a>): the audit log, the record of what was done to which database. The idempotency and lease items
     * are short-lived state that nothing would restore.
     *
     * @param table a table name of this class
     * @return {@code true} for the audit table
     */
    public static boolean pointInTimeRecovery(String table) {
        return AUDIT.equals(table);
    }

    /** @return create requests of the three tables (on-demand billing) */
    public static List<CreateTableRequest> definitions() {
        return List.of(table(AUDIT, "runId", "sk"), table(IDEMPOTENCY, "id", null), table(LEASES, "target", null));
    }

    /**
     * Creates the tables that do not exist yet.
     *
     * @param dynamo a DynamoDB client
     */
    public static void createIfMissing(DynamoDbClient dynamo) {
        for (CreateTableRequest request : definitions()) {
            try {
                dynamo.createTable(request);
            } catch (ResourceInUseException alreadyThere) {
                // created by an earlier start: nothing to do
            }
        }
    }

    private static CreateTableRequest table(String name, String hashKey, String rangeKey) {
        var builder = CreateTableRequest.builder().tableName(name).billingMode(BillingMode.PAY_PER_REQUEST);
        if (rangeKey == null) {
            return builder.attributeDefinitions(attr(hashKey))
                    .keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build()).build();
        }
        return builder.attributeDefinitions(attr(hashKey), attr(rangeKey))
                .keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(rangeKey).keyType(KeyType.RANGE).build())
                .build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}
