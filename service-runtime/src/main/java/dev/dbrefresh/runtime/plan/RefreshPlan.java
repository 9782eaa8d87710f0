package dev.dbrefresh.runtime.plan;

import dev.dbrefresh.contracts.Engine;
import java.nio.file.Path;
import java.util.List;

/**
 * A refresh plan: what is refreshed from what, and how. Loaded from the plans file by
 * {@link PlanCatalog}; every field is validated there.
 *
 * @param name                  plan name, as in start messages
 * @param engine                engine id; {@code postgres} for a self-managed PostgreSQL
 * @param source                the production database (read only)
 * @param target                the database that is replaced
 * @param snapshotMode          {@code create}: take a new snapshot every run; {@code latest}: restore
 *                              the newest snapshot already in the source store
 * @param sourceStore           source side snapshot store directory
 * @param targetStore           target side snapshot store directory (copies live here)
 * @param restoreJobs           parallel jobs of the restore ({@code pg_restore -j}), at least 1
 * @param latestParameter       parameter store name of the newest snapshot copy, e.g.
 *                              {@code /dbrefresh/local-pgbench/snapshot/latest}
 * @param currentParameter      parameter store name of the snapshot to restore
 * @param promoteLatest         whether cluster-service copies "latest" into "current" before restoring;
 *                              {@code false} restores whatever "current" holds (set by hand)
 * @param users                 users and grants re-created on the target
 * @param protectedPatterns     regular expressions (full match) of database names that are never a target
 * @param notificationQueue     queue that receives the completion/failure notification
 * @param cluster               AWS settings of the cluster engines, {@code null} for {@code postgres}
 * @param notifications         optional notification channels beyond the queue
 * @param triggers              AWS Backup and schedule triggers
 * @param dynamodb              settings of the {@code dynamodb} engine, {@code null} for the others
 * @param waits                 how waits poll and when they give up (every engine)
 */
public record RefreshPlan(String name, String engine, DatabaseEndpoint source, DatabaseEndpoint target,
        String snapshotMode, Path sourceStore, Path targetStore, int restoreJobs, String latestParameter,
        String currentParameter, boolean promoteLatest, List<UserSpec> users, List<String> protectedPatterns,
        String notificationQueue, ClusterSettings cluster, NotificationSettings notifications, TriggerSettings triggers,
        DynamoDbSettings dynamodb, WaitSettings waits) {

    /** @return the plan's engine ({@link #engine()} is its id, as events carry it) */
    public Engine engineType() {
        return Engine.require(engine);
    }

    /** @return whether this plan uses an AWS cluster engine ({@link #cluster()} is set) */
    public boolean isCluster() {
        return engineType().isCluster();
    }

    /** @return whether this plan uses the {@code dynamodb} engine ({@link #dynamodb()} is set) */
    public boolean isDynamoDb() {
        return engineType() == Engine.DYNAMODB;
    }

    /** @return the target's id: the lease key, e.g. {@code postgres://host:5432/db} or {@code rds://account/region/cluster} */
    public String targetId() {
        return isCluster() ? cluster.targetId() : isDynamoDb() ? dynamodb.targetId() : target.display();
    }

    /** @return the source's id, as {@link #targetId()} */
    public String sourceId() {
        return isCluster() ? cluster.sourceId() : isDynamoDb() ? dynamodb.sourceId() : source.display();
    }
}
