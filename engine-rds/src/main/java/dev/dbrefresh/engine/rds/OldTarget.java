package dev.dbrefresh.engine.rds;

import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The old target of a cluster plan, which cluster-service renamed to {@link ClusterIdentifiers#oldCluster}
 * ({@code <target>-old-<run id>}) instead of deleting it: deleted once the run succeeded (users-service verified
 * the new target and published {@code users.applied}), renamed back when the run failed before a new target took
 * its name. Both are idempotent: they read what exists first ({@link TargetState}) and do only what is left.
 */
@Singleton
public class OldTarget {

    private final ClusterApis apis;

    /** @param apis the RDS/DocumentDB control planes, by engine */
    public OldTarget(ClusterApis apis) {
        this.apis = apis;
    }

    /**
     * After a verified refresh: {@code DeleteDBInstance} of each instance of the renamed old cluster, then
     * {@code DeleteDBCluster} with {@code FinalDBSnapshotIdentifier=<target>-final-<run id>} where the plan says
     * {@code target.final-snapshot: true}, else {@code SkipFinalSnapshot=true}
     * (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html">DeleteDBCluster</a>;
     * instances already {@code deleting} do not block it). Nothing is deleted unless the cluster under the target's
     * name is this run's restore ({@code dbrefresh:run=<run id>}).
     *
     * @param plan  a cluster plan
     * @param runId the successful run
     * @return what was done, for the audit log; empty when there is no old target of this run (a first run, or
     *         deleted by an earlier delivery)
     * @throws IllegalStateException when the old target exists but the target name does not hold this run's restore
     * @throws AwsServiceException   when AWS refuses (retried by the consumer)
     */
    public Optional<String> deleteAfterSuccess(RefreshPlan plan, String runId) {
        ClusterSettings c = plan.cluster();
        ClusterApi api = apis.forEngine(plan.engine());
        TargetState state = TargetState.read(api, c.targetCluster(), runId);
        if (state.old().isEmpty()) {
            return Optional.empty();
        }
        if (!state.newTargetPresent()) {
            throw new IllegalStateException("the old target " + state.oldCluster() + " was not deleted: the cluster"
                    + " named " + c.targetCluster() + " is not run " + runId + "'s restore (now: " + state.summary() + ")");
        }
        ClusterInfo old = state.old().get();
        if ("deleting".equals(old.status())) {
            return Optional.of("old target " + old.id() + " is already being deleted");
        }
        List<String> deleted = new ArrayList<>();
        for (String member : old.members()) {
            Optional<ClusterApi.InstanceInfo> instance = api.describeInstance(member);
            if (instance.isPresent() && !"deleting".equals(instance.get().status())) {
                ignoreNotFound(() -> api.deleteInstance(member));
                deleted.add(member);
            }
        }
        String finalSnapshot = c.finalSnapshot() ? ClusterIdentifiers.finalSnapshot(c.targetCluster(), runId) : null;
        ignoreNotFound(() -> api.deleteCluster(old.id(), finalSnapshot));
        return Optional.of("DeleteDBInstance " + deleted + ", DeleteDBCluster " + old.id() + (finalSnapshot == null
                ? " SkipFinalSnapshot=true" : " FinalDBSnapshotIdentifier=" + finalSnapshot) + " (the new target "
                + c.targetCluster() + " was verified)");
    }

    /**
     * After a failed run: when the old target was renamed and no cluster holds the target's name, renames the old
     * target's instances ({@link ClusterIdentifiers#originalInstance}) and the cluster back
     * (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html">ModifyDBCluster</a>
     * {@code NewDBClusterIdentifier=<target>}). When a cluster holds the name (this run's restore that failed
     * later), nothing is changed: both stay for inspection, and the answer says so.
     *
     * @param plan  a cluster plan
     * @param runId the failed run
     * @return what exists now and what was done, for the failure notification
     * @throws AwsServiceException when AWS refuses (retried by the consumer)
     */
    public String rollBackAfterFailure(RefreshPlan plan, String runId) {
        ClusterSettings c = plan.cluster();
        ClusterApi api = apis.forEngine(plan.engine());
        TargetState state = TargetState.read(api, c.targetCluster(), runId);
        if (state.old().isEmpty()) {
            return state.summary();
        }
        if (state.target().isPresent()) {
            return state.summary() + "; not renamed back, because " + c.targetCluster() + " exists: inspect it, then"
                    + " delete it and rename " + state.oldCluster() + " to " + c.targetCluster()
                    + " (ModifyDBCluster NewDBClusterIdentifier), or start a new run (which keeps "
                    + state.oldCluster() + ")";
        }
        ClusterInfo old = state.old().get();
        for (String member : old.members()) {
            String original = ClusterIdentifiers.originalInstance(member, runId);
            if (ClusterIdentifiers.isOldInstance(member, runId) && api.describeInstance(original).isEmpty()) {
                api.renameInstance(member, original);
            }
        }
        if (!"renaming".equals(old.status())) {
            api.renameCluster(old.id(), c.targetCluster());
        }
        return "old target renamed back from " + old.id() + " to " + c.targetCluster() + " (ModifyDBCluster"
                + " NewDBClusterIdentifier; its data was never changed)";
    }

    private static void ignoreNotFound(Runnable call) {
        try {
            call.run();
        } catch (AwsServiceException e) {
            // Deleted by an earlier delivery of the same event: what was asked for is done.
            if (!AwsErrors.isNotFound(e)) {
                throw e;
            }
        }
    }
}
