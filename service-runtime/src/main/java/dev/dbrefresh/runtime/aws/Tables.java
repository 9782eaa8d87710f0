package dev.dbrefresh.runtime.aws;

import java.util.List;
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
 * from here; on AWS the same shapes are in k8s/ and the README).
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

    private Tables() {
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
