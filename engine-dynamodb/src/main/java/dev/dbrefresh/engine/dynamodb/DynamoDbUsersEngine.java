package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.StepName;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.spi.UsersEngine;
import jakarta.inject.Singleton;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The users side of the {@code dynamodb} engine: a table has no users (access is IAM's), so only the
 * restored table is verified: its item count ({@code DescribeTable ItemCount}, which DynamoDB updates
 * about every six hours, so it is reported, not compared).
 */
@Singleton
public class DynamoDbUsersEngine implements UsersEngine {

    private final DynamoDbClient dynamo;

    /** @param dynamo the DynamoDB client (target region) */
    public DynamoDbUsersEngine(DynamoDbClient dynamo) {
        this.dynamo = dynamo;
    }

    /** @return {@code true} for {@code dynamodb} */
    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.DYNAMODB);
    }

    /**
     * The event must name a table restored for the plan: the plan's target name prefix followed by the
     * restore's timestamp suffix ({@code -yyyyMMdd-HH-mm-ss}, as cluster-service names it).
     */
    @Override
    public void requireFits(RefreshPlan plan, ClusterRestored restored) {
        String prefix = plan.dynamodb().targetTable();
        String table = restored.database();
        if (table == null || !table.matches(java.util.regex.Pattern.quote(prefix)
                + dev.dbrefresh.engine.dynamodb.RestoredTables.SUFFIX_REGEX)) {
            throw new dev.dbrefresh.runtime.messaging.EventRejectedException("it names table " + table + ", not a"
                    + " table restored for the plan (" + prefix + "-<yyyyMMdd-HH-mm-ss>)");
        }
    }

    @Override
    public Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) throws Exception {
        String table = restored.database();
        if (restored.dryRun()) {
            ctx.planned(StepName.VERIFY, "DescribeTable " + table + " ItemCount");
            return new Applied(List.of(), List.of(), 0);
        }
        long items = ctx.step(StepName.VERIFY, () -> {
            Long count = dynamo.describeTable(r -> r.tableName(table)).table().itemCount();
            return count == null ? 0L : count;
        }, c -> "table " + table + " has " + c + " items (DescribeTable ItemCount)");
        return new Applied(List.of(), List.of(new TableRowCount("dynamodb", table, items)), items);
    }
}
