package dev.dbrefresh.runtime.plan;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.runtime.messaging.StepContext;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;

/**
 * What snapshot-, cluster- and users-service check before each event of a run, in this order, so that
 * every service re-derives source and target from its own plans file and never from the event:
 * <ol>
 *   <li>the plan exists and the run's values are acceptable ({@link PlanResolver#forRun});</li>
 *   <li>the event fits the plan (the caller's check: its engine, database, endpoint, table or snapshot
 *       are the ones the plan derives); an event that does not is rejected
 *       ({@link dev.dbrefresh.runtime.messaging.EventRejectedException}) without ending the run, since
 *       it is not trusted to be the run's own;</li>
 *   <li>the guards by name ({@link RefreshGuard#check(RefreshPlan)}), before any connection;</li>
 *   <li>the identities of source and target as the servers state them ({@link PlanIdentities}), and the
 *       guards by identity;</li>
 *   <li>the lease on the target's identity: taken when the run starts ({@code TARGET_BUSY} when another
 *       run holds it), renewed by every later step ({@code LEASE_LOST} when the run no longer holds it).
 *       A dry-run takes no lease.</li>
 * </ol>
 * A refusal ends the run through {@link StepContext#fail} with the rule's code; nothing was changed by
 * this delivery.
 */
@Singleton
public class RunChecks {

    private final PlanResolver plans;
    private final PlanIdentities identities;
    private final LeaseStore leases;
    private final Duration leaseTtl;

    /**
     * @param plans      refresh plans, with the run's values resolved
     * @param identities identities of sources and targets
     * @param leases     target leases
     * @param leaseHours how long a lease holds without being renewed, hours ({@code dbrefresh.lease.ttl-hours})
     */
    @Inject
    public RunChecks(PlanResolver plans, PlanIdentities identities, LeaseStore leases,
            @Value("${dbrefresh.lease.ttl-hours:6}") int leaseHours) {
        this.plans = plans;
        this.identities = identities;
        this.leases = leases;
        this.leaseTtl = Duration.ofHours(leaseHours);
    }

    /** @return the plans, as resolved for a run */
    public PlanResolver plans() {
        return plans;
    }

    /** What the lease of a step is expected to be. */
    public enum Lease {
        /** the first step of a run: take the target's lease */
        ACQUIRE,
        /** a later step: the run must still hold the lease; it is renewed */
        HOLD
    }

    /**
     * A plan that passed the checks.
     *
     * @param plan       the plan with the run's values
     * @param identities its source's and target's identities; {@code target().key()} is the lease key
     */
    public record Checked(RefreshPlan plan, PlanIdentities.Identities identities) {

        /** @return the target's lease key */
        public String targetKey() {
            return identities.target().key();
        }
    }

    /**
     * @param planName       the plan the event names
     * @param dryRun         whether the run is a dry-run (no lease)
     * @param lease          take the lease, or require and renew it
     * @param changedEarlier whether an earlier event of this run already changed the target (a poll of a
     *                       delete or restore in progress), for the {@code changed} flag of a refusal
     * @param eventCheck     checks that the event fits the resolved plan; throws
     *                       {@link dev.dbrefresh.runtime.messaging.EventRejectedException} when it does not
     * @param ctx            the delivery being handled
     * @return the checked plan, or empty when the run was failed ({@link StepContext#hasFailed()})
     * @throws dev.dbrefresh.runtime.messaging.EventRejectedException from {@code eventCheck}
     * @throws PlanIdentities.IdentityUnavailableException when a server cannot be asked its identity
     *                                                     (retried; nothing changed)
     */
    public Optional<Checked> check(String planName, boolean dryRun, Lease lease, boolean changedEarlier,
            java.util.function.Consumer<RefreshPlan> eventCheck, StepContext ctx) {
        Optional<RefreshPlan> found = plans.forRun(planName, ctx);
        if (found.isEmpty()) {
            if (!ctx.hasFailed()) {
                ctx.fail(StepName.PLAN, ErrorCode.PLAN_NOT_FOUND, "no refresh plan named '" + planName + "' in "
                        + ctx.service() + "'s plans file (configured: "
                        + plans.catalog().all().keySet().stream().sorted().toList() + "); every service must read the"
                        + " same plans file. Nothing was changed");
            }
            return Optional.empty();
        }
        RefreshPlan plan = found.get();
        eventCheck.accept(plan);
        var byName = RefreshGuard.check(plan);
        if (byName.isPresent()) {
            ctx.fail(StepName.GUARD, byName.get().errorCode(), byName.get().message());
            return Optional.empty();
        }
        ctx.enter(StepName.IDENTITY);
        PlanIdentities.Identities ids = identities.of(plan);
        var byIdentity = RefreshGuard.check(plan, ids);
        if (byIdentity.isPresent()) {
            ctx.fail(StepName.GUARD, byIdentity.get().errorCode(), byIdentity.get().message());
            return Optional.empty();
        }
        Checked checked = new Checked(plan, ids);
        if (dryRun) {
            return Optional.of(checked);
        }
        String key = checked.targetKey();
        if (lease == Lease.ACQUIRE) {
            Optional<String> holder = leases.acquire(key, ctx.runId(), leaseTtl);
            if (holder.isPresent()) {
                ctx.fail(StepName.LEASE, ErrorCode.TARGET_BUSY, "target " + plan.targetId() + " (" + key + ") is being"
                        + " refreshed by run " + holder.get() + "; this run was not started. Wait for it to end"
                        + " (dbrefresh status " + holder.get() + ")");
                return Optional.empty();
            }
        } else if (!leases.renew(key, ctx.runId(), leaseTtl)) {
            if (changedEarlier) {
                ctx.markChanged();
            }
            Optional<String> holder = leases.holder(key);
            ctx.fail(StepName.LEASE, ErrorCode.LEASE_LOST, "run " + ctx.runId() + " no longer holds the lease on "
                    + plan.targetId() + " (" + key + ")" + holder.map(h -> ", held by run " + h).orElse(", expired or"
                    + " released") + "; this step changed nothing" + (changedEarlier ? ", but earlier steps of the run"
                    + " changed the target" : "") + ". Start a new run");
            return Optional.empty();
        }
        // A step that works longer than the lease's time to live (a large pg_restore) keeps it.
        ctx.keepAlive(() -> leases.renew(key, ctx.runId(), leaseTtl));
        return Optional.of(checked);
    }
}
