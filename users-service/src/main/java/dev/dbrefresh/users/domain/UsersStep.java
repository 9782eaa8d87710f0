package dev.dbrefresh.users.domain;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.EngineRegistry;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.RunChecks;
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

    private final RunChecks checks;
    private final EngineRegistry<UsersEngine> engines;

    /**
     * @param checks  plan, guards, identities and the run's lease
     * @param engines the users engines
     */
    public UsersStep(RunChecks checks, List<UsersEngine> engines) {
        this.checks = checks;
        this.engines = new EngineRegistry<>(engines);
    }

    /**
     * Checks the event against the plan before anything connects: its engine and target must be the
     * plan's ({@link UsersEngine#requireFits}), the guards must pass, and the run must still hold the
     * target's lease; only then are users created or granted anything.
     *
     * @param restored the cluster-restored event
     * @param ctx      audit, publishing and failures of this delivery
     * @throws dev.dbrefresh.runtime.messaging.EventRejectedException when the event does not fit the plan
     * @throws Exception a failure worth retrying (target unreachable)
     */
    public void handle(ClusterRestored restored, StepContext ctx) throws Exception {
        Optional<RefreshPlan> named = checks.plans().catalog().find(restored.plan());
        Optional<UsersEngine> engine = named.flatMap(p -> engines.find(p.engineType()));
        if (named.isPresent() && engine.isEmpty()) {
            ctx.fail(StepName.PLAN, ErrorCode.ENGINE_NOT_AVAILABLE, "users-service has no engine for '"
                    + named.get().engine() + "'");
            return;
        }
        // The restore changed the target already: a refusal from here on reports it as changed.
        Optional<RunChecks.Checked> checked = checks.check(restored.plan(), restored.dryRun(), RunChecks.Lease.HOLD, true,
                plan -> {
                    if (!plan.engine().equals(restored.engine())) {
                        throw new EventRejectedException("it is for engine '" + restored.engine() + "', the plan's"
                                + " engine is '" + plan.engine() + "'");
                    }
                    engine.orElseThrow().requireFits(plan, restored);
                }, ctx);
        if (checked.isEmpty()) {
            return;
        }
        RefreshPlan plan = checked.get().plan();
        UsersEngine.Outcome outcome = engine.get().apply(plan, restored, ctx);
        if (outcome instanceof UsersEngine.Refused refused) {
            ctx.fail(refused.step(), refused.errorCode(), refused.message());
            return;
        }
        UsersEngine.Applied applied = (UsersEngine.Applied) outcome;
        recordCounts(applied.verified(), ctx);
        ctx.publish(new UsersApplied(plan.name(), plan.engine(), restored.snapshotId(), restored.endpoint(),
                applied.users(), UsersApplied.largest(applied.verified()), applied.rowsVerified(), restored.dryRun(),
                applied.verified().size()));
    }

    /** Tables per {@code verify-counts} audit entry: a few tens of KB, far below DynamoDB's item limit. */
    static final int TABLES_PER_AUDIT_ENTRY = 400;

    /**
     * Writes every table's verified count to the audit log (step {@code verify-counts}, one entry per
     * {@value #TABLES_PER_AUDIT_ENTRY} tables, {@code schema.table=rows} separated by {@code , }): the
     * event carries only the largest tables and the totals.
     */
    static void recordCounts(List<TableRowCount> counts, StepContext ctx) {
        for (int from = 0, part = 1; from < counts.size(); from += TABLES_PER_AUDIT_ENTRY, part++) {
            List<TableRowCount> chunk = counts.subList(from, Math.min(counts.size(), from + TABLES_PER_AUDIT_ENTRY));
            ctx.recorded(StepName.VERIFY_COUNTS, part, String.join(", ", chunk.stream()
                    .map(t -> t.schema() + "." + t.table() + "=" + t.rows()).toList()));
        }
    }
}
