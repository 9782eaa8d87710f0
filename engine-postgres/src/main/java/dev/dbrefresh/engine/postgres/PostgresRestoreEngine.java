package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.engine.postgres.sanitize.PgStagingSafety;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import jakarta.inject.Singleton;
import java.util.Arrays;

/**
 * The {@code postgres} engine's restore: {@link PgRestorer} replaces the target database with a
 * restore of the snapshot from the target-side store (staging database, then swap), synchronously.
 * Only a snapshot whose manifest records the plan's source (as that server identifies itself now) is
 * restored ({@code SNAPSHOT_NOT_OF_SOURCE} otherwise, before anything is touched).
 */
@Singleton
public class PostgresRestoreEngine implements RestoreEngine {

    private final SecretResolver secrets;
    private final PostgresIdentity identities;
    private final PgTools tools = new PgTools(null);
    private final PgRestorer restorer = new PgRestorer(tools);

    /**
     * @param secrets    secret resolver (target password)
     * @param identities the source's identity, which the snapshot must record
     */
    public PostgresRestoreEngine(SecretResolver secrets, PostgresIdentity identities) {
        this.secrets = secrets;
        this.identities = identities;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.POSTGRES);
    }

    @Override
    public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
        return snapshotId.matches(SnapshotStore.ID_REGEX) && new SnapshotStore(plan.targetStore()).find(snapshotId).isPresent();
    }

    @Override
    public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception {
        SnapshotStore store = new SnapshotStore(plan.targetStore());
        var target = plan.target();
        if (dryRun) {
            ctx.planned(StepName.RESTORE, "pg_restore -j " + plan.restoreJobs() + " of snapshot " + snapshotId
                    + " from " + store.root() + " into a staging database, then DROP DATABASE " + target.database()
                    + " and rename the staging database to it on " + target.host() + ":" + target.port());
            SanitizeSettings sanitize = plan.postgres().sanitize();
            ctx.planned(StepName.SANITIZE, "in the staging database before the swap: "
                    + (sanitize.checksums() ? "content checksums compared with the snapshot's, " : "")
                    + (sanitize.isolation() ? "foreign servers, subscriptions, pg_cron jobs and event triggers removed,"
                    + " CONNECT revoked from PUBLIC, " : "") + sanitize.masks().size() + " tables and "
                    + sanitize.sqlFiles().size() + " sql: files masked, then ANALYZE");
            return new RestoreProgress.Restored(target.host(), target.host(), target.port(), target.database());
        }
        var snapshot = store.find(snapshotId).orElseThrow();
        String source = identities.postgres(plan.source()).key();
        if (!snapshot.isOf(source)) {
            return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, "snapshot "
                    + snapshotId + " in " + store.root() + " was taken of " + (snapshot.sourceIdentity() == null
                    ? "an unrecorded source (" + snapshot.source() + ")" : snapshot.sourceIdentity()) + ", not of plan '"
                    + plan.name() + "''s source " + source + "; the target was not touched");
        }
        char[] password = target.passwordSecret() == null ? null : secrets.resolve(target.passwordSecret());
        SanitizeSettings sanitize = plan.postgres().sanitize();
        char[] key = sanitize.keySecret() == null ? null : secrets.resolve(sanitize.keySecret());
        try {
            // Verification, isolation, masking and ANALYZE run in the staging database, before the swap.
            PgStagingSafety safety = new PgStagingSafety(tools, password, sanitize, snapshot, store.dumpFile(snapshot),
                    key, spared(plan), ctx, target.database());
            // A failed pg_restore leaves the old target in place (restore into a staging database, then swap).
            var clone = plan.postgres().cloneRun();
            ctx.step(StepName.RESTORE, () -> clone != null
                    ? restorer.restoreClone(target, password, store.dumpFile(snapshot), snapshot.snapshotId(),
                            ctx.runId(), clone, safety)
                    : restorer.restore(target, password, store.dumpFile(snapshot), snapshot.snapshotId(), ctx.runId(),
                            plan.restoreJobs(), plan.postgres().templateFastPath(), safety),
                    r -> (r.restored() ? "restored " : "already restored, nothing touched: ") + plan.targetId()
                    + " from " + snapshot.snapshotId() + (clone != null ? " (clone of " + clone.of() + "'s pristine"
                    + " copy, expires " + (clone.expires() == null ? "never" : clone.expires()) + ")"
                    : " (pg_restore -j " + plan.restoreJobs() + ")"));
            ctx.markChanged();
        } catch (SanitizeException refused) {
            return new RestoreProgress.Refused(refused.step(), refused.code(), refused.getMessage());
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
            if (key != null) {
                Arrays.fill(key, '\0');
            }
        }
        return new RestoreProgress.Restored(target.host(), target.host(), target.port(), target.database());
    }

    /** The roles isolation never locks: the target user, the plan's users and its {@code keep-roles}. */
    private static Set<String> spared(RefreshPlan plan) {
        Set<String> spared = new java.util.TreeSet<>(plan.postgres().sanitize().keepRoles());
        plan.users().forEach(u -> spared.add(u.name()));
        if (plan.target().username() != null) {
            spared.add(plan.target().username());
        }
        return spared;
    }

    @Override
    public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) {
        return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.UNEXPECTED_POLL, "the postgres engine restores"
                + " synchronously and never polls; poll message for " + poll.snapshotId() + " ignored");
    }
}
