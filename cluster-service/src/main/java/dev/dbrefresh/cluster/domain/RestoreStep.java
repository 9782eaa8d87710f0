package dev.dbrefresh.cluster.domain;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.EngineRegistry;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.params.ParameterStore;
import dev.dbrefresh.runtime.plan.RefreshGuard;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.RunChecks;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The destructive step: choose the snapshot ("latest" promoted to "current" where the plan says so,
 * else "current" as set by hand), check the guards and the run's lease once more, let the plan's
 * {@link RestoreEngine} replace the target (waiting with delayed {@code cluster.restore-poll}
 * messages where deletes and restores take time), publish {@code cluster.restored}.
 *
 * <p>The restore is guarded several times: {@link RefreshGuard} (target is not the source, not
 * protected, not in the source account), the lease (this run still owns the target), and the engine's
 * own checks (e.g. the target cluster's required tag). Nothing is promoted or deleted before the
 * snapshot is known to exist.
 */
@Singleton
public class RestoreStep {

    private final RunChecks checks;
    private final ParameterStore parameters;
    private final EngineRegistry<RestoreEngine> engines;
    private final Clock clock = Clock.systemUTC();

    /**
     * @param checks     plan, guards, identities and the run's lease
     * @param parameters parameter store (latest/current)
     * @param engines    the restore engines
     */
    public RestoreStep(RunChecks checks, ParameterStore parameters, List<RestoreEngine> engines) {
        this.checks = checks;
        this.parameters = parameters;
        this.engines = new EngineRegistry<>(engines);
    }

    /**
     * @param ready the snapshot-ready event
     * @param ctx   audit, publishing and failures of this delivery
     * @throws EventRejectedException when the event's engine or snapshot is not the plan's
     * @throws Exception a failure worth retrying (database or AWS unavailable, restore failed)
     */
    public void handle(SnapshotReady ready, StepContext ctx) throws Exception {
        Optional<RunChecks.Checked> found = checks.check(ready.plan(), ready.dryRun(), RunChecks.Lease.HOLD, false,
                p -> requireFits(p, ready), ctx);
        if (found.isEmpty()) {
            return;
        }
        RefreshPlan plan = found.get().plan();
        RestoreEngine engine = engines.find(plan.engineType()).orElse(null);
        if (engine == null) {
            ctx.fail(StepName.PLAN, ErrorCode.ENGINE_NOT_AVAILABLE, "cluster-service has no engine for '"
                    + plan.engine() + "'; the target was not touched");
            return;
        }
        // The snapshot to restore: "latest" when the plan promotes it, else whatever "current" holds
        // (set by hand). It must exist before "current" is changed or anything deleted.
        String parameter = plan.promoteLatest() ? plan.latestParameter() : plan.currentParameter();
        Optional<String> chosen = ready.dryRun() ? Optional.of(ready.snapshotId()) : parameters.get(parameter);
        if (chosen.isEmpty() && plan.promoteLatest()) {
            chosen = Optional.of(ready.snapshotId());
        }
        // A dry-run's snapshot was not taken or copied (only planned), so it cannot exist yet.
        if (chosen.isEmpty() || (!ready.dryRun() && !engine.snapshotExists(plan, chosen.get()))) {
            ctx.fail(StepName.RESTORE, ErrorCode.SNAPSHOT_NOT_FOUND, "parameter " + parameter + " = "
                    + chosen.orElse("(not set)") + " names no snapshot available on the target side; the target was not"
                    + " touched. Set " + plan.currentParameter() + " to a copied snapshot id or enable promote-latest");
            return;
        }
        String snapshotId = chosen.get();
        if (plan.promoteLatest() && !ready.dryRun()) {
            ctx.step(StepName.PROMOTE, () -> promote(plan.currentParameter(), snapshotId),
                    v -> plan.currentParameter() + " = " + snapshotId + (v.isPresent() ? " (from " + plan.latestParameter()
                            + ", version " + v.getAsLong() + ")" : " (it held it already: not written again)"));
        } else if (plan.promoteLatest()) {
            ctx.planned(StepName.PROMOTE, plan.currentParameter() + " = " + snapshotId);
        }
        Instant deadline = clock.instant().plus(Duration.ofMinutes(plan.waits().deadlineMinutes()));
        continueWith(plan, snapshotId, engine.start(plan, snapshotId, ready.dryRun(), ctx), 1, deadline, ready.dryRun(), ctx);
    }

    /**
     * @param poll a delayed poll of a delete or restore in progress
     * @param ctx  audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying
     */
    public void poll(ClusterRestorePoll poll, StepContext ctx) throws Exception {
        // A poll continues a delete or restore that has begun: a refusal now reports the target as changed.
        Optional<RunChecks.Checked> found = checks.check(poll.plan(), false, RunChecks.Lease.HOLD, true, p -> {
            String current = parameters.get(p.currentParameter()).orElse(null);
            if (!poll.snapshotId().equals(current)) {
                throw new EventRejectedException("it polls a restore of snapshot " + poll.snapshotId() + ", but the"
                        + " plan's " + p.currentParameter() + " holds " + current);
            }
        }, ctx);
        if (found.isEmpty()) {
            return;
        }
        RefreshPlan plan = found.get().plan();
        RestoreEngine engine = engines.find(plan.engineType()).orElseThrow();
        if (clock.instant().isAfter(poll.deadline())) {
            ctx.fail(StepName.require(poll.phase()), ErrorCode.WAIT_DEADLINE_EXCEEDED, "the target " + plan.targetId()
                    + " was still " + poll.phase() + " at " + poll.deadline() + " (" + poll.attempt() + " checks); look"
                    + " at it in the console, raise wait.deadline-minutes, then start a new run");
            return;
        }
        continueWith(plan, poll.snapshotId(), engine.poll(plan, poll, ctx), poll.attempt() + 1, poll.deadline(), false, ctx);
    }

    /**
     * Sets "current" to the snapshot unless it holds it already: a delivery that resumes one killed after its promote
     * finds it so, and writes no second version of an equal value (SSM {@code PutParameter} with {@code Overwrite}
     * makes a new version on every write, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html;
     * the reliability suite's {@code SigkillAwsWaitsIT} found the repeated version on moto).
     *
     * @return the version written, or empty when the parameter held the snapshot already
     */
    private OptionalLong promote(String currentParameter, String snapshotId) {
        if (parameters.get(currentParameter).filter(snapshotId::equals).isPresent()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(parameters.put(currentParameter, snapshotId));
    }

    /**
     * A snapshot.ready fits its plan when it names the plan's engine and, where the plan promotes
     * "latest", the snapshot that snapshot-service wrote to the "latest" parameter before publishing it.
     */
    private void requireFits(RefreshPlan plan, SnapshotReady ready) {
        if (!plan.engine().equals(ready.engine())) {
            throw new EventRejectedException("it is for engine '" + ready.engine() + "', the plan's engine is '"
                    + plan.engine() + "'");
        }
        if (plan.promoteLatest() && !ready.dryRun()) {
            Optional<String> latest = parameters.get(plan.latestParameter());
            if (latest.isPresent() && !latest.get().equals(ready.snapshotId())) {
                throw new EventRejectedException("it names snapshot " + ready.snapshotId() + ", but the plan's "
                        + plan.latestParameter() + " holds " + latest.get() + " (snapshot-service sets it before it"
                        + " publishes snapshot.ready)");
            }
        }
    }

    private void continueWith(RefreshPlan plan, String snapshotId, RestoreProgress progress, int nextAttempt,
            Instant deadline, boolean dryRun, StepContext ctx) {
        if (progress instanceof RestoreProgress.Refused refused) {
            ctx.fail(refused.step(), refused.errorCode(), refused.message());
        } else if (progress instanceof RestoreProgress.Waiting waiting) {
            int delay = plan.waits().pollDelaySeconds(nextAttempt);
            ctx.waiting(waiting.phase(), waiting.what() + "; next check in " + delay + " s (check " + nextAttempt + ")");
            ctx.publishDelayed(Routing.CLUSTER_QUEUE, new ClusterRestorePoll(plan.name(), snapshotId,
                    waiting.phase().id(), nextAttempt, deadline), delay);
        } else {
            RestoreProgress.Restored restored = (RestoreProgress.Restored) progress;
            ctx.publish(new ClusterRestored(plan.name(), plan.engine(), snapshotId, restored.endpoint(),
                    restored.readerEndpoint(), restored.port(), restored.database(), dryRun));
        }
    }
}
