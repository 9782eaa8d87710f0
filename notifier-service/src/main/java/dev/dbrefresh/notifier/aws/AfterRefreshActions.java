package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.engine.rds.OldTarget;
import dev.dbrefresh.engine.rds.SnapshotRetention;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.engine.dynamodb.RestoredTables;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.NotificationSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What a plan asks for after a successful refresh, each an audited step of its own and each skipped when
 * the plan does not ask for it:
 * <ol>
 *   <li>{@value #PARAMETER_STEP}: the new endpoint into {@code notifications.endpoint-parameter}
 *       ({@link EndpointParameterWriter});</li>
 *   <li>{@value #PIPELINE_STEP}: {@code StartPipelineExecution} of {@code notifications.pipeline}
 *       ({@link PipelineStarter});</li>
 *   <li>{@value #DELETE_OLD_STEP}: for cluster plans, the old target that cluster-service renamed to
 *       {@code <target>-old-<run id>} is deleted now that the new one was verified ({@link OldTarget});</li>
 *   <li>{@value #RETENTION_STEP}: for cluster plans with {@code retention.keep-copies > 0}, old tagged
 *       snapshot copies deleted ({@link SnapshotRetention});</li>
 *   <li>{@value #PRUNE_STEP}: for {@code dynamodb} plans, the plan's tables beyond {@code keep-tables} are deleted,
 *       never the one just verified ({@link RestoredTables#prune}).</li>
 * </ol>
 * Each action is idempotent, so a redelivered event may run them all again. An AWS error is thrown
 * (the consumer retries; after the last attempt the run fails with that error code).
 *
 * <p>After a failed run, {@link #afterFailure} renames a cluster plan's old target back where no new target took
 * its name, and says what exists now.
 */
@Singleton
public class AfterRefreshActions {

    /** Audit step of the endpoint parameter. */
    public static final String PARAMETER_STEP = "endpoint-parameter";
    /** Audit step of the pipeline start. */
    public static final String PIPELINE_STEP = "start-pipeline";
    /** Audit step of the snapshot retention. */
    public static final String RETENTION_STEP = "retention";
    /** Audit step of the old target's delete after a verified refresh. */
    public static final String DELETE_OLD_STEP = "delete-old-target";
    /** Audit step of the DynamoDB table pruning after a verified refresh. */
    public static final String PRUNE_STEP = "prune-tables";
    /** Audit step of the old target's rename back after a failure. */
    public static final String ROLL_BACK_STEP = "roll-back";

    private final EndpointParameterWriter parameters;
    private final PipelineStarter pipelines;
    private final SnapshotRetention retention;
    private final OldTarget oldTarget;
    private final RestoredTables tables;

    /**
     * @param parameters endpoint parameter writer
     * @param pipelines  pipeline starter
     * @param retention  snapshot retention
     * @param oldTarget  the renamed old target of cluster plans
     * @param dynamo     DynamoDB client (the restored tables of {@code dynamodb} plans)
     */
    public AfterRefreshActions(EndpointParameterWriter parameters, PipelineStarter pipelines, SnapshotRetention retention,
            OldTarget oldTarget, DynamoDbClient dynamo) {
        this.parameters = parameters;
        this.pipelines = pipelines;
        this.retention = retention;
        this.oldTarget = oldTarget;
        this.tables = new RestoredTables(dynamo);
    }

    /**
     * @param plan    the plan
     * @param applied the successful run's users-applied event (endpoint, snapshot)
     * @param ctx     audit of this delivery
     * @throws Exception when an action fails (retried)
     */
    public void run(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception {
        NotificationSettings n = plan.notifications() == null ? NotificationSettings.NONE : plan.notifications();
        if (n.endpointParameter() != null) {
            ctx.step(PARAMETER_STEP, () -> parameters.write(n.endpointParameter(), applied.endpoint()),
                    v -> n.endpointParameter() + " = " + applied.endpoint() + " (version " + v + ")");
        }
        if (n.pipeline() != null) {
            ctx.step(PIPELINE_STEP, () -> pipelines.start(n.pipeline(), ctx.runId()),
                    id -> "started pipeline " + n.pipeline() + ", execution " + id);
        }
        if (plan.isCluster()) {
            Optional<String> deleted = ctx.step(DELETE_OLD_STEP, () -> oldTarget.deleteAfterSuccess(plan, ctx.runId()),
                    d -> d.orElse("no old target of this run (none existed, or already deleted)"));
            if (deleted.isPresent()) {
                ctx.markChanged();
            }
        }
        if (n.keepCopies() > 0 && plan.isCluster()) {
            ctx.step(RETENTION_STEP, () -> retention.prune(plan, applied.snapshotId()),
                    r -> "kept " + r.kept() + ", deleted " + r.deleted() + " (keep-copies " + n.keepCopies() + ")");
        }
        if (plan.isDynamoDb()) {
            String keep = AwsArn.parse(applied.endpoint()).map(AwsArn::resourceId).orElse(applied.endpoint());
            ctx.step(PRUNE_STEP, () -> tables.prune(plan, keep), d -> "DeleteTable " + d + " (keep-tables "
                    + plan.dynamodb().keepTables() + "; " + keep + " was verified)");
        }
    }

    /**
     * After a failed run of a cluster plan: renames the old target back where possible ({@link OldTarget}) and
     * describes what exists now. A failure here is recorded and described, never thrown: the failure notification
     * must still go out.
     *
     * @param plan  the plan
     * @param runId the failed run
     * @param ctx   audit of this delivery
     * @return what exists now (e.g. {@code "old target intact, renamed as acc-old-run-1 (available)"}), or
     *         {@code null} for plans without AWS targets
     */
    public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
        if (plan.isCluster()) {
            try {
                return ctx.step(ROLL_BACK_STEP, () -> oldTarget.rollBackAfterFailure(plan, runId), s -> s);
            } catch (Exception e) {
                return "unknown: the old target " + ClusterIdentifiers.oldCluster(plan.cluster().targetCluster(), runId)
                        + " and " + plan.cluster().targetCluster() + " could not be read (" + e.getMessage()
                        + "); look at both in the console";
            }
        }
        if (plan.isDynamoDb()) {
            return "the plan's previous tables are kept (nothing is pruned after a failure)";
        }
        return null;
    }
}
