package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.NotificationSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.Set;

/**
 * After a cluster plan's run:
 * <ul>
 *   <li>{@link StepName#DELETE_OLD_TARGET}: the old target that cluster-service renamed to {@code <target>-old-<run id>} is
 *       deleted now that the new one was verified ({@link OldTarget#deleteAfterSuccess});</li>
 *   <li>{@link StepName#RETENTION}: with {@code retention.keep-copies > 0}, older tagged snapshot copies are deleted
 *       ({@link SnapshotRetention});</li>
 *   <li>{@link StepName#ROLL_BACK}: after a failure, the old target is renamed back where no new target took its name
 *       ({@link OldTarget#rollBackAfterFailure}).</li>
 * </ul>
 */
@Singleton
public class ClusterCleanup implements CleanupEngine {

    private final OldTarget oldTarget;
    private final SnapshotRetention retention;

    /**
     * @param oldTarget the renamed old target
     * @param retention the snapshot copies' retention
     */
    public ClusterCleanup(OldTarget oldTarget, SnapshotRetention retention) {
        this.oldTarget = oldTarget;
        this.retention = retention;
    }

    @Override
    public Set<Engine> engines() {
        return Engine.of(Engine.Family.CLUSTER);
    }

    @Override
    public void afterSuccess(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception {
        Optional<String> deleted = ctx.step(StepName.DELETE_OLD_TARGET, () -> oldTarget.deleteAfterSuccess(plan, ctx.runId()),
                d -> d.orElse("no old target of this run (none existed, or already deleted)"));
        if (deleted.isPresent()) {
            ctx.markChanged();
        }
        NotificationSettings n = plan.notifications() == null ? NotificationSettings.NONE : plan.notifications();
        if (n.keepCopies() > 0) {
            ctx.step(StepName.RETENTION, () -> retention.prune(plan, applied.snapshotId()),
                    r -> "kept " + r.kept() + ", deleted " + r.deleted() + " (keep-copies " + n.keepCopies() + ")");
        }
    }

    @Override
    public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
        try {
            return ctx.step(StepName.ROLL_BACK, () -> oldTarget.rollBackAfterFailure(plan, runId), s -> s);
        } catch (Exception e) {
            return "unknown: the old target " + ClusterIdentifiers.oldCluster(plan.cluster().targetCluster(), runId)
                    + " and " + plan.cluster().targetCluster() + " could not be read (" + e.getMessage()
                    + "); look at both in the console";
        }
    }
}
