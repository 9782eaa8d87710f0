package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import java.util.List;

/**
 * How one family of engines re-creates users and grants on the restored target and verifies its
 * data. Both must be idempotent: the handler can run twice for one event.
 */
public interface UsersEngine extends EngineSpi {

    /**
     * Checks that a {@code cluster.restored} event names the target the plan derives (its database,
     * endpoint or table), before anything connects: users are only ever created on the plan's target.
     *
     * @param plan     the plan, with the run's allowed values
     * @param restored the event
     * @throws dev.dbrefresh.runtime.messaging.EventRejectedException when it names anything else
     */
    void requireFits(RefreshPlan plan, ClusterRestored restored);

    /**
     * @param plan     the plan
     * @param restored the restored target (endpoint, port, database); {@link #requireFits} passed
     * @param ctx      audit of this delivery (steps {@code users}, {@code verify}, ...)
     * @return what was applied and verified, or a refusal
     * @throws Exception a failure worth retrying (target unreachable, not yet available)
     */
    Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) throws Exception;

    /** What {@link #apply} ended with. */
    sealed interface Outcome {
    }

    /**
     * Users applied and data verified.
     *
     * @param users        user names created or updated
     * @param verified     per-table (or per-collection) counts that matched
     * @param rowsVerified their sum
     */
    record Applied(List<String> users, List<TableRowCount> verified, long rowsVerified) implements Outcome {
    }

    /**
     * The run cannot go on.
     *
     * @param step      step that refused, e.g. {@link StepName#VERIFY}
     * @param errorCode stable error code, e.g. {@link ErrorCode#VERIFY_MISMATCH}
     * @param message   what was wrong and what to do
     */
    record Refused(StepName step, ErrorCode errorCode, String message) implements Outcome {
    }
}
