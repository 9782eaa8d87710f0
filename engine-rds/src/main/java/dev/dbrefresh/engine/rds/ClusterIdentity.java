package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.IdentityEngine;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identities;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identity;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * The identities of a cluster plan's source and target: the cluster ARNs
 * {@code arn:<partition>:rds:<region>:<account>:cluster:<id>}
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.ARN.html; DocumentDB clusters share the
 * {@code rds} service namespace). Nothing is called: account, region and identifier are the plans file's.
 */
@Singleton
public class ClusterIdentity implements IdentityEngine {

    @Override
    public Set<Engine> engines() {
        return Engine.of(Engine.Family.CLUSTER);
    }

    @Override
    public Identities of(RefreshPlan plan) {
        ClusterSettings c = plan.cluster();
        return new Identities(new Identity(arn(c.sourceRegion(), c.sourceAccount(), c.sourceCluster()), null),
                new Identity(arn(c.targetRegion(), c.targetAccount(), c.targetCluster()), null));
    }

    /**
     * @param region  AWS region, e.g. {@code eu-west-1}
     * @param account 12-digit account id
     * @param cluster DB cluster identifier
     * @return the cluster's ARN
     */
    public static String arn(String region, String account, String cluster) {
        return "arn:" + AwsArn.partitionOf(region) + ":rds:" + region + ":" + account + ":cluster:" + cluster;
    }
}
