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
 * @param settings              the engine's part: {@link PostgresSettings}, {@link ClusterSettings},
 *                              {@link DynamoDbSettings} or {@link MongoSettings}, as the engine's family
 * @param snapshotMode          {@code create}: take a new snapshot every run; {@code latest}: restore
 *                              the newest snapshot already in the source store
 * @param latestParameter       parameter store name of the newest snapshot copy, e.g.
 *                              {@code /dbrefresh/local-pgbench/snapshot/latest}
 * @param currentParameter      parameter store name of the snapshot to restore
 * @param promoteLatest         whether cluster-service copies "latest" into "current" before restoring;
 *                              {@code false} restores whatever "current" holds (set by hand)
 * @param users                 users and grants re-created on the target
 * @param protectedPatterns     regular expressions (full match) of database names that are never a target
 * @param notificationQueue     queue that receives the completion/failure notification
 * @param notifications         optional notification channels beyond the queue
 * @param triggers              AWS Backup and schedule triggers
 * @param waits                 how waits poll and when they give up (every engine)
 */
public record RefreshPlan(String name, String engine, EngineSettings settings, String snapshotMode,
        String latestParameter, String currentParameter, boolean promoteLatest, List<UserSpec> users,
        List<String> protectedPatterns, String notificationQueue, NotificationSettings notifications,
        TriggerSettings triggers, WaitSettings waits) {

    /** @throws IllegalArgumentException when the settings are not of the engine's family */
    public RefreshPlan {
        Engine e = Engine.require(engine);
        boolean fits = switch (e.family()) {
            case POSTGRES -> settings instanceof PostgresSettings;
            case CLUSTER -> settings instanceof ClusterSettings;
            case DYNAMODB -> settings instanceof DynamoDbSettings;
            case MONGODB -> settings instanceof MongoSettings;
        };
        if (!fits) {
            throw new IllegalArgumentException("plan '" + name + "': engine " + engine + " cannot have "
                    + (settings == null ? "no settings" : settings.getClass().getSimpleName()));
        }
    }

    /** @return the postgres engine's settings, or {@code null} for other engines */
    public PostgresSettings postgres() {
        return settings instanceof PostgresSettings p ? p : null;
    }

    /** @return the cluster engines' settings, or {@code null} for other engines */
    public ClusterSettings cluster() {
        return settings instanceof ClusterSettings c ? c : null;
    }

    /** @return the {@code dynamodb} engine's settings, or {@code null} for other engines */
    public DynamoDbSettings dynamodb() {
        return settings instanceof DynamoDbSettings d ? d : null;
    }

    /** @return the {@code mongodb} engine's settings, or {@code null} for other engines */
    public MongoSettings mongodb() {
        return settings instanceof MongoSettings m ? m : null;
    }

    /** @return the postgres source database, or {@code null} for other engines */
    public DatabaseEndpoint source() {
        return settings instanceof PostgresSettings p ? p.source() : null;
    }

    /** @return the postgres target database, or {@code null} for other engines */
    public DatabaseEndpoint target() {
        return settings instanceof PostgresSettings p ? p.target() : null;
    }

    /** @return the postgres source side snapshot store, or {@code null} for other engines */
    public Path sourceStore() {
        return settings instanceof PostgresSettings p ? p.sourceStore() : null;
    }

    /** @return the postgres target side snapshot store, or {@code null} for other engines */
    public Path targetStore() {
        return settings instanceof PostgresSettings p ? p.targetStore() : null;
    }

    /** @return parallel jobs of a postgres restore; 0 for other engines */
    public int restoreJobs() {
        return settings instanceof PostgresSettings p ? p.restoreJobs() : 0;
    }

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
        return settings.targetId();
    }

    /** @return the source's id, as {@link #targetId()} */
    public String sourceId() {
        return settings.sourceId();
    }
}
