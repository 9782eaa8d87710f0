package dev.dbrefresh.cluster.aws;

import dev.dbrefresh.cluster.domain.RestoreEngine;
import dev.dbrefresh.cluster.domain.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.runtime.aws.cluster.AwsErrors;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi.ClusterInfo;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi.InstanceInfo;
import dev.dbrefresh.runtime.aws.cluster.ClusterApis;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The restore side of the cluster engines ({@code aurora-postgresql}, {@code aurora-mysql}, {@code docdb}):
 * delete the target cluster's instances, then the cluster, restore the cluster from the snapshot copy
 * ({@code RestoreDBClusterFromSnapshot}), create the instances a cluster restore does not create
 * ({@code CreateDBInstance}, {@code <cluster>-1} .. {@code <cluster>-<instances>}), and wait until all
 * are {@code available}. Each wait returns {@code Waiting} with phase {@code deleting} or
 * {@code restoring}; {@link dev.dbrefresh.cluster.domain.RestoreStep} sends the delayed poll.
 *
 * <p>Guard before any delete: when the plan has {@code target.required-tag} ({@code key=value}) and the
 * existing target cluster lacks it, the run is refused with {@code GUARD_MISSING_TAG} and nothing is
 * deleted. The restored cluster carries that tag, so the next run may delete it again.
 *
 * <p>Idempotent under redelivery: the restored cluster is tagged {@code dbrefresh:run=<run id>} and
 * {@code dbrefresh:snapshot=<snapshot id>}; a cluster that carries both is this run's own restore and is
 * never deleted, only awaited. Instances already deleting are not deleted again, a
 * {@code DBClusterNotFoundFault} from the cluster delete means it is already gone, and instances that
 * exist are not created again.
 *
 * <p>Errors: {@link AwsErrors} decides. Problems retrying cannot fix (KMS key, quotas, access) end the
 * run with a refusal; throttling and unknown errors are rethrown so the message is retried with backoff.
 */
@Singleton
public class ClusterRestoreEngine implements RestoreEngine {

    /** Tag of the restored cluster: the run that restored it. */
    public static final String TAG_RUN = "dbrefresh:run";
    /** Tag of the restored cluster: the snapshot it was restored from. */
    public static final String TAG_SNAPSHOT = "dbrefresh:snapshot";
    /** Tag of everything dbrefresh creates. */
    public static final String TAG_MANAGED = "dbrefresh:managed";

    /** Phase while the old target is deleted. */
    public static final String DELETING = "deleting";
    /** Phase while the new cluster and its instances are created. */
    public static final String RESTORING = "restoring";

    private static final Set<String> ENGINES = Set.of("aurora-postgresql", "aurora-mysql", "docdb");

    private final ClusterApis apis;

    /** @param apis the RDS/DocumentDB APIs by engine */
    public ClusterRestoreEngine(ClusterApis apis) {
        this.apis = apis;
    }

    /** @return {@code true} for {@code aurora-postgresql}, {@code aurora-mysql} and {@code docdb} */
    @Override
    public boolean supports(String engine) {
        return ENGINES.contains(engine);
    }

