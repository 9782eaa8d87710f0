package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>Whatever names it (start message, {@code source.snapshot}, an AWS Backup event's recovery point), the
 * snapshot must belong to the plan's source: its {@code DBClusterIdentifier} is {@code source.cluster} and its
 * ARN lies in {@code source.account} and {@code source.region}. Otherwise the run is refused with
 * {@code SNAPSHOT_NOT_OF_SOURCE} before anything is shared or copied.
 *
 * <p>Idempotent: the copy's id is derived from the source snapshot ({@link #copyId}), and an existing manual
 * snapshot with that id whose {@value Tags#SOURCE_SNAPSHOT} tag is the source's ARN means the copy was made (by this
 * run before a redelivery, or an earlier one) and is not made again. A snapshot of that name that is not such
 * a copy is never reused: the copy is then named {@link #copyIdOf} (with a hash of the source ARN), and when
 * that name is taken as well the run is refused with {@code COPY_NAME_TAKEN}. A DocumentDB snapshot shared from another account cannot be restored directly, so
 * it is always copied first; Aurora is handled the same way (the copy carries the target's KMS key).
 *
 * <p>Errors: {@link AwsErrors} decides. KMS key and snapshot quota problems end the run with a
 * refusal that says what to fix; throttling and the concurrent cross-region copy limit are rethrown
 * so the message is retried with backoff.
 */
@Singleton
public class ClusterSnapshotEngine implements SnapshotEngine {

    private static final Set<String> FAILED = Set.of("failed", "error", "incompatible-restore", "deleting");

    private final ClusterApis apis;

    /** @param apis the RDS/DocumentDB APIs by engine */
    public ClusterSnapshotEngine(ClusterApis apis) {
        this.apis = apis;
    }

    /** @return {@code true} for {@code aurora-postgresql}, {@code aurora-mysql} and {@code docdb} */
    @Override
    public Set<Engine> engines() {
        return Engine.of(Engine.Family.CLUSTER);
    }

    /**
     * Picks, shares and copies the snapshot. In a dry-run every read is made, and the share and copy
     * calls are recorded with their parameters ({@link StepContext#planned}) instead.
     *
     * @return {@code Ready} (the copy is available, or a dry-run, with the would-be copy id),
     *         {@code Waiting} (the copy is in progress), or {@code Refused} with {@code SNAPSHOT_NOT_FOUND},
     *         {@code SNAPSHOT_NOT_OF_SOURCE}, {@code COPY_NAME_TAKEN},
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
            Optional<String> foreign = notOfSource(c, source);
            if (foreign.isPresent()) {
                return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_OF_SOURCE,
                        foreign.get());
            }
            String copyId = copyId(source.id());
            Optional<ClusterSnapshot> existing = api.describeSnapshot(copyId);
            if (existing.isPresent() && !isCopyOf(existing.get(), source)) {
                // The plain name is taken by another snapshot (a copy of a same-named snapshot of another
                // account or cluster, or one made by hand): never reuse it, use the name that carries a hash
                // of the source ARN instead; the same on every delivery, so the copy is still found again.
                String taken = copyId;
                copyId = copyIdOf(source.id(), source.arn());
                ctx.skipped(StepName.COPY_NAME, taken + " exists but is not a copy of " + source.arn() + " (its "
                        + Tags.SOURCE_SNAPSHOT + " is " + existing.get().tags().get(Tags.SOURCE_SNAPSHOT)
                        + "); the copy is named " + copyId);
                existing = api.describeSnapshot(copyId);
                if (existing.isPresent() && !isCopyOf(existing.get(), source)) {
                    return new SnapshotProgress.Refused(StepName.COPY, ErrorCode.COPY_NAME_TAKEN, "the snapshots "
                            + taken + " and " + copyId + " both exist and neither is a copy of " + source.arn()
                            + " (tag " + Tags.SOURCE_SNAPSHOT + "); nothing was shared or copied. Delete or rename the"
                            + " one that is not a dbrefresh copy, then start a new run");
                }
            }
            if (c.shareFromSource()) {
                share(plan, source, request.dryRun(), sourceApi, ctx);
            }
            if (existing.isPresent()) {
                ClusterSnapshot copy = existing.get();
                ctx.skipped(StepName.COPY, "copy " + copyId + " exists (status " + copy.status() + ", KMS key "
                        + copy.kmsKeyId() + "); not copied again");
                return request.dryRun() ? new SnapshotProgress.Ready(copyId, source.arn(), 0, null, false)
                        : progress(copy, source.arn(), false);
            }
            Map<String, String> tags = copyTags(plan, source);
            String sourceRegion = c.sourceRegion().equals(c.targetRegion()) ? null : c.sourceRegion();
            if (request.dryRun()) {
                ctx.planned(StepName.COPY, "CopyDBClusterSnapshot SourceDBClusterSnapshotIdentifier=" + source.arn()
                        + " TargetDBClusterSnapshotIdentifier=" + copyId + " KmsKeyId=" + c.kmsKeyId()
                        + (sourceRegion == null ? "" : " SourceRegion=" + sourceRegion) + " Tags=" + tags);
                return new SnapshotProgress.Ready(copyId, source.arn(), 0, null, false);
            }
            String name = copyId;
            ClusterSnapshot copy = ctx.step(StepName.COPY, () -> api.copySnapshot(source.arn(), name, c.kmsKeyId(),
                    sourceRegion, tags), s -> "CopyDBClusterSnapshot " + source.arn() + " -> " + name + " (KMS key "
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
                return new SnapshotProgress.Refused(StepName.COPY, ErrorCode.SNAPSHOT_NOT_FOUND, "the snapshot copy "
                        + poll.snapshotId() + " disappeared while it was being copied (deleted by hand?); nothing was"
                        + " deleted on the target. Start a new run");
            }
            // A poll message is as untrusted as any event: the copy it names must be a copy of the plan's
            // source before "latest" is set to it.
            Optional<String> foreign = notOfSource(plan.cluster(), copy.get());
            if (foreign.isPresent()) {
                throw new dev.dbrefresh.runtime.messaging.EventRejectedException("the copy it polls: " + foreign.get());
            }
            return progress(copy.get(), copy.get().tags().get(Tags.SOURCE_SNAPSHOT), true);
        } catch (AwsServiceException e) {
            return refuseOrRethrow(e, plan, ctx);
        }
    }

    /**
     * @param sourceSnapshotId a source snapshot identifier (automated ones look like {@code rds:prod-2024-05-01-03-10})
     * @return {@code copy-<id>} within the RDS identifier rules: 1 to 63 letters, digits and hyphens, a letter
     *         first, no two hyphens in a row, no hyphen at the end; lower case. A longer name is cut to 54
     *         characters plus {@code -<8 hex digits of SHA-256 of the whole name>}, so two long ids that share their
     *         first 63 characters still get different copies
     *         (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html">CopyDBClusterSnapshot</a>,
     *         TargetDBClusterSnapshotIdentifier)
     */
    public static String copyId(String sourceSnapshotId) {
        return ClusterIdentifiers.of("copy-" + sourceSnapshotId);
    }

    /**
     * The copy's name when {@link #copyId} is taken by a snapshot that is not a copy of this source: the plain
     * name shortened to leave room for {@code -<8 hex digits of SHA-256(source ARN)>}, 63 characters at most.
     *
     * @param sourceSnapshotId the source snapshot identifier
     * @param sourceArn        the source snapshot ARN
     * @return e.g. {@code copy-orders-2025-03-01-1a2b3c4d}
     */
    public static String copyIdOf(String sourceSnapshotId, String sourceArn) {
        return ClusterIdentifiers.withHash(copyId(sourceSnapshotId), sourceArn, ClusterIdentifiers.MAX);
    }

    /**
     * The snapshot a start message, {@code source.snapshot} or an AWS Backup event names must be the source's
     * ({@link SnapshotOrigin}); another account may have a cluster of the same name.
     *
     * @return what is wrong and what to do, or empty when the snapshot is the source's
     */
    private static Optional<String> notOfSource(ClusterSettings c, ClusterSnapshot s) {
        return SnapshotOrigin.problem(c, s).map(p -> p + "; nothing was shared, copied or deleted. Name a snapshot"
                + " of the source cluster (snapshotId, source.snapshot), or correct the plan's source");
    }

    /** @return whether {@code copy} is tagged as a copy of {@code source} ({@value Tags#SOURCE_SNAPSHOT} = its ARN) */
    private static boolean isCopyOf(ClusterSnapshot copy, ClusterSnapshot source) {
        String tag = copy.tags() == null ? null : copy.tags().get(Tags.SOURCE_SNAPSHOT);
        Optional<AwsArn> tagged = AwsArn.parse(tag);
        return tagged.isPresent() ? tagged.equals(AwsArn.parse(source.arn())) : source.arn().equals(tag);
    }

    private Optional<ClusterSnapshot> pick(RefreshPlan plan, RefreshRequested request, ClusterApi api, StepContext ctx) {
        ClusterSettings c = plan.cluster();
        String given = request.snapshotId() != null ? request.snapshotId() : c.sourceSnapshot();
        if (given != null) {
            Optional<ClusterSnapshot> found = api.describeSnapshot(given);
            found.ifPresent(s -> ctx.skipped(StepName.PICK_SNAPSHOT, (request.snapshotId() != null
                    ? "using the requested" : "using the plan's") + " snapshot " + s.arn() + " (" + s.status()
                    + ", taken " + s.createdAt() + ")"));
            return found;
        }
        List<ClusterSnapshot> candidates = c.shareFromSource() ? api.manualSnapshots(c.sourceCluster())
                : api.sharedSnapshots(c.sourceCluster());
        Optional<ClusterSnapshot> newest = candidates.stream()
                .filter(s -> "available".equals(s.status()) && s.createdAt() != null)
                .filter(s -> notOfSource(c, s).isEmpty())
                // A copy names the source cluster as its cluster; where copies and sources share an account
                // (share-from-source), the newest "source" snapshot would otherwise be dbrefresh's own copy.
                .filter(s -> !"true".equals(s.tags().get(Tags.MANAGED)))
                .filter(s -> request.date() == null
                        || Instant.parse(s.createdAt()).atZone(ZoneOffset.UTC).toLocalDate().equals(request.date()))
                .max(Comparator.comparing(s -> Instant.parse(s.createdAt())));
        newest.ifPresent(s -> ctx.skipped(StepName.PICK_SNAPSHOT, "newest " + (c.shareFromSource() ? "manual"
                : "shared") + " snapshot of " + c.sourceCluster() + (request.date() == null ? ""
                : " taken on " + request.date()) + ": " + s.arn() + " (taken " + s.createdAt() + ")"));
        return newest;
    }

    private static void share(RefreshPlan plan, ClusterSnapshot source, boolean dryRun, ClusterApi api, StepContext ctx)
            throws Exception {
        String account = plan.cluster().targetAccount();
        if (dryRun) {
            ctx.planned(StepName.SHARE, "ModifyDBClusterSnapshotAttribute DBClusterSnapshotIdentifier=" + source.id()
                    + " AttributeName=restore ValuesToAdd=[" + account + "]");
            return;
        }
        ctx.step(StepName.SHARE, () -> {
            api.shareSnapshot(source.id(), account);
            return account;
        }, a -> "snapshot " + source.id() + " may be restored by account " + a + " (attribute restore)");
    }

    private static Map<String, String> copyTags(RefreshPlan plan, ClusterSnapshot source) {
        Map<String, String> tags = new LinkedHashMap<>(plan.cluster().tags());
        tags.put(Tags.MANAGED, "true");
        tags.put(Tags.PLAN, plan.name());
        tags.put(Tags.SOURCE_SNAPSHOT, source.arn());
        return tags;
    }

    private static SnapshotProgress progress(ClusterSnapshot copy, String sourceArn, boolean copied) {
        if ("available".equals(copy.status())) {
            return new SnapshotProgress.Ready(copy.id(), sourceArn, 0, null, copied);
        }
        if (FAILED.contains(copy.status())) {
            return new SnapshotProgress.Refused(StepName.COPY, ErrorCode.COPY_FAILED, "snapshot copy " + copy.id()
                    + " is " + copy.status() + "; nothing was deleted on the target. Delete the copy and start a"
                    + " new run");
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
        return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_FOUND, what + "; nothing was"
                + " changed. Share the snapshot with the target account (ModifyDBClusterSnapshotAttribute restore),"
                + " or name another one");
    }

    private static SnapshotProgress refuseOrRethrow(AwsServiceException e, RefreshPlan plan, StepContext ctx) {
        AwsErrors.Problem problem = AwsErrors.classify(e, plan.cluster().targetAccount());
        if (problem.retryable()) {
            throw e;
        }
        StepName step = ctx.currentStep() == null ? StepName.COPY : ctx.currentStep();
        return new SnapshotProgress.Refused(step, problem.errorCode(), problem.message());
    }
}
