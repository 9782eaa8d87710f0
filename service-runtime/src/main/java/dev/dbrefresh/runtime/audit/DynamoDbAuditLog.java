package dev.dbrefresh.runtime.audit;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The {@link AuditLog} in DynamoDB: one item per step transition, partition key {@code runId}, sort key
 * {@code sk} (see {@link AuditEntry#sortKey()}), written with a conditional put
 * ({@code attribute_not_exists(sk)}).
 *
 * <p>Item shape: {@code runId} (S), {@code sk} (S), {@code at} (S, ISO-8601 instant), {@code service},
 * {@code step}, {@code status} (S), {@code durationMs} (N, milliseconds), and, when not {@code null},
 * {@code details}, {@code errorCode}, {@code eventId}, {@code plan} (S).
 */
@Singleton
public class DynamoDbAuditLog implements AuditLog {

    private final DynamoDbClient dynamo;
    private final String table;

    /**
     * @param dynamo DynamoDB client
     * @param table  table name, {@code dbrefresh.tables.audit}
     */
    public DynamoDbAuditLog(DynamoDbClient dynamo, @Value("${dbrefresh.tables.audit:dbrefresh-audit}") String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public boolean record(AuditEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("runId", s(entry.runId()));
        item.put("sk", s(entry.sortKey()));
        item.put("at", s(entry.at().toString()));
        item.put("service", s(entry.service()));
        item.put("step", s(entry.step()));
        item.put("status", s(entry.status()));
        item.put("durationMs", AttributeValue.fromN(Long.toString(entry.durationMs())));
        if (entry.details() != null) {
            item.put("details", s(AuditLogRules.stored(entry.details())));
        }
        if (entry.errorCode() != null) {
            item.put("errorCode", s(entry.errorCode()));
        }
        if (entry.eventId() != null) {
            item.put("eventId", s(entry.eventId()));
        }
        if (entry.plan() != null) {
            item.put("plan", s(entry.plan()));
        }
        try {
            dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
            return true;
        } catch (ConditionalCheckFailedException duplicate) {
            return false;
        }
    }

    /** {@inheritDoc} A consistent query of the run's partition, all pages. */
    @Override
    public List<AuditEntry> entries(String runId) {
        List<AuditEntry> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            var builder = QueryRequest.builder().tableName(table).keyConditionExpression("runId = :r")
                    .expressionAttributeValues(Map.of(":r", s(runId))).consistentRead(true);
            if (start != null) {
                builder.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(builder.build());
            page.items().forEach(i -> out.add(fromItem(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        out.sort(AuditLogRules.ENTRY_ORDER);
        return out;
    }

    /**
     * {@inheritDoc} Lists runs from a scan of the table (the audit log is small: a few dozen items per run); a
     * scan returns each partition's items in sort key order, and the partitions in an order of DynamoDB's.
     */
    @Override
    public List<RunSummary> runs(String plan, int limit) {
        Map<String, List<AuditEntry>> byRun = new LinkedHashMap<>();
        dynamo.scanPaginator(r -> r.tableName(table)).items()
                .forEach(i -> byRun.computeIfAbsent(i.get("runId").s(), k -> new ArrayList<>()).add(fromItem(i)));
        return AuditLogRules.summarise(byRun, plan, limit);
    }

    private static AuditEntry fromItem(Map<String, AttributeValue> i) {
        return new AuditEntry(i.get("runId").s(), i.get("sk").s(), Instant.parse(i.get("at").s()), str(i, "service"),
                str(i, "step"), str(i, "status"), i.containsKey("durationMs") ? Long.parseLong(i.get("durationMs").n()) : 0,
                str(i, "details"), str(i, "errorCode"), str(i, "eventId"), str(i, "plan"));
    }

    private static String str(Map<String, AttributeValue> i, String k) {
        return i.containsKey(k) ? i.get(k).s() : null;
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }
}
