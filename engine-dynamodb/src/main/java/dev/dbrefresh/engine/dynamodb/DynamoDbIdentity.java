package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.IdentityEngine;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.runtime.plan.DynamoDbSettings;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identities;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identity;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * The identities of a {@code dynamodb} plan: the table ARNs
 * {@code arn:<partition>:dynamodb:<region>:<account>:table/<name>} of the source table and of the restored
 * tables' name prefix (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
 */
@Singleton
public class DynamoDbIdentity implements IdentityEngine {

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.DYNAMODB);
    }

    @Override
    public Identities of(RefreshPlan plan) {
        DynamoDbSettings d = plan.dynamodb();
        return new Identities(new Identity(arn(d.sourceRegion(), d.sourceAccount(), d.sourceTable()), null),
                new Identity(arn(d.targetRegion(), d.sourceAccount(), d.targetTable()), null));
    }

    private static String arn(String region, String account, String table) {
        return "arn:" + AwsArn.partitionOf(region) + ":dynamodb:" + region + ":" + account + ":table/" + table;
    }
}
