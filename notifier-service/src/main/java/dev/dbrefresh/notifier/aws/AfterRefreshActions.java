package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.NotificationSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;

/**
 * What a plan asks for after a successful refresh, each an audited step of its own and each skipped when
 * the plan does not ask for it:
 * <ol>
 *   <li>{@value #PARAMETER_STEP}: the new endpoint into {@code notifications.endpoint-parameter}
 *       ({@link EndpointParameterWriter});</li>
 *   <li>{@value #PIPELINE_STEP}: {@code StartPipelineExecution} of {@code notifications.pipeline}
 *       ({@link PipelineStarter});</li>
 *   <li>{@value #RETENTION_STEP}: for cluster plans with {@code retention.keep-copies > 0}, old tagged
 *       snapshot copies deleted ({@link SnapshotRetention}).</li>
 * </ol>
 * Each action is idempotent, so a redelivered event may run them all again. An AWS error is thrown
 * (the consumer retries; after the last attempt the run fails with that error code).
 */
@Singleton
public class AfterRefreshActions {

    /** Audit step of the endpoint parameter. */
    public static final String PARAMETER_STEP = "endpoint-parameter";
    /** Audit step of the pipeline start. */
    public static final String PIPELINE_STEP = "start-pipeline";
    /** Audit step of the snapshot retention. */
    public static final String RETENTION_STEP = "retention";

    private final EndpointParameterWriter parameters;
    private final PipelineStarter pipelines;
    private final SnapshotRetention retention;

    /**
     * @param parameters endpoint parameter writer
     * @param pipelines  pipeline starter
     * @param retention  snapshot retention
     */
    public AfterRefreshActions(EndpointParameterWriter parameters, PipelineStarter pipelines, SnapshotRetention retention) {
        this.parameters = parameters;
        this.pipelines = pipelines;
        this.retention = retention;
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
        if (n.keepCopies() > 0 && plan.isCluster()) {
            ctx.step(RETENTION_STEP, () -> retention.prune(plan, applied.snapshotId()),
                    r -> "kept " + r.kept() + ", deleted " + r.deleted() + " (keep-copies " + n.keepCopies() + ")");
        }
    }
}
