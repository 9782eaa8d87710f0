package dev.dbrefresh.snapshot.aws;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.runtime.aws.cluster.AwsErrors;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.runtime.aws.cluster.ClusterApis;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.snapshot.domain.SnapshotEngine;
import dev.dbrefresh.snapshot.domain.SnapshotProgress;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The snapshot side of the cluster engines ({@code aurora-postgresql}, {@code aurora-mysql}, {@code docdb}):
 * pick the source cluster snapshot, share it with the target account where the plan says so, copy it
 * into the target account as {@code copy-<source snapshot id>} re-encrypted with the plan's KMS key,
 * and wait until the copy is {@code available}.
 *
 * <p>Which snapshot, first match wins: the start request's snapshot id or ARN; the plan's
 * {@code source.snapshot}; for a requested date the newest available snapshot of the source cluster
 * taken that UTC day; else the newest available one. The candidates are the snapshots shared with
 * this account ({@code DescribeDBClusterSnapshots SnapshotType=shared}), or, when the plan shares from
 * the source account ({@code source.share-from-source}), that account's own manual snapshots.
 *
 * <p>Idempotent: the copy's id is derived from the source snapshot, and an existing manual snapshot
 * with that id means the copy was made (by this run before a redelivery, or an earlier one) and is
 * not made again. A DocumentDB snapshot shared from another account cannot be restored directly, so
 * it is always copied first; Aurora is handled the same way (the copy carries the target's KMS key).
 *
 * <p>Errors: {@link AwsErrors} decides. KMS key and snapshot quota problems end the run with a
 * refusal that says what to fix; throttling and the concurrent cross-region copy limit are rethrown
 * so the message is retried with backoff.
 */
@Singleton
public class ClusterSnapshotEngine implements SnapshotEngine {

    /** Tag on every copy dbrefresh makes: retention deletes only copies carrying it. */
    public static final String TAG_MANAGED = "dbrefresh:managed";
    /** Tag with the plan name. */
    public static final String TAG_PLAN = "dbrefresh:plan";
    /** Tag with the ARN of the snapshot the copy was made from. */
    public static final String TAG_SOURCE = "dbrefresh:source-snapshot";

    private static final Set<String> ENGINES = Set.of("aurora-postgresql", "aurora-mysql", "docdb");
    private static final Set<String> FAILED = Set.of("failed", "error", "incompatible-restore", "deleting");

    private final ClusterApis apis;

    /** @param apis the RDS/DocumentDB APIs by engine */
    public ClusterSnapshotEngine(ClusterApis apis) {
        this.apis = apis;
    }

    /** @return {@code true} for {@code aurora-postgresql}, {@code aurora-mysql} and {@code docdb} */
    @Override
    public boolean supports(String engine) {
        return ENGINES.contains(engine);
    }

    /**
     * Picks, shares and copies the snapshot. In a dry-run every read is made, and the share and copy
     * calls are recorded with their parameters ({@link StepContext#planned}) instead.
     *
     * @return {@code Ready} (the copy is available, or a dry-run, with the would-be copy id),
     *         {@code Waiting} (the copy is in progress), or {@code Refused} with {@code SNAPSHOT_NOT_FOUND},
     *         {@code KMS_KEY_NOT_ACCESSIBLE}, {@code SNAPSHOT_QUOTA_EXCEEDED} and the like
     * @throws AwsServiceException a failure worth retrying (throttling, the concurrent copy limit, unknown errors)
     */
    @Override
    public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception {
        ClusterSettings c = plan.cluster();
        ClusterApi api = apis.forEngine(plan.engine());
        try {
            // With share-from-source the snapshot is the source account's own: picked and shared there
            // (through source.share-role-arn when set); the copy below runs in this (target) account.
            ClusterApi sourceApi = c.shareFromSource()
                    ? apis.forSource(plan.engine(), c.shareRoleArn(), c.sourceRegion()) : api;
            Optional<ClusterSnapshot> picked = pick(plan, request, sourceApi, ctx);
            if (picked.isEmpty()) {
                return notFound(plan, request);
            }
            ClusterSnapshot source = picked.get();
            String copyId = copyId(source.id());
            if (c.shareFromSource()) {
                share(plan, source, request.dryRun(), sourceApi, ctx);
            }
            Optional<ClusterSnapshot> existing = api.describeSnapshot(copyId);
            if (existing.isPresent()) {
                ClusterSnapshot copy = existing.get();
                ctx.skipped("copy", "copy " + copyId + " exists (status " + copy.status() + ", KMS key "
                        + copy.kmsKeyId() + "); not copied again");
                return request.dryRun() ? new SnapshotProgress.Ready(copyId, source.arn(), 0, null, false)
                        : progress(copy, source.arn(), false);
            }
            Map<String, String> tags = copyTags(plan, source);
            String sourceRegion = c.sourceRegion().equals(c.targetRegion()) ? null : c.sourceRegion();
            if (request.dryRun()) {
                ctx.planned("copy", "CopyDBClusterSnapshot SourceDBClusterSnapshotIdentifier=" + source.arn()
                        + " TargetDBClusterSnapshotIdentifier=" + copyId + " KmsKeyId=" + c.kmsKeyId()
                        + (sourceRegion == null ? "" : " SourceRegion=" + sourceRegion) + " Tags=" + tags);
                return new SnapshotProgress.Ready(copyId, source.arn(), 0, null, false);
            }
            ClusterSnapshot copy = ctx.step("copy", () -> api.copySnapshot(source.arn(), copyId, c.kmsKeyId(),
                    sourceRegion, tags), s -> "CopyDBClusterSnapshot " + source.arn() + " -> " + copyId + " (KMS key "
                    + c.kmsKeyId() + (sourceRegion == null ? "" : ", from " + sourceRegion) + "): " + s.status());
            return progress(copy, source.arn(), true);
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, ctx);
        }
    }

    /**
     * Describes the copy again.
     *
     * @return {@code Ready} once it is {@code available}, {@code Waiting} while it is copying, {@code Refused}
     *         ({@code SNAPSHOT_NOT_FOUND}, {@code COPY_FAILED}) when it disappeared or failed
     * @throws AwsServiceException a failure worth retrying
     */
    @Override
    public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) throws Exception {
        ClusterApi api = apis.forEngine(plan.engine());
        try {
            Optional<ClusterSnapshot> copy = api.describeSnapshot(poll.snapshotId());
            if (copy.isEmpty()) {
                return new SnapshotProgress.Refused("copy", "SNAPSHOT_NOT_FOUND", "the snapshot copy " + poll.snapshotId()
                        + " disappeared while it was being copied (deleted by hand?); nothing was deleted on the target."
                        + " Start a new run");
            }
            return progress(copy.get(), copy.get().tags().get(TAG_SOURCE), true);
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, ctx);
        }
    }

    /**
     * @param sourceSnapshotId a source snapshot identifier (automated ones look like {@code rds:prod-2024-05-01-03-10})
     * @return {@code copy-<id>} within the RDS identifier rules: 1 to 63 letters, digits and hyphens, a letter
     *         first, no two hyphens in a row, no hyphen at the end; lower case
     */
    public static String copyId(String sourceSnapshotId) {
        String id = ("copy-" + sourceSnapshotId).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                .replaceAll("-{2,}", "-");
        if (id.length() > 63) {
            id = id.substring(0, 63);
        }
        return id.replaceAll("-+$", "");
    }

    private Optional<ClusterSnapshot> pick(RefreshPlan plan, RefreshRequested request, ClusterApi api, StepContext ctx) {
        ClusterSettings c = plan.cluster();
        String given = request.snapshotId() != null ? request.snapshotId() : c.sourceSnapshot();
        if (given != null) {
            Optional<ClusterSnapshot> found = api.describeSnapshot(given);
            found.ifPresent(s -> ctx.skipped("pick-snapshot", (request.snapshotId() != null ? "using the requested"
                    : "using the plan's") + " snapshot " + s.arn() + " (" + s.status() + ", taken " + s.createdAt() + ")"));
            return found;
        }
        List<ClusterSnapshot> candidates = c.shareFromSource() ? api.manualSnapshots(c.sourceCluster())
                : api.sharedSnapshots(c.sourceCluster());
        Optional<ClusterSnapshot> newest = candidates.stream()
                .filter(s -> "available".equals(s.status()) && s.createdAt() != null)
                .filter(s -> c.sourceCluster().equals(s.clusterId()))
                // A copy names the source cluster as its cluster; where copies and sources share an account
                // (share-from-source), the newest "source" snapshot would otherwise be dbrefresh's own copy.
                .filter(s -> !"true".equals(s.tags().get(TAG_MANAGED)))
                .filter(s -> request.date() == null
                        || Instant.parse(s.createdAt()).atZone(ZoneOffset.UTC).toLocalDate().equals(request.date()))
                .max(Comparator.comparing(s -> Instant.parse(s.createdAt())));
        newest.ifPresent(s -> ctx.skipped("pick-snapshot", "newest " + (c.shareFromSource() ? "manual" : "shared")
                + " snapshot of " + c.sourceCluster() + (request.date() == null ? "" : " taken on " + request.date())
                + ": " + s.arn() + " (taken " + s.createdAt() + ")"));
        return newest;
    }

    private static void share(RefreshPlan plan, ClusterSnapshot source, boolean dryRun, ClusterApi api, StepContext ctx)
            throws Exception {
        String account = plan.cluster().targetAccount();
        if (dryRun) {
            ctx.planned("share", "ModifyDBClusterSnapshotAttribute DBClusterSnapshotIdentifier=" + source.id()
                    + " AttributeName=restore ValuesToAdd=[" + account + "]");
            return;
        }
        ctx.step("share", () -> {
            api.shareSnapshot(source.id(), account);
            return account;
        }, a -> "snapshot " + source.id() + " may be restored by account " + a + " (attribute restore)");
    }

    private static Map<String, String> copyTags(RefreshPlan plan, ClusterSnapshot source) {
        Map<String, String> tags = new LinkedHashMap<>(plan.cluster().tags());
        tags.put(TAG_MANAGED, "true");
        tags.put(TAG_PLAN, plan.name());
        tags.put(TAG_SOURCE, source.arn());
        return tags;
    }

    private static SnapshotProgress progress(ClusterSnapshot copy, String sourceArn, boolean copied) {
        if ("available".equals(copy.status())) {
            return new SnapshotProgress.Ready(copy.id(), sourceArn, 0, null, copied);
        }
        if (FAILED.contains(copy.status())) {
            return new SnapshotProgress.Refused("copy", "COPY_FAILED", "snapshot copy " + copy.id() + " is "
                    + copy.status() + "; nothing was deleted on the target. Delete the copy and start a new run");
        }
        return new SnapshotProgress.Waiting(copy.id(), "snapshot copy " + copy.id() + " is " + copy.status());
    }

    private static SnapshotProgress notFound(RefreshPlan plan, RefreshRequested request) {
        ClusterSettings c = plan.cluster();
        String what = request.snapshotId() != null ? "snapshot '" + request.snapshotId() + "' does not exist or is not"
                + " shared with account " + c.targetAccount()
                : c.sourceSnapshot() != null ? "the plan's source.snapshot '" + c.sourceSnapshot() + "' does not exist or"
                + " is not shared with account " + c.targetAccount()
                : "no available " + (c.shareFromSource() ? "manual" : "shared") + " snapshot of cluster "
                + c.sourceCluster() + (request.date() == null ? "" : " taken on " + request.date() + " (UTC)")
                + " was found in " + c.targetRegion();
        return new SnapshotProgress.Refused("pick-snapshot", "SNAPSHOT_NOT_FOUND", what + "; nothing was changed. Share"
                + " the snapshot with the target account (ModifyDBClusterSnapshotAttribute restore), or name another one");
    }

    private static SnapshotProgress refuseOrRethrow(AwsServiceException e, RefreshPlan plan, StepContext ctx) {
        AwsErrors.Problem problem = AwsErrors.classify(e, plan.cluster().targetAccount());
        if (problem.retryable()) {
            throw e;
        }
        String step = ctx.currentStep() == null ? "copy" : ctx.currentStep();
        return new SnapshotProgress.Refused(step, problem.errorCode(), problem.message());
    }
}
