package dev.dbrefresh.snapshot.domain;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.EngineRegistry;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.SnapshotReady;
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

/**
 * The first step of a run: check the plan, take the target's lease, let the plan's
 * {@link SnapshotEngine} pick/take/share/copy the snapshot (waiting with delayed
 * {@code snapshot.copy-poll} messages where the copy takes time), then set the plan's "latest"
 * parameter and publish {@code snapshot.ready}.
 *
 * <p>Every refusal happens before anything is changed: an unknown plan ({@code PLAN_NOT_FOUND}), a
 * guard rule ({@link RefreshGuard}), a target busy with another run ({@code TARGET_BUSY}), a missing
 * snapshot ({@code SNAPSHOT_NOT_FOUND}), a reset of a plan without a pristine copy ({@code RESET_NOT_AVAILABLE}). A wait that outlives the plan's deadline fails the run with
 * {@code WAIT_DEADLINE_EXCEEDED}.
 */
@Singleton
public class SnapshotStep {

    private final RunChecks checks;
    private final ParameterStore parameters;
    private final EngineRegistry<SnapshotEngine> engines;
    private final Clock clock = Clock.systemUTC();

    /**
     * @param checks     plan, guards, identities and the target's lease
     * @param parameters parameter store (latest/current)
     * @param engines    the snapshot engines
     */
    public SnapshotStep(RunChecks checks, ParameterStore parameters, List<SnapshotEngine> engines) {
        this.checks = checks;
        this.parameters = parameters;
        this.engines = new EngineRegistry<>(engines);
    }

    /**
     * @param request the start message's payload
     * @param ctx     audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying (database, store or AWS unavailable)
     */
    public void handle(RefreshRequested request, StepContext ctx) throws Exception {
        // The engine first: a plan this service cannot serve is refused before any connection or lease. An
        // unknown plan is refused by the checks (PLAN_NOT_FOUND).
        Optional<RefreshPlan> named = checks.plans().catalog().find(request.plan());
        Optional<SnapshotEngine> engine = named.flatMap(p -> engine(p, ctx));
        if (named.isPresent() && engine.isEmpty()) {
            return;
        }
        if (request.resetMode() && named.isPresent() && !resettable(named.get(), request, ctx)) {
            return;
        }
        Optional<RunChecks.Checked> checked = checks.check(request.plan(), request.dryRun(), RunChecks.Lease.ACQUIRE,
                false, p -> { }, ctx);
        if (checked.isEmpty()) {
            return;
        }
        RefreshPlan plan = checked.get().plan();
        continueWith(plan, engine.get().start(plan, request, ctx), 1, deadline(plan), request.dryRun(), ctx);
    }

    /**
     * @param poll a delayed poll message of a copy in progress
     * @param ctx  audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying
     */
    public void poll(SnapshotCopyPoll poll, StepContext ctx) throws Exception {
        Optional<RunChecks.Checked> checked = checks.check(poll.plan(), false, RunChecks.Lease.HOLD, false, p -> { },
                ctx);
        if (checked.isEmpty()) {
            return;
        }
        Optional<RefreshPlan> found = Optional.of(checked.get().plan());
        Optional<SnapshotEngine> engine = engine(found.get(), ctx);
        if (engine.isEmpty()) {
            return;
        }
        if (clock.instant().isAfter(poll.deadline())) {
            ctx.fail(StepName.COPY, ErrorCode.WAIT_DEADLINE_EXCEEDED, "snapshot copy " + poll.snapshotId() + " was not"
                    + " available by " + poll.deadline() + " (" + poll.attempt() + " checks); nothing was deleted."
                    + " Check the copy in the console, raise wait.deadline-minutes or start a new run");
            return;
        }
        continueWith(found.get(), engine.get().poll(found.get(), poll, ctx), poll.attempt() + 1, poll.deadline(), false,
                ctx);
    }

    private void continueWith(RefreshPlan plan, SnapshotProgress progress, int nextAttempt, Instant deadline,
            boolean dryRun, StepContext ctx) throws Exception {
        if (progress instanceof SnapshotProgress.Refused refused) {
            ctx.fail(refused.step(), refused.errorCode(), refused.message());
        } else if (progress instanceof SnapshotProgress.Waiting waiting) {
            int delay = plan.waits().pollDelaySeconds(nextAttempt);
            ctx.waiting(StepName.COPY, waiting.what() + "; next check in " + delay + " s (check " + nextAttempt + ")");
            ctx.publishDelayed(Routing.SNAPSHOT_QUEUE, new SnapshotCopyPoll(plan.name(), waiting.snapshotId(),
                    nextAttempt, deadline), delay);
        } else {
            SnapshotProgress.Ready ready = (SnapshotProgress.Ready) progress;
            if (dryRun) {
                ctx.planned(StepName.PARAMETER, plan.latestParameter() + " = " + ready.snapshotId());
            } else {
                ctx.step(StepName.PARAMETER, () -> parameters.put(plan.latestParameter(), ready.snapshotId()),
                        v -> plan.latestParameter() + " = " + ready.snapshotId() + " (version " + v + ")");
            }
            ctx.publish(new SnapshotReady(plan.name(), plan.engine(), ready.snapshotId(), ready.sourceSnapshotId(),
                    ready.sizeBytes(), ready.checksum(), ready.copied(), dryRun));
        }
    }

    /**
     * A reset needs a plan that keeps a pristine copy, and takes its snapshot from it (the engine reads it on the
     * target server): a request that also names a snapshot or a date is refused, before the lease.
     */
    private static boolean resettable(RefreshPlan plan, RefreshRequested request, StepContext ctx) {
        if (plan.postgres() == null || !plan.postgres().templateFastPath()) {
            ctx.fail(StepName.PICK_SNAPSHOT, ErrorCode.RESET_NOT_AVAILABLE, "plan '" + plan.name() + "' keeps no"
                    + " pristine copy to reset from (a reset needs a postgres plan with fast-path: template); nothing"
                    + " was changed. Add fast-path: template to the plan and run one refresh, or start a refresh");
            return false;
        }
        if (request.snapshotId() != null || request.date() != null) {
            ctx.fail(StepName.PICK_SNAPSHOT, ErrorCode.RESET_NOT_AVAILABLE, "a reset of plan '" + plan.name()
                    + "' restores the snapshot its pristine copy holds, read from the target server; this request also"
                    + " names " + (request.snapshotId() != null ? "snapshot '" + request.snapshotId() + "'" : "date "
                    + request.date()) + ". Nothing was changed. Send the reset without snapshotId and date, or send a"
                    + " refresh of that snapshot");
            return false;
        }
        return true;
    }

    private Optional<SnapshotEngine> engine(RefreshPlan plan, StepContext ctx) {
        Optional<SnapshotEngine> engine = engines.find(plan.engineType());
        if (engine.isEmpty()) {
            ctx.fail(StepName.PLAN, ErrorCode.ENGINE_NOT_AVAILABLE, "snapshot-service has no engine for '"
                    + plan.engine() + "' (plan '" + plan.name() + "'); nothing was changed");
        }
        return engine;
    }

    private Instant deadline(RefreshPlan plan) {
        return clock.instant().plus(Duration.ofMinutes(plan.waits().deadlineMinutes()));
    }
}