    /** @return whether {@code DescribeDBClusterSnapshots} finds the snapshot in status {@code available} */
    @Override
    public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
        return apis.forEngine(plan.engine()).describeSnapshot(snapshotId).map(s -> "available".equals(s.status()))
                .orElse(false);
    }

    /**
     * Checks the target and starts deleting it (or, without a target cluster, restores right away).
     *
     * @return {@code Waiting(deleting)} after the instance deletes, {@code Waiting(restoring)} when
     *         restoring, {@code Restored} in a dry-run (the existing cluster's endpoint), or {@code Refused}
     *         ({@code GUARD_MISSING_TAG}, {@code KMS_KEY_NOT_ACCESSIBLE}, ...)
     * @throws AwsServiceException a failure worth retrying
     */
    @Override
    public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        ClusterApi api = apis.forEngine(plan.engine());
        try {
            Optional<ClusterInfo> existing = api.describeCluster(c.targetCluster());
            if (existing.isPresent()) {
                ClusterInfo cluster = existing.get();
                Optional<RestoreProgress> refused = missingTag(plan, cluster);
                if (refused.isPresent()) {
                    return refused.get();
                }
                if (isOwnRestore(cluster, ctx.runId(), snapshotId)) {
                    ctx.skipped("delete", "cluster " + cluster.id() + " is this run's own restore of " + snapshotId
                            + " (tags " + TAG_RUN + ", " + TAG_SNAPSHOT + "); nothing deleted");
                    ctx.markChanged();
                    return restoring(plan, snapshotId, cluster, api, ctx);
                }
                if (dryRun) {
                    planDeleteAndRestore(plan, snapshotId, cluster, ctx);
                    return new RestoreProgress.Restored(cluster.endpoint(), cluster.readerEndpoint(), cluster.port(),
                            c.database());
                }
                deleteInstances(cluster, api, ctx);
                return new RestoreProgress.Waiting(DELETING, "deleting the instances " + cluster.members() + " of cluster "
                        + cluster.id());
            }
            if (dryRun) {
                ctx.planned("restore", restoreCall(plan, snapshotId, ctx.runId()));
                planCreateInstances(plan, ctx);
                return new RestoreProgress.Restored("(dry-run: cluster " + c.targetCluster() + " does not exist yet)", null,
                        c.port() > 0 ? c.port() : defaultPort(plan.engine()), c.database());
            }
            return restore(plan, snapshotId, api, ctx);
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, ctx);
        }
    }

    /**
     * {@code deleting}: waits for the instances to go, deletes the cluster, waits for it to go, restores.
     * {@code restoring}: waits for the cluster, creates missing instances, waits for them.
     *
     * @return {@code Waiting} (same or next phase), {@code Restored}, or {@code Refused}
     * @throws AwsServiceException a failure worth retrying
     */
    @Override
    public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) throws Exception {
        ClusterApi api = apis.forEngine(plan.engine());
        // A poll exists only after start deleted or restored something: a failure from here on has
        // changed the target.
        ctx.markChanged();
        try {
            Optional<ClusterInfo> existing = api.describeCluster(plan.cluster().targetCluster());
            if (existing.isPresent() && isOwnRestore(existing.get(), ctx.runId(), poll.snapshotId())) {
                return restoring(plan, poll.snapshotId(), existing.get(), api, ctx);
            }
            if (DELETING.equals(poll.phase())) {
                return deleting(plan, poll.snapshotId(), existing, api, ctx);
            }
            if (existing.isEmpty()) {
                // The restore call was not made or its cluster vanished: make it (again).
                return restore(plan, poll.snapshotId(), api, ctx);
            }
            return new RestoreProgress.Refused(RESTORING, "TARGET_CHANGED", "cluster " + existing.get().id() + " is not"
                    + " tagged as this run's restore (" + TAG_RUN + "=" + ctx.runId() + ", " + TAG_SNAPSHOT + "="
                    + poll.snapshotId() + "); someone else created or replaced it while it was restored. Nothing more"
                    + " was changed; check the cluster and start a new run");
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, ctx);
        }
    }

    private RestoreProgress deleting(RefreshPlan plan, String snapshotId, Optional<ClusterInfo> existing, ClusterApi api,
            StepContext ctx) throws Exception {
        if (existing.isEmpty()) {
            return restore(plan, snapshotId, api, ctx);
        }
        ClusterInfo cluster = existing.get();
        Optional<RestoreProgress> refused = missingTag(plan, cluster);
        if (refused.isPresent()) {
            return refused.get();
        }
        List<String> remaining = deleteInstances(cluster, api, ctx);
        if (!remaining.isEmpty()) {
            return new RestoreProgress.Waiting(DELETING, "instances " + remaining + " of cluster " + cluster.id()
                    + " are being deleted");
        }
        if (!DELETING.equals(cluster.status())) {
            String finalSnapshot = plan.cluster().finalSnapshot() ? finalSnapshotId(cluster.id(), ctx.runId()) : null;
            boolean gone = ctx.step("delete-cluster", () -> {
                try {
                    api.deleteCluster(cluster.id(), finalSnapshot);
                    return false;
                } catch (AwsServiceException e) {
                    if (AwsErrors.isNotFound(e)) {
                        return true;
                    }
                    throw e;
                }
            }, g -> g ? "cluster " + cluster.id() + " was already gone (DBClusterNotFoundFault)"
                    : "DeleteDBCluster " + cluster.id() + (finalSnapshot == null ? " SkipFinalSnapshot=true"
                    : " FinalDBSnapshotIdentifier=" + finalSnapshot));
            ctx.markChanged();
            if (gone) {
                return restore(plan, snapshotId, api, ctx);
            }
        }
        return new RestoreProgress.Waiting(DELETING, "cluster " + cluster.id() + " is being deleted");
    }

    private RestoreProgress restore(RefreshPlan plan, String snapshotId, ClusterApi api, StepContext ctx)
            throws Exception {
        ClusterApi.RestoreRequest request = restoreRequest(plan, snapshotId, ctx.runId());
        ctx.step("restore", () -> {
            api.restoreCluster(request);
            return request;
        }, r -> restoreCall(plan, snapshotId, ctx.runId()));
        ctx.markChanged();
        return new RestoreProgress.Waiting(RESTORING, "cluster " + request.clusterId() + " is being restored from "
                + snapshotId);
    }

    private RestoreProgress restoring(RefreshPlan plan, String snapshotId, ClusterInfo cluster, ClusterApi api,
            StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        if (!"available".equals(cluster.status())) {
            return new RestoreProgress.Waiting(RESTORING, "cluster " + cluster.id() + " is " + cluster.status());
        }
        List<String> pending = new ArrayList<>();
        for (int n = 1; n <= c.instances(); n++) {
            String id = instanceId(c.targetCluster(), n);
            Optional<InstanceInfo> instance = api.describeInstance(id);
            if (instance.isEmpty()) {
                ctx.step("create-instance:" + id, () -> {
                    api.createInstance(id, cluster.id(), c.instanceClass(), plan.engine(), instanceTags(plan, ctx.runId()));
                    return id;
                }, i -> "CreateDBInstance " + i + " (" + c.instanceClass() + ") in cluster " + cluster.id());
                pending.add(id + " (creating)");
            } else if (!"available".equals(instance.get().status())) {
                pending.add(id + " (" + instance.get().status() + ")");
            }
        }
        if (!pending.isEmpty()) {
            return new RestoreProgress.Waiting(RESTORING, "instances " + pending + " of cluster " + cluster.id()
                    + " are not available yet");
        }
        return new RestoreProgress.Restored(cluster.endpoint(), cluster.readerEndpoint(), cluster.port(), c.database());
    }

    /** @return the instances still there (deleted now or already deleting) */
    private static List<String> deleteInstances(ClusterInfo cluster, ClusterApi api, StepContext ctx) throws Exception {
        List<String> remaining = new ArrayList<>();
        for (String member : cluster.members()) {
            Optional<InstanceInfo> instance = api.describeInstance(member);
            if (instance.isEmpty()) {
                continue;
            }
            remaining.add(member);
            if (!DELETING.equals(instance.get().status())) {
                ctx.step("delete-instance:" + member, () -> {
                    try {
                        api.deleteInstance(member);
                    } catch (AwsServiceException e) {
                        if (!AwsErrors.isNotFound(e)) {
                            throw e;
                        }
                    }
                    return member;
                }, m -> "DeleteDBInstance " + m + " (member of " + cluster.id() + ")");
                ctx.markChanged();
            }
        }
        return remaining;
    }

    private void planDeleteAndRestore(RefreshPlan plan, String snapshotId, ClusterInfo cluster, StepContext ctx) {
        for (String member : cluster.members()) {
            ctx.planned("delete-instance", "DeleteDBInstance DBInstanceIdentifier=" + member);
        }
        String finalSnapshot = plan.cluster().finalSnapshot() ? finalSnapshotId(cluster.id(), ctx.runId()) : null;
        ctx.planned("delete-cluster", "DeleteDBCluster DBClusterIdentifier=" + cluster.id()
                + (finalSnapshot == null ? " SkipFinalSnapshot=true" : " FinalDBSnapshotIdentifier=" + finalSnapshot));
        ctx.planned("restore", restoreCall(plan, snapshotId, ctx.runId()));
        planCreateInstances(plan, ctx);
    }

    private static void planCreateInstances(RefreshPlan plan, StepContext ctx) {
        ClusterSettings c = plan.cluster();
        for (int n = 1; n <= c.instances(); n++) {
            ctx.planned("create-instance", "CreateDBInstance DBInstanceIdentifier=" + instanceId(c.targetCluster(), n)
                    + " DBClusterIdentifier=" + c.targetCluster() + " DBInstanceClass=" + c.instanceClass() + " Engine="
                    + plan.engine());
        }
    }

    private static Optional<RestoreProgress> missingTag(RefreshPlan plan, ClusterInfo cluster) {
        String required = plan.cluster().requiredTag();
        if (required == null) {
            return Optional.empty();
        }
        int eq = required.indexOf('=');
        String key = required.substring(0, eq);
        String value = required.substring(eq + 1);
        if (value.equals(cluster.tags().get(key))) {
            return Optional.empty();
        }
        return Optional.of(new RestoreProgress.Refused("guard", "GUARD_MISSING_TAG", "target cluster " + cluster.id()
                + " does not carry the tag " + required + " that plan '" + plan.name() + "' requires before deleting it"
                + " (it has " + (cluster.tags().containsKey(key) ? key + "=" + cluster.tags().get(key) : "no " + key)
                + "); nothing was deleted. Tag the cluster if it really is the refresh target, or correct target.cluster"));
    }

    private static boolean isOwnRestore(ClusterInfo cluster, String runId, String snapshotId) {
        return runId.equals(cluster.tags().get(TAG_RUN)) && snapshotId.equals(cluster.tags().get(TAG_SNAPSHOT));
    }

    private static ClusterApi.RestoreRequest restoreRequest(RefreshPlan plan, String snapshotId, String runId) {
        ClusterSettings c = plan.cluster();
        Map<String, String> tags = managedTags(plan, runId);
        tags.put(TAG_SNAPSHOT, snapshotId);
        return new ClusterApi.RestoreRequest(c.targetCluster(), snapshotId, plan.engine(), c.engineVersion(),
                c.subnetGroup(), c.securityGroups(), c.kmsKeyId(), c.clusterParameterGroup(), c.port(), tags);
    }

    private static String restoreCall(RefreshPlan plan, String snapshotId, String runId) {
        ClusterApi.RestoreRequest r = restoreRequest(plan, snapshotId, runId);
        return "RestoreDBClusterFromSnapshot DBClusterIdentifier=" + r.clusterId() + " SnapshotIdentifier=" + r.snapshotId()
                + " Engine=" + r.engine() + (r.engineVersion() == null ? "" : " EngineVersion=" + r.engineVersion())
                + " DBSubnetGroupName=" + r.subnetGroup() + " VpcSecurityGroupIds=" + r.securityGroups() + " KmsKeyId="
                + r.kmsKeyId() + (r.clusterParameterGroup() == null ? "" : " DBClusterParameterGroupName="
                + r.clusterParameterGroup()) + (r.port() > 0 ? " Port=" + r.port() : "") + " Tags=" + r.tags();
    }

    /** Plan tags, then dbrefresh's own and the required tag, so the next run may delete what this one made. */
    private static Map<String, String> managedTags(RefreshPlan plan, String runId) {
        ClusterSettings c = plan.cluster();
        Map<String, String> tags = new LinkedHashMap<>(c.tags());
        if (c.requiredTag() != null) {
            int eq = c.requiredTag().indexOf('=');
            tags.put(c.requiredTag().substring(0, eq), c.requiredTag().substring(eq + 1));
        }
        tags.put(TAG_MANAGED, "true");
        tags.put(TAG_RUN, runId);
        return tags;
    }

    private static Map<String, String> instanceTags(RefreshPlan plan, String runId) {
        return managedTags(plan, runId);
    }

    /**
     * @param cluster target cluster identifier
     * @param n       1-based instance number
     * @return {@code <cluster>-<n>}
     */
    static String instanceId(String cluster, int n) {
        return cluster + "-" + n;
    }

    /** @return {@code <cluster>-final-<run id>} within the RDS identifier rules, the same for every delivery of a run */
    static String finalSnapshotId(String cluster, String runId) {
        String id = (cluster + "-final-" + runId).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                .replaceAll("-{2,}", "-");
        if (!Character.isLetter(id.charAt(0))) {
            id = "c-" + id;
        }
        return (id.length() > 255 ? id.substring(0, 255) : id).replaceAll("-+$", "");
    }

    private static int defaultPort(String engine) {
        return switch (engine) {
            case "aurora-mysql" -> 3306;
            case "docdb" -> 27017;
            default -> 5432;
        };
    }

    private static RestoreProgress refuseOrRethrow(AwsServiceException e, RefreshPlan plan, StepContext ctx) {
        AwsErrors.Problem problem = AwsErrors.classify(e, plan.cluster().targetAccount());
        if (problem.retryable()) {
            throw e;
        }
        String step = ctx.currentStep() == null ? "restore" : ctx.currentStep();
        return new RestoreProgress.Refused(step, problem.errorCode(), problem.message());
    }
}
