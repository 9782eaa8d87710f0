package dev.dbrefresh.users.domain;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.PlanResolver;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * Re-creates the plan's users and grants on the restored target and verifies its data through the
 * plan's {@link UsersEngine}, then publishes {@code users.applied}; a refusal (e.g.
 * {@code VERIFY_MISMATCH}) ends the run.
 */
@Singleton
public class UsersStep {

    private final PlanResolver plans;
    private final List<UsersEngine> engines;

    /**
     * @param plans   refresh plans
     * @param engines the users engines
     */
    public UsersStep(PlanResolver plans, List<UsersEngine> engines) {
        this.plans = plans;
        this.engines = engines;
    }

    /**
     * @param restored the cluster-restored event
     * @param ctx      audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying (target unreachable)
     */
    public void handle(ClusterRestored restored, StepContext ctx) throws Exception {
        Optional<RefreshPlan> found = plans.forRun(restored.plan(), ctx);
        if (found.isEmpty()) {
            if (ctx.hasFailed()) {
                return;
            }
            ctx.fail("plan", "PLAN_NOT_FOUND", "no refresh plan named '" + restored.plan() + "' in users-service's"
                    + " plans file; every service must read the same plans file");
            return;
        }
        RefreshPlan plan = found.get();
        Optional<UsersEngine> engine = engines.stream().filter(e -> e.supports(plan.engine())).findFirst();
        if (engine.isEmpty()) {
            ctx.fail("plan", "ENGINE_NOT_AVAILABLE", "users-service has no engine for '" + plan.engine() + "'");
            return;
        }
        UsersEngine.Outcome outcome = engine.get().apply(plan, restored, ctx);
        if (outcome instanceof UsersEngine.Refused refused) {
            ctx.fail(refused.step(), refused.errorCode(), refused.message());
            return;
        }
        UsersEngine.Applied applied = (UsersEngine.Applied) outcome;
        ctx.publish(new UsersApplied(plan.name(), plan.engine(), restored.snapshotId(), restored.endpoint(),
                applied.users(), applied.verified(), applied.rowsVerified(), restored.dryRun()));
    }
}
