package dev.dbrefresh.users.domain;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.postgres.PgTools;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.store.SnapshotStore;
import dev.dbrefresh.users.postgres.PgUserApplier;
import dev.dbrefresh.users.postgres.PgVerifier;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Re-creates the plan's users and grants on the restored target, then verifies every table's row
 * count against the snapshot manifest, and publishes {@code users.applied}. A count that differs ends
 * the run with {@code VERIFY_MISMATCH} (the data is not what the snapshot holds). Both steps are
 * idempotent: applying users twice gives the same roles and grants.
 */
@Singleton
public class UsersStep {

    private final PlanCatalog plans;
    private final SecretResolver secrets;
    private final PgUserApplier applier;
    private final PgVerifier verifier;

    /**
     * @param plans   refresh plans
     * @param secrets secret resolver (admin and user passwords)
     */
    public UsersStep(PlanCatalog plans, SecretResolver secrets) {
        this.plans = plans;
        this.secrets = secrets;
        PgTools tools = new PgTools(null);
        this.applier = new PgUserApplier(tools, secrets);
        this.verifier = new PgVerifier(tools);
    }

    /**
     * @param restored the cluster-restored event
     * @param ctx      audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying (target unreachable)
     */
    public void handle(ClusterRestored restored, StepContext ctx) throws Exception {
        Optional<RefreshPlan> found = plans.find(restored.plan());
        if (found.isEmpty()) {
            ctx.fail("plan", "PLAN_NOT_FOUND", "no refresh plan named '" + restored.plan() + "' in users-service's"
                    + " plans file; every service must read the same plans file");
            return;
        }
        RefreshPlan plan = found.get();
        SnapshotStore store = new SnapshotStore(plan.targetStore());
        Optional<SnapshotManifest> manifest = store.find(restored.snapshotId());
        if (manifest.isEmpty()) {
            ctx.fail("verify", "SNAPSHOT_NOT_FOUND", "manifest of snapshot " + restored.snapshotId() + " is not in "
                    + store.root() + "; cannot verify the restored data");
            return;
        }
        DatabaseEndpoint target = plan.target().withDatabase(restored.database());
        char[] password = plan.target().passwordSecret() == null ? null : secrets.resolve(plan.target().passwordSecret());
        try {
            List<String> users = ctx.step("users", () -> applier.apply(target, password, plan.users()),
                    names -> names.isEmpty() ? "plan lists no users" : "applied users and grants: " + names);
            var verification = ctx.step("verify", () -> verifier.verify(target, password, manifest.get()),
                    v -> v.ok() ? v.matched().size() + " tables, " + v.rowsVerified() + " rows match the manifest"
                            : "mismatches: " + describe(v.mismatches()));
            if (!verification.ok()) {
                ctx.fail("verify", "VERIFY_MISMATCH", "restored data of " + target.display() + " differs from snapshot "
                        + restored.snapshotId() + ": " + describe(verification.mismatches())
                        + "; the restore is incomplete or the target was written to during verification");
                return;
            }
            ctx.publish(new UsersApplied(plan.name(), plan.engine(), restored.snapshotId(), restored.endpoint(), users,
                    verification.matched(), verification.rowsVerified()));
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    private static String describe(List<PgVerifier.Mismatch> mismatches) {
        return mismatches.stream().map(m -> m.table() + " expected " + m.expected() + " rows, found "
                + (m.actual() == PgVerifier.MISSING ? "no such table" : m.actual() + " rows")).toList().toString();
    }
}
