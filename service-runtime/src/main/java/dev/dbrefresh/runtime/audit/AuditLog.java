package dev.dbrefresh.runtime.audit;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 * The choreography audit log in DynamoDB: one item per step transition, partition key {@code runId},
 * sort key {@code sk} (see {@link AuditEntry#sortKey()}). Every service writes it; the command line's
 * {@code status} and the notifier read it.
 */
@Singleton
public class AuditLog {

    private final DynamoDbClient dynamo;
    private final String table;

    /**
     * @param dynamo DynamoDB client
     * @param table  table name, {@code dbrefresh.tables.audit}
     */
    public AuditLog(DynamoDbClient dynamo, @Value("${dbrefresh.tables.audit:dbrefresh-audit}") String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * Longest {@code details} stored, in characters: far below DynamoDB's 400 KB item limit, so a step
     * that describes thousands of tables is cut, not lost.
     */
    public static final int MAX_DETAILS_CHARS = 32_000;

    /**
     * Writes an entry unless an entry with the same key exists (conditional put); details longer than
     * {@link #MAX_DETAILS_CHARS} are cut and say how much was cut.
     *
     * @param entry the entry
     * @return {@code true} when written, {@code false} when it was already there (a redelivery)
     */
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
            String d = entry.details();
            item.put("details", s(d.length() <= MAX_DETAILS_CHARS ? d : d.substring(0, MAX_DETAILS_CHARS)
                    + "... (" + (d.length() - MAX_DETAILS_CHARS) + " more characters)"));
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

    /**
     * @param runId a run id
     * @return the run's entries in the order they happened
     */
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
        out.sort(Comparator.comparing(AuditEntry::at).thenComparing(AuditEntry::sortKey));
        return out;
    }

    /**
     * Lists runs from a scan of the table (the audit log is small: a few dozen items per run).
     *
     * @param plan  only runs of this plan, or {@code null} for all
     * @param limit at most this many runs, newest first
     * @return per run: the first and last entry
     */
    public List<RunSummary> runs(String plan, int limit) {
        Map<String, List<AuditEntry>> byRun = new LinkedHashMap<>();
        dynamo.scanPaginator(r -> r.tableName(table)).items()
                .forEach(i -> byRun.computeIfAbsent(i.get("runId").s(), k -> new ArrayList<>()).add(fromItem(i)));
        List<RunSummary> runs = new ArrayList<>();
        byRun.forEach((run, entries) -> {
            entries.sort(Comparator.comparing(AuditEntry::at));
            String runPlan = entries.stream().map(AuditEntry::plan).filter(p -> p != null).findFirst().orElse(null);
            if (plan == null || plan.equals(runPlan)) {
                runs.add(new RunSummary(run, runPlan, entries.get(0).at(), entries.get(entries.size() - 1)));
            }
        });
        runs.sort(Comparator.comparing(RunSummary::startedAt).reversed());
        return runs.subList(0, Math.min(limit, runs.size()));
    }

    /**
     * @param runId     run id
     * @param plan      plan name
     * @param startedAt time of the run's first entry
     * @param last      the run's latest entry
     */
    public record RunSummary(String runId, String plan, Instant startedAt, AuditEntry last) {
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
