package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.engine.postgres.sanitize.MaskedCounts;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.spi.UsersEngine;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code postgres} engine's users and verification: {@link PgUserApplier} (roles, passwords
 * hashed client-side, quoted grants), then {@link PgVerifier} against the snapshot manifest in the
 * target-side store. A count that differs refuses the run with {@code VERIFY_MISMATCH}.
 */
@Singleton
public class PostgresUsersEngine implements UsersEngine {

    private final SecretResolver secrets;
    private final PgUserApplier applier;
    private final PgVerifier verifier;

    /** @param secrets secret resolver (admin and user passwords) */
    public PostgresUsersEngine(SecretResolver secrets) {
        this.secrets = secrets;
        PgTools tools = new PgTools(null);
        this.applier = new PgUserApplier(tools, secrets);
        this.verifier = new PgVerifier(tools);
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.POSTGRES);
    }

    /** The event must name the plan's target database on the plan's target host and port. */
    @Override
    public void requireFits(RefreshPlan plan, ClusterRestored restored) {
        DatabaseEndpoint target = plan.target();
        if (!target.database().equals(restored.database()) || !target.host().equals(restored.endpoint())
                || target.port() != restored.port()) {
            throw new EventRejectedException("it names database " + restored.database() + " on " + restored.endpoint()
                    + ":" + restored.port() + ", the plan's target is " + target.display());
        }
    }

    @Override
    public Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) throws Exception {
        SnapshotStore store = new SnapshotStore(plan.targetStore());
        DatabaseEndpoint target = plan.target();
        if (restored.dryRun()) {
            for (UserSpec u : plan.users()) {
                ctx.planned(StepName.USERS, "create or update role " + u.name() + " with " + u.grants().size()
                        + " grants on " + target.display());
            }
            ctx.planned(StepName.VERIFY, "compare every table's row count with the manifest of "
                    + restored.snapshotId());
            return new Applied(plan.users().stream().map(UserSpec::name).toList(), List.of(), 0);
        }
        Optional<SnapshotManifest> manifest = store.find(restored.snapshotId());
        if (manifest.isEmpty()) {
            return new Refused(StepName.VERIFY, ErrorCode.SNAPSHOT_NOT_FOUND, "manifest of snapshot "
                    + restored.snapshotId() + " is not in " + store.root() + "; cannot verify the restored data");
        }
        char[] password = target.passwordSecret() == null ? null : secrets.resolve(target.passwordSecret());
        try {
            List<String> users = ctx.step(StepName.USERS, () -> applier.apply(target, password, plan.users()),
                    names -> names.isEmpty() ? "plan lists no users" : "applied users and grants: " + names);
            // Tables the plan truncates were verified in the staging database before; they hold no rows now.
            SnapshotManifest expected = MaskedCounts.afterMasking(manifest.get(), plan.postgres().sanitize());
            var verification = ctx.step(StepName.VERIFY, () -> verifier.verify(target, password, expected),
                    v -> v.ok() ? v.matched().size() + " tables, " + v.rowsVerified() + " rows match the manifest"
                            : "mismatches: " + describe(v.mismatches()));
            if (!verification.ok()) {
                return new Refused(StepName.VERIFY, ErrorCode.VERIFY_MISMATCH, "restored data of " + target.display()
                        + " differs from snapshot " + restored.snapshotId() + ": " + describe(verification.mismatches())
                        + "; the restore is incomplete or the target was written to during verification");
            }
            return new Applied(users, verification.matched(), verification.rowsVerified());
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /** At most this many mismatches are spelled out; the rest are counted. */
    private static final int MISMATCHES_NAMED = 20;

    private static String describe(List<PgVerifier.Mismatch> mismatches) {
        String named = mismatches.stream().limit(MISMATCHES_NAMED).map(m -> m.table() + " expected " + m.expected()
                + " rows, found " + (m.actual() == PgVerifier.MISSING ? "no such table" : m.actual() + " rows"))
                .toList().toString();
        return mismatches.size() <= MISMATCHES_NAMED ? named
                : named + " and " + (mismatches.size() - MISMATCHES_NAMED) + " more tables";
    }
}
