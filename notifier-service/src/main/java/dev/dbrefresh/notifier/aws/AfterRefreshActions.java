package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.NotificationSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.engine.spi.EngineRegistry;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * What a plan asks for after a successful refresh, each an audited step of its own and each skipped when
 * the plan does not ask for it:
 * <ol>
 *   <li>{@link StepName#ENDPOINT_PARAMETER}: the new endpoint into {@code notifications.endpoint-parameter}
 *       ({@link EndpointParameterWriter});</li>
 *   <li>{@link StepName#START_PIPELINE}: {@code StartPipelineExecution} of {@code notifications.pipeline}
 *       ({@link PipelineStarter});</li>
 *   <li>the plan's engine's clean-up ({@link CleanupEngine#afterSuccess}): the cluster engines delete the old
 *       target and old snapshot copies, {@code dynamodb} prunes older tables; postgres drops the expired clones of
 *       a {@code fast-path: template} plan.</li>
 * </ol>
 * A clone run ({@code target.clone}) makes an extra copy beside the plan's target: the endpoint parameter and the
 * pipeline belong to the target, so they are skipped for it.
 * Each action is idempotent, so a redelivered event may run them all again. An AWS error is thrown
 * (the consumer retries; after the last attempt the run fails with that error code).
 *
 * <p>After a failed run, {@link #afterFailure} lets the engine roll back where it can and say what exists now.
 */
@Singleton
public class AfterRefreshActions {

    private final EndpointParameterWriter parameters;
    private final PipelineStarter pipelines;
    private final EngineRegistry<CleanupEngine> cleanups;

    /**
     * @param parameters endpoint parameter writer
     * @param pipelines  pipeline starter
     * @param cleanups   the clean-ups of the engines this service hosts
     */
    public AfterRefreshActions(EndpointParameterWriter parameters, PipelineStarter pipelines,
            List<CleanupEngine> cleanups) {
        this.parameters = parameters;
        this.pipelines = pipelines;
        this.cleanups = new EngineRegistry<>(cleanups);
    }

    /**
     * @param plan    the plan
     * @param applied the successful run's users-applied event (endpoint, snapshot)
     * @param ctx     audit of this delivery
     * @throws Exception when an action fails (retried)
     */
    public void run(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception {
        NotificationSettings n = plan.notifications() == null || (plan.postgres() != null
                && plan.postgres().cloneRun() != null) ? NotificationSettings.NONE : plan.notifications();
        if (n.endpointParameter() != null) {
            ctx.step(StepName.ENDPOINT_PARAMETER, () -> parameters.write(n.endpointParameter(), applied.endpoint()),
                    v -> n.endpointParameter() + " = " + applied.endpoint() + " (version " + v + ")");
        }
        if (n.pipeline() != null) {
            ctx.step(StepName.START_PIPELINE, () -> pipelines.start(n.pipeline(), ctx.runId()),
                    id -> "started pipeline " + n.pipeline() + ", execution " + id);
        }
        Optional<CleanupEngine> cleanup = cleanups.find(plan.engineType());
        if (cleanup.isPresent()) {
            cleanup.get().afterSuccess(plan, applied, ctx);
        }
    }

    /**
     * After a failed run: the engine's roll-back ({@link CleanupEngine#afterFailure}); never throws.
     *
     * @param plan  the plan
     * @param runId the failed run
     * @param ctx   audit of this delivery
     * @return what exists now (e.g. {@code "old target intact, renamed as acc-old-run-1 (available)"}), or
     *         {@code null} for engines without a clean-up
     */
    public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
        return cleanups.find(plan.engineType()).map(c -> c.afterFailure(plan, runId, ctx)).orElse(null);
    }
}
