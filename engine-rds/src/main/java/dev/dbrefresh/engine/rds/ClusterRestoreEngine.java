package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import dev.dbrefresh.engine.rds.ClusterApi.InstanceInfo;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The restore side of the cluster engines ({@code aurora-postgresql}, {@code aurora-mysql}, {@code docdb}), in
 * the rename pattern: the old target survives until the new one is verified.
 * <ol>
 *   <li>The snapshot must be a copy of a snapshot of the plan's source ({@link SnapshotOrigin}; else
 *       {@code SNAPSHOT_NOT_OF_SOURCE}).</li>
 *   <li>Guards on the existing target (required tag), then the {@link TargetPreflight} (subnet group, security
 *       groups, KMS key, cluster parameter group, orderable instance class): a missing prerequisite refuses the
 *       run with {@code PREFLIGHT_*} before anything is changed.</li>
 *   <li>Rename the old target's instances ({@code ModifyDBInstance NewDBInstanceIdentifier}, see
 *       {@link ClusterIdentifiers#oldInstance}) and the old cluster to {@link ClusterIdentifiers#oldCluster}
 *       ({@code <target>-old-<run id>}; {@code ModifyDBCluster NewDBClusterIdentifier ApplyImmediately=true});
 *       phase {@link StepName#RENAMING} until the target name and the instance names {@code <target>-<n>} are
 *       free.</li>
 *   <li>{@code RestoreDBClusterFromSnapshot} under the target's name, then {@code CreateDBInstance}
 *       {@code <cluster>-1} .. {@code <cluster>-<instances>}; phase {@link StepName#RESTORING} until all are
 *       {@code available}.</li>
 * </ol>
 * Nothing is deleted here: notifier-service deletes the renamed old cluster after users-service verified the
 * new one ({@code users.applied}), and renames it back on {@code refresh.failed} when no new target took its
 * name. Each wait returns {@code Waiting}; {@link dev.dbrefresh.cluster.domain.RestoreStep} sends the delayed poll.
 *
 * <p>Idempotent under redelivery: the renamed names derive from the run id, so a rename already made is seen
 * (the old name is free, the instances carry this run's suffix, a cluster still {@code renaming} is not renamed
 * again); the restored cluster is tagged {@code dbrefresh:run=<run id>} and {@code dbrefresh:snapshot=<snapshot
 * id>}, and a cluster that carries both is this run's own restore, only awaited; instances that exist are not
 * created again.
 *
 * <p>Errors: {@link AwsErrors} decides. Problems retrying cannot fix (KMS key, quotas, access) end the run with a
 * refusal that says what exists now ({@link TargetState#summary()}); throttling and unknown errors are rethrown so
 * the message is retried with backoff.
 */
@Singleton
public class ClusterRestoreEngine implements RestoreEngine {

    /** AWS status of a cluster being renamed (not the phase {@link StepName#RENAMING}). */
    private static final String AWS_RENAMING = "renaming";
    /** AWS status of an instance being deleted. */
    private static final String AWS_DELETING = "deleting";

    private final ClusterApis apis;
    private final TargetPreflight preflight;

    /**
     * @param apis      the RDS/DocumentDB APIs by engine
     * @param preflight the checks made before the old target is renamed
     */
    public ClusterRestoreEngine(ClusterApis apis, TargetPreflight preflight) {
        this.apis = apis;
        this.preflight = preflight;
    }

    /** @return {@code true} for {@code aurora-postgresql}, {@code aurora-mysql} and {@code docdb} */
    @Override
    public Set<Engine> engines() {
        return Engine.of(Engine.Family.CLUSTER);
    }

    /** @return whether {@code DescribeDBClusterSnapshots} finds the snapshot in status {@code available} */
    @Override
    public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
        return apis.forEngine(plan.engine()).describeSnapshot(snapshotId).map(s -> "available".equals(s.status()))
                .orElse(false);
    }

    /**
     * Checks the target and what the restore needs, then renames the old target out of the way (or, without a
     * target cluster, restores right away).
     *
     * @return {@code Waiting(renaming)} after the rename calls, {@code Waiting(restoring)} when restoring,
     *         {@code Restored} in a dry-run (the existing cluster's endpoint), or {@code Refused}
     *         ({@code SNAPSHOT_NOT_OF_SOURCE}, {@code GUARD_MISSING_TAG}, {@code PREFLIGHT_SUBNET_GROUP}, {@code PREFLIGHT_SECURITY_GROUPS},
     *         {@code PREFLIGHT_KMS_KEY}, {@code PREFLIGHT_PARAMETER_GROUP}, {@code PREFLIGHT_INSTANCE_CLASS},
     *         {@code KMS_KEY_NOT_ACCESSIBLE}, ...)
     * @throws AwsServiceException a failure worth retrying
     */
    @Override
    public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        ClusterApi api = apis.forEngine(plan.engine());
        try {
            // A dry-run's copy was only planned, so there is nothing to look at yet.
            if (!dryRun) {
                Optional<String> foreign = api.describeSnapshot(snapshotId).flatMap(s -> SnapshotOrigin.problem(c, s));
                if (foreign.isPresent()) {
                    return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, foreign.get()
                            + "; nothing was renamed, deleted or restored. Set the \"current\"/\"latest\" parameter to"
                            + " a copy of a snapshot of the source (tag " + Tags.SOURCE_SNAPSHOT + "), or correct the"
                            + " plan's source");
                }
            }
            Optional<ClusterInfo> existing = api.describeCluster(c.targetCluster());
            if (existing.isPresent()) {
                ClusterInfo cluster = existing.get();
                Optional<RestoreProgress> refused = missingTag(plan, cluster);
                if (refused.isPresent()) {
                    return refused.get();
                }
                if (isOwnRestore(cluster, ctx.runId(), snapshotId)) {
                    ctx.skipped(StepName.RENAME, "cluster " + cluster.id() + " is this run's own restore of "
                            + snapshotId + " (tags " + Tags.RUN + ", " + Tags.SNAPSHOT + "); nothing renamed");
                    ctx.markChanged();
                    return restoring(plan, snapshotId, cluster, api, ctx);
                }
            }
            List<TargetPreflight.Problem> problems = preflight.check(plan, api);
            if (!problems.isEmpty()) {
                return new RestoreProgress.Refused(StepName.PREFLIGHT, problems.get(0).code(), String.join("; ",
                        problems.stream().map(TargetPreflight.Problem::message).toList()) + ". Nothing was renamed,"
                        + " deleted or restored (now: " + TargetState.read(api, c.targetCluster(), ctx.runId()).summary()
                        + "). Create or correct what is missing, then start a new run");
            }
            ctx.skipped(StepName.PREFLIGHT, TargetPreflight.checked(plan) + ": all present");
            if (dryRun) {
                existing.ifPresent(cluster -> planRename(plan, cluster, ctx));
                ctx.planned(StepName.RESTORE, restoreCall(plan, snapshotId, ctx.runId()));
                planCreateInstances(plan, ctx);
                existing.ifPresent(cluster -> ctx.planned(StepName.DELETE_OLD, "after users-service verified the new"
                        + " target: notifier-service deletes " + ClusterIdentifiers.oldCluster(c.targetCluster(),
                        ctx.runId())));
                return existing.<RestoreProgress>map(cluster -> new RestoreProgress.Restored(cluster.endpoint(),
                        cluster.readerEndpoint(), cluster.port(), c.database()))
                        .orElseGet(() -> new RestoreProgress.Restored("(dry-run: cluster " + c.targetCluster()
                                + " does not exist yet)", null, c.port() > 0 ? c.port() : plan.engineType().defaultPort(),
                                c.database()));
            }
            if (existing.isPresent()) {
                return rename(plan, existing.get(), api, ctx);
            }
            return restore(plan, snapshotId, api, ctx);
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, api, ctx);
        }
    }

    /**
     * {@code renaming} (and {@code deleting} of older versions): waits until the target name and the instance names
     * {@code <target>-<n>} are free, then restores. {@code restoring}: waits for the cluster, creates missing
     * instances, waits for them.
     *
     * @return {@code Waiting} (same or next phase), {@code Restored}, or {@code Refused}
     * @throws AwsServiceException a failure worth retrying
     */
    @Override
    public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) throws Exception {
        ClusterApi api = apis.forEngine(plan.engine());
        // A poll exists only after start renamed or restored something: a failure from here on has
        // changed the target.
        ctx.markChanged();
        try {
            Optional<ClusterInfo> existing = api.describeCluster(plan.cluster().targetCluster());
            if (existing.isPresent() && isOwnRestore(existing.get(), ctx.runId(), poll.snapshotId())) {
                return restoring(plan, poll.snapshotId(), existing.get(), api, ctx);
            }
            StepName phase = StepName.require(poll.phase());
            if (phase == StepName.RENAMING || phase == StepName.DELETING) {
                return renamed(plan, poll.snapshotId(), existing, api, ctx);
            }
            if (existing.isEmpty()) {
                // The restore call was not made or its cluster vanished: make it (again).
                return restore(plan, poll.snapshotId(), api, ctx);
            }
            return new RestoreProgress.Refused(StepName.RESTORING, ErrorCode.TARGET_CHANGED, "cluster "
                    + existing.get().id() + " is not tagged as this run's restore (" + Tags.RUN + "=" + ctx.runId()
                    + ", " + Tags.SNAPSHOT + "=" + poll.snapshotId() + "); someone else created or replaced it while it"
                    + " was restored. Nothing more was changed (now: " + TargetState.read(api,
                    plan.cluster().targetCluster(), ctx.runId()).summary() + "); check the clusters and start a"
                    + " new run");
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, api, ctx);
        }
    }

    /**
     * Renames the old target's instances, then the old target, out of the way. Instances that already carry
     * this run's suffix or are being deleted are left alone; a cluster already {@code renaming} is not renamed
     * again.
     */
    private static RestoreProgress rename(RefreshPlan plan, ClusterInfo cluster, ClusterApi api, StepContext ctx)
            throws Exception {
        String runId = ctx.runId();
        String oldName = ClusterIdentifiers.oldCluster(cluster.id(), runId);
        for (String member : cluster.members()) {
            if (ClusterIdentifiers.isOldInstance(member, runId)) {
                continue;
            }
            Optional<InstanceInfo> instance = api.describeInstance(member);
            if (instance.isEmpty() || AWS_DELETING.equals(instance.get().status())) {
                continue;
            }
            String to = ClusterIdentifiers.oldInstance(member, runId);
            ctx.step(StepName.RENAME_INSTANCE, member, () -> {
                api.renameInstance(member, to);
                return to;
            }, t -> "ModifyDBInstance " + member + " NewDBInstanceIdentifier=" + t + " ApplyImmediately=true");
            ctx.markChanged();
        }
        if (!AWS_RENAMING.equals(cluster.status())) {
            ctx.step(StepName.RENAME_CLUSTER, () -> {
                api.renameCluster(cluster.id(), oldName);
                return oldName;
            }, o -> "ModifyDBCluster " + cluster.id() + " NewDBClusterIdentifier=" + o + " ApplyImmediately=true; the"
                    + " old target stays there until the new one is verified");
            ctx.markChanged();
        }
        return new RestoreProgress.Waiting(StepName.RENAMING, "cluster " + cluster.id() + " is being renamed to "
                + oldName);
    }

    /** Restores once the target's name and its instance names are free. */
    private RestoreProgress renamed(RefreshPlan plan, String snapshotId, Optional<ClusterInfo> existing, ClusterApi api,
            StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        if (existing.isPresent()) {
            ClusterInfo cluster = existing.get();
            String oldName = ClusterIdentifiers.oldCluster(c.targetCluster(), ctx.runId());
            if (api.describeCluster(oldName).isPresent()) {
                // The old target already carries its new name, yet a cluster holds the target's name: not ours.
                return new RestoreProgress.Refused(StepName.RENAMING, ErrorCode.TARGET_CHANGED, "cluster "
                        + cluster.id() + " was created by someone else after the old target was renamed to " + oldName
                        + "; it is not restored over. Nothing more was changed (now: " + TargetState.read(api,
                        c.targetCluster(), ctx.runId()).summary() + "); check both clusters and start a new run");
            }
            Optional<RestoreProgress> refused = missingTag(plan, cluster);
            if (refused.isPresent()) {
                return refused.get();
            }
            return new RestoreProgress.Waiting(StepName.RENAMING, "cluster " + cluster.id() + " is " + cluster.status()
                    + "; waiting for it to take the name " + ClusterIdentifiers.oldCluster(c.targetCluster(),
                    ctx.runId()));
        }
        List<String> taken = new ArrayList<>();
        for (int n = 1; n <= c.instances(); n++) {
            String id = instanceId(c.targetCluster(), n);
            api.describeInstance(id).ifPresent(i -> taken.add(id + " (" + i.status() + ")"));
        }
        if (!taken.isEmpty()) {
            return new RestoreProgress.Waiting(StepName.RENAMING, "instances " + taken + " of the old target still"
                    + " carry the names of the new instances");
        }
        return restore(plan, snapshotId, api, ctx);
    }

    private RestoreProgress restore(RefreshPlan plan, String snapshotId, ClusterApi api, StepContext ctx)
            throws Exception {
        ClusterApi.RestoreRequest request = restoreRequest(plan, snapshotId, ctx.runId());
        ctx.step(StepName.RESTORE, () -> {
            api.restoreCluster(request);
            return request;
        }, r -> restoreCall(plan, snapshotId, ctx.runId()));
        ctx.markChanged();
        return new RestoreProgress.Waiting(StepName.RESTORING, "cluster " + request.clusterId() + " is being restored"
                + " from " + snapshotId);
    }

    private RestoreProgress restoring(RefreshPlan plan, String snapshotId, ClusterInfo cluster, ClusterApi api,
            StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        if (!"available".equals(cluster.status())) {
            return new RestoreProgress.Waiting(StepName.RESTORING, "cluster " + cluster.id() + " is "
                    + cluster.status());
        }
        List<String> pending = new ArrayList<>();
        for (int n = 1; n <= c.instances(); n++) {
            String id = instanceId(c.targetCluster(), n);
            Optional<InstanceInfo> instance = api.describeInstance(id);
            if (instance.isEmpty()) {
                ctx.step(StepName.CREATE_INSTANCE, id, () -> {
                    api.createInstance(id, cluster.id(), c.instanceClass(), plan.engine(), instanceTags(plan, ctx.runId()));
                    return id;
                }, i -> "CreateDBInstance " + i + " (" + c.instanceClass() + ") in cluster " + cluster.id());
                pending.add(id + " (creating)");
            } else if (!"available".equals(instance.get().status())) {
                pending.add(id + " (" + instance.get().status() + ")");
            }
        }
        if (!pending.isEmpty()) {
            return new RestoreProgress.Waiting(StepName.RESTORING, "instances " + pending + " of cluster "
                    + cluster.id() + " are not available yet");
        }
        return new RestoreProgress.Restored(cluster.endpoint(), cluster.readerEndpoint(), cluster.port(), c.database());
    }

    private static void planRename(RefreshPlan plan, ClusterInfo cluster, StepContext ctx) {
        for (String member : cluster.members()) {
            ctx.planned(StepName.RENAME_INSTANCE, "ModifyDBInstance DBInstanceIdentifier=" + member
                    + " NewDBInstanceIdentifier=" + ClusterIdentifiers.oldInstance(member, ctx.runId())
                    + " ApplyImmediately=true");
        }
        ctx.planned(StepName.RENAME_CLUSTER, "ModifyDBCluster DBClusterIdentifier=" + cluster.id()
                + " NewDBClusterIdentifier=" + ClusterIdentifiers.oldCluster(cluster.id(), ctx.runId())
                + " ApplyImmediately=true");
    }

    private static void planCreateInstances(RefreshPlan plan, StepContext ctx) {
        ClusterSettings c = plan.cluster();
        for (int n = 1; n <= c.instances(); n++) {
            ctx.planned(StepName.CREATE_INSTANCE, "CreateDBInstance DBInstanceIdentifier="
                    + instanceId(c.targetCluster(), n) + " DBClusterIdentifier=" + c.targetCluster()
                    + " DBInstanceClass=" + c.instanceClass() + " Engine=" + plan.engine());
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
        return Optional.of(new RestoreProgress.Refused(StepName.GUARD, ErrorCode.GUARD_MISSING_TAG, "target cluster "
                + cluster.id() + " does not carry the tag " + required + " that plan '" + plan.name() + "' requires"
                + " before replacing it (it has " + (cluster.tags().containsKey(key) ? key + "="
                + cluster.tags().get(key) : "no " + key) + "); nothing was renamed or deleted. Tag the cluster if it"
                + " really is the refresh target, or correct target.cluster"));
    }

    private static boolean isOwnRestore(ClusterInfo cluster, String runId, String snapshotId) {
        return runId.equals(cluster.tags().get(Tags.RUN)) && snapshotId.equals(cluster.tags().get(Tags.SNAPSHOT));
    }

    private static ClusterApi.RestoreRequest restoreRequest(RefreshPlan plan, String snapshotId, String runId) {
        ClusterSettings c = plan.cluster();
        Map<String, String> tags = managedTags(plan, runId);
        tags.put(Tags.SNAPSHOT, snapshotId);
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
        tags.put(Tags.MANAGED, "true");
        tags.put(Tags.RUN, runId);
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

    private static RestoreProgress refuseOrRethrow(AwsServiceException e, RefreshPlan plan, ClusterApi api,
            StepContext ctx) {
        AwsErrors.Problem problem = AwsErrors.classify(e, plan.cluster().targetAccount());
        if (problem.retryable()) {
            throw e;
        }
        StepName step = ctx.currentStep() == null ? StepName.RESTORE : ctx.currentStep();
        return new RestoreProgress.Refused(step, problem.errorCode(), problem.message() + " (now: "
                + TargetState.read(api, plan.cluster().targetCluster(), ctx.runId()).summary() + ")");
    }
}
