package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;

/**
 * How one family of engines picks, takes, shares and copies a snapshot. snapshot-service's {@code SnapshotStep} does what
 * is common (plan, guards, lease, waits, the "latest" parameter, the event); an engine answers with a
 * {@link SnapshotProgress}. Steps that change something are written to the audit log through the
 * context, and in a dry-run are recorded with {@link StepContext#planned} instead of made.
 */
public interface SnapshotEngine extends EngineSpi {

    /**
     * Handles the start of a run.
     *
     * @param plan    the plan (guards passed, lease held)
     * @param request the start request (snapshot id, date, dry-run)
     * @param ctx     audit and events of this delivery
     * @return ready, waiting (a copy in progress) or refused
     * @throws Exception a failure worth retrying
     */
    SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception;

    /**
     * Checks a wait again.
     *
     * @param plan the plan
     * @param poll the poll message (what is awaited)
     * @param ctx  audit and events of this delivery
     * @return ready, still waiting, or refused
     * @throws Exception a failure worth retrying
     */
    SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) throws Exception;
}
