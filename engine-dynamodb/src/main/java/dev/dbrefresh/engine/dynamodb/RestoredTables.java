package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The tables a {@code dynamodb} plan restored: named {@code <replaced source name>-yyyyMMdd-HH-mm-ss}, tagged
 * {@value Tags#MANAGED}{@code =true} and {@value Tags#PLAN}{@code =<plan>}. cluster-service finds the run's own
 * table among them; notifier-service prunes the older ones once a run's new table was verified. Calls
 * <a href="https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html">ListTables</a>,
 * {@code DescribeTable}, {@code ListTagsOfResource} and {@code DeleteTable}.
 */
public final class RestoredTables {

    /** The time suffix of a restored table's name. */
    public static final String SUFFIX_REGEX = "-\\d{8}-\\d{2}-\\d{2}-\\d{2}";

    private final DynamoDbClient dynamo;

    /** @param dynamo the DynamoDB client of the target region */
    public RestoredTables(DynamoDbClient dynamo) {
        this.dynamo = dynamo;
    }

    /**
     * @param plan a {@code dynamodb} plan
     * @return the names of the tables that look like the plan's restores (prefix and time suffix), any order
     */
    public List<String> names(RefreshPlan plan) {
        Pattern p = Pattern.compile(Pattern.quote(plan.dynamodb().targetTable()) + SUFFIX_REGEX);
        return dynamo.listTablesPaginator().tableNames().stream().filter(n -> p.matcher(n).matches()).toList();
    }

    /** @param table a table name @return its description, or empty when it does not exist */
    public Optional<TableDescription> describe(String table) {
        try {
            return Optional.of(dynamo.describeTable(r -> r.tableName(table)).table());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
    }

    /** @param arn a table ARN @return its tags; empty when it was deleted meanwhile */
    public Map<String, String> tags(String arn) {
        Map<String, String> tags = new LinkedHashMap<>();
        try {
            String next = null;
            do {
                String token = next;
                var page = dynamo.listTagsOfResource(r -> r.resourceArn(arn).nextToken(token));
                page.tags().forEach(t -> tags.put(t.key(), t.value()));
                next = page.nextToken();
            } while (next != null);
        } catch (ResourceNotFoundException e) {
            // deleted meanwhile
        }
        return tags;
    }

    /**
     * Deletes the plan's tagged tables beyond the newest {@code keep-tables}, never {@code keep} and never a table
     * that is not {@code ACTIVE}. Tables without both tags are never deleted.
     *
     * @param plan a {@code dynamodb} plan
     * @param keep the name of the table just verified
     * @return the names deleted ({@code DeleteTable}), newest first
     */
    public List<String> prune(RefreshPlan plan, String keep) {
        List<TableDescription> managed = new ArrayList<>();
        for (String name : names(plan)) {
            Optional<TableDescription> d = describe(name);
            if (d.isEmpty()) {
                continue;
            }
            Map<String, String> tags = tags(d.get().tableArn());
            if ("true".equals(tags.get(Tags.MANAGED)) && plan.name().equals(tags.get(Tags.PLAN))) {
                managed.add(d.get());
            }
        }
        managed.sort(Comparator.comparing(TableDescription::creationDateTime).reversed());
        int keepTables = plan.dynamodb().keepTables();
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < managed.size(); i++) {
            TableDescription d = managed.get(i);
            if (i < keepTables || d.tableName().equals(keep) || d.tableStatus() != TableStatus.ACTIVE) {
                continue;
            }
            try {
                dynamo.deleteTable(r -> r.tableName(d.tableName()));
                deleted.add(d.tableName());
            } catch (ResourceNotFoundException e) {
                // deleted by an earlier delivery
            }
        }
        return deleted;
    }
}
