package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;

/**
 * What one family of engines does once a run has ended (notifier-service): after a verified refresh, remove
 * what the restore kept for a roll-back (the old cluster, older tables, old snapshot copies); after a failure,
 * roll back where it can and say what exists now. Engines with nothing to clean up (postgres swaps its staging
 * database within the restore) have no implementation. Both methods are idempotent: the notifier's event can be
 * delivered twice.
 */
public interface CleanupEngine extends EngineSpi {

    /**
     * Runs after the run's {@code users.applied}, each action an audited step of its own.
     *
     * @param plan    the plan
     * @param applied the successful run's users-applied event (endpoint, snapshot)
     * @param ctx     audit of this delivery
     * @throws Exception when an action fails (retried; after the last attempt the run fails)
     */
    void afterSuccess(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception;

    /**
     * Runs after a failed run. A failure here is recorded and described, never thrown: the failure
     * notification must still go out.
     *
     * @param plan  the plan
     * @param runId the failed run
     * @param ctx   audit of this delivery
     * @return what exists now, for the notification (e.g. {@code "old target intact, renamed as acc-old-run-1"})
     */
    String afterFailure(RefreshPlan plan, String runId, StepContext ctx);
}
