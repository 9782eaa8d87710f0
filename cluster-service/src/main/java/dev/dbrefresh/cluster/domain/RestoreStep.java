package dev.dbrefresh.cluster.domain;

import dev.dbrefresh.cluster.postgres.PgRestorer;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.params.ParameterStore;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshGuard;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.postgres.PgTools;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.store.SnapshotStore;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.Optional;

/**
 * The destructive step: promote "latest" to "current" (where the plan says so), check the guards and
 * the run's lease once more, replace the target with a restore of the "current" snapshot, publish
 * {@code cluster.restored}.
 *
 * <p>The restore is guarded three times: {@link RefreshGuard} (target is not the source, not protected),
 * the lease (this run still owns the target), and the restorer's own refusal of the server's databases.
 * It is idempotent: a redelivered {@code snapshot.ready} finds the target's marker (snapshot id and run
 * id) and restores nothing.
 */
@Singleton
public class RestoreStep {

    private final PlanCatalog plans;
    private final LeaseStore leases;
    private final ParameterStore parameters;
    private final SecretResolver secrets;
    private final PgRestorer restorer;

    /**
     * @param plans      refresh plans
     * @param leases     target leases
     * @param parameters parameter store (latest/current)
     * @param secrets    secret resolver
     */
    public RestoreStep(PlanCatalog plans, LeaseStore leases, ParameterStore parameters, SecretResolver secrets) {
        this.plans = plans;
        this.leases = leases;
        this.parameters = parameters;
        this.secrets = secrets;
        this.restorer = new PgRestorer(new PgTools(null));
    }

    /**
     * @param ready the snapshot-ready event
     * @param ctx   audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying (database unavailable, restore failed)
     */
    public void handle(SnapshotReady ready, StepContext ctx) throws Exception {
        Optional<RefreshPlan> found = plans.find(ready.plan());
        if (found.isEmpty()) {
            ctx.fail("plan", "PLAN_NOT_FOUND", "no refresh plan named '" + ready.plan() + "' in cluster-service's"
                    + " plans file; every service must read the same plans file");
            return;
        }
        RefreshPlan plan = found.get();
        var violation = RefreshGuard.check(plan);
        if (violation.isPresent()) {
            ctx.fail("guard", violation.get().errorCode(), violation.get().message());
            return;
        }
        String target = plan.target().display();
        Optional<String> holder = leases.holder(target);
        if (holder.isEmpty() || !holder.get().equals(ctx.runId())) {
            ctx.fail("lease", "LEASE_LOST", "run " + ctx.runId() + " no longer holds the lease on " + target
                    + (holder.map(h -> " (held by run " + h + ")").orElse(" (expired)"))
                    + "; the target was not touched. Start a new run");
            return;
        }
        // The snapshot to restore: "latest" when the plan promotes it, else whatever "current" holds
        // (set by hand). It must be in the target store before "current" is changed or anything deleted.
        String parameter = plan.promoteLatest() ? plan.latestParameter() : plan.currentParameter();
        Optional<String> chosen = parameters.get(parameter);
        if (chosen.isEmpty() && plan.promoteLatest()) {
            chosen = Optional.of(ready.snapshotId());
        }
        SnapshotStore store = new SnapshotStore(plan.targetStore());
        Optional<SnapshotManifest> manifest = chosen.filter(id -> id.matches(SnapshotStore.ID_REGEX)).flatMap(store::find);
        if (manifest.isEmpty()) {
            ctx.fail("restore", "SNAPSHOT_NOT_FOUND", "parameter " + parameter + " = " + chosen.orElse("(not set)")
                    + " names no snapshot in " + store.root() + "; the target was not touched. Set "
                    + plan.currentParameter() + " to a copied snapshot id or enable promote-latest");
            return;
        }
        if (plan.promoteLatest()) {
            String promoted = manifest.get().snapshotId();
            ctx.step("promote", () -> parameters.put(plan.currentParameter(), promoted),
                    v -> plan.currentParameter() + " = " + promoted + " (from " + plan.latestParameter() + ", version " + v + ")");
        }
        SnapshotManifest snapshot = manifest.get();
        char[] password = plan.target().passwordSecret() == null ? null : secrets.resolve(plan.target().passwordSecret());
        try {
            // A failed pg_restore leaves the old target in place (restore into a staging database, then swap).
            ctx.step("restore", () -> restorer.restore(plan.target(), password, store.dumpFile(snapshot),
                    snapshot.snapshotId(), ctx.runId(), plan.restoreJobs()), r -> (r.restored() ? "restored " : "already restored, nothing touched: ") + target + " from "
                    + snapshot.snapshotId() + " (pg_restore -j " + plan.restoreJobs() + ")");
            ctx.markChanged();
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
        ctx.publish(new ClusterRestored(plan.name(), plan.engine(), snapshot.snapshotId(), plan.target().host(),
                plan.target().host(), plan.target().port(), plan.target().database()));
    }
}
