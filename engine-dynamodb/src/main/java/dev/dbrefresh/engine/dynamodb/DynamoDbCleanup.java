package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * After a {@code dynamodb} plan's run: {@link StepName#PRUNE_TABLES} deletes the plan's restored tables beyond
 * {@code keep-tables}, never the one just verified ({@link RestoredTables#prune}); after a failure nothing is pruned.
 */
@Singleton
public class DynamoDbCleanup implements CleanupEngine {

    private final RestoredTables tables;

    /** @param dynamo DynamoDB client of the target account */
    public DynamoDbCleanup(DynamoDbClient dynamo) {
        this.tables = new RestoredTables(dynamo);
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.DYNAMODB);
    }

    @Override
    public void afterSuccess(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception {
        String keep = AwsArn.parse(applied.endpoint()).map(AwsArn::resourceId).orElse(applied.endpoint());
        ctx.step(StepName.PRUNE_TABLES, () -> tables.prune(plan, keep), d -> "DeleteTable " + d + " (keep-tables "
                + plan.dynamodb().keepTables() + "; " + keep + " was verified)");
    }

    @Override
    public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
        return "the plan's previous tables are kept (nothing is pruned after a failure)";
    }
}
