package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;

/**
 * How one family of engines replaces the target with a restore of a snapshot. cluster-service's {@code RestoreStep}
 * does what is common (plan, guards, lease, choosing and promoting the snapshot, waits, the event);
 * an engine answers with a {@link RestoreProgress}. An engine runs its own guards that need its API
 * (e.g. the target cluster's required tag) before any delete, and in a dry-run records every change
 * with {@link StepContext#planned} instead of making it.
 */
public interface RestoreEngine extends EngineSpi {

    /**
     * @param plan       the plan
     * @param snapshotId a snapshot id from the "latest"/"current" parameter
     * @return whether the target side has that snapshot, ready to restore
     * @throws Exception a failure worth retrying
     */
    boolean snapshotExists(RefreshPlan plan, String snapshotId) throws Exception;

    /**
     * Starts replacing the target.
     *
     * @param plan       the plan (guards passed, lease held)
     * @param snapshotId snapshot to restore
     * @param dryRun     read and check only
     * @param ctx        audit and events of this delivery
     * @return restored, waiting (delete or restore in progress), or refused
     * @throws Exception a failure worth retrying
     */
    RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception;

    /**
     * Checks a wait again and moves to the next phase where the last one is done.
     *
     * @param plan the plan
     * @param poll the poll message (phase and snapshot)
     * @param ctx  audit and events of this delivery
     * @return restored, still waiting (maybe in the next phase), or refused
     * @throws Exception a failure worth retrying
     */
    RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) throws Exception;
}
