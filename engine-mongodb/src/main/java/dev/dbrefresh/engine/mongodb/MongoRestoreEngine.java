package dev.dbrefresh.engine.mongodb;

import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import com.mongodb.client.MongoClient;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@code mongodb} engine's restore: {@link MongoRestorer} brings the plan's target database to a snapshot of
 * the target-side store, in the plan's {@code restore.mode}, synchronously:
 * <ul>
 *   <li>{@code replace}: staging collections, renamed over the target's once all are loaded and checked, so a
 *       failure before the renames leaves the old collections intact;</li>
 *   <li>{@code delta}: every file checked before the first write, then the fewest writes (insert, replace,
 *       delete by {@code _id}).</li>
 * </ul>
 * {@code restore.jobs} collections are restored at the same time. The restore id is the run id, so a redelivered
 * (or crashed and retried) restore continues with the collections not yet done. Only a snapshot whose manifest
 * records the plan's source (as {@link MongoIdentity} states it now) is restored ({@code SNAPSHOT_NOT_OF_SOURCE}
 * otherwise, before the target is connected to). The source is never connected to except for its identity.
 * In {@code replace} mode {@link MongoSafety} isolates the database's users and masks the staging collections
 * before the first rename; a refused mask drops the staging collections and leaves the target as it was. A
 * {@code delta} with masks is refused ({@link MongoSettings#DELTA_WITH_MASKS}).
 */
@Singleton
public class MongoRestoreEngine implements RestoreEngine {

    private final SecretResolver secrets;
    private final MongoIdentity identities;
    private final MongoRestorer restorer = new MongoRestorer();

    /**
     * @param secrets    resolves the target's password reference
     * @param identities the source's identity, which the snapshot must record
     */
    public MongoRestoreEngine(SecretResolver secrets, MongoIdentity identities) {
        this.secrets = secrets;
        this.identities = identities;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.MONGODB);
    }

    @Override
    public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
        return new MongoSnapshotStore(plan.mongodb().targetStore()).find(snapshotId).isPresent();
    }

    @Override
    public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception {
        MongoSettings m = plan.mongodb();
        DatabaseEndpoint target = m.target();
        MongoSnapshotStore store = new MongoSnapshotStore(m.targetStore());
        MongoRestorer.Mode mode = mode(m);
        SanitizeSettings sanitize = m.sanitize();
        if (mode == MongoRestorer.Mode.DELTA && !sanitize.masks().isEmpty()) {
            // A per-run restore.mode: delta (a KNOB) must not switch the masks off.
            return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.PLAN_INVALID, "plan '" + plan.name() + "': "
                    + MongoSettings.DELTA_WITH_MASKS + "; the target was not touched");
        }
        if (dryRun) {
            ctx.planned(StepName.RESTORE, "restore snapshot " + snapshotId + " from " + store.root() + " into "
                    + m.targetId() + " by " + describe(mode) + ", " + m.parallelism() + " collections at a time"
                    + "; isolation of the database's users " + (sanitize.isolation() ? "on" : "off")
                    + (sanitize.masks().isEmpty() ? "" : ", masks of " + sanitize.masks().stream()
                    .map(MongoSettings::collectionOf).toList() + " on the staging collections before the renames"));
            return restored(target);
        }
        var snapshot = store.find(snapshotId).orElseThrow(() -> new IllegalStateException("snapshot " + snapshotId
                + " is not in " + store.root()));
        String source = identities.mongodb(m.source(), m.sourceConnection()).key();
        if (!snapshot.manifest().isOf(source)) {
            return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, "snapshot "
                    + snapshotId + " in " + store.root() + " was taken of " + (snapshot.manifest().sourceIdentity() == null
                    ? "an unrecorded source (database " + snapshot.manifest().database() + ")"
                    : snapshot.manifest().sourceIdentity()) + ", not of plan '" + plan.name() + "''s source " + source
                    + "; the target was not touched");
        }
        DumpDirectory dump = DumpDirectory.read(snapshot.dir(), snapshot.manifest().database());
        var options = MongoRestorer.Options.of(mode, ctx.runId()).withParallelism(m.parallelism())
                .withBatch(m.batchDocuments(), m.batchBytes());
        char[] key = sanitize.keySecret() == null || sanitize.masks().isEmpty() ? null
                : secrets.resolve(sanitize.keySecret());
        try (MongoClient client = MongoEndpoints.open(target, m.targetConnection(), secrets)) {
            // A replace changes the target with its first rename; a delta may write into a collection before a
            // failure, so a failed delta counts as changed (also one that failed in the checks before any write).
            if (mode == MongoRestorer.Mode.DELTA) {
                ctx.markChanged();
            }
            MongoSafety safety = new MongoSafety(client, sanitize, key, m.batchDocuments(),
                    spared(plan.users(), MongoEndpoints.user(target, m.targetConnection(), secrets)), dump,
                    ctx.runId(), ctx);
            MongoRestorer.Listener listener = new MongoRestorer.Listener() {
                @Override
                public void renamed(String collection) {
                    ctx.markChanged();
                }

                @Override
                public void beforeRenames(com.mongodb.client.MongoDatabase db, java.util.List<String> pending) {
                    safety.beforeRenames(db, pending);
                }
            };
            try {
                ctx.step(StepName.RESTORE, () -> restorer.restore(dump, client.getDatabase(target.database()), options,
                        listener),
                        r -> m.targetId() + " from " + snapshotId + " by " + describe(mode) + ": " + r.collections().stream()
                                .map(c -> c.name() + " +" + c.inserted() + " ~" + c.replaced() + " -" + c.deleted() + " ="
                                        + c.unchanged() + (c.resumed() ? " (resumed)" : ""))
                                .collect(Collectors.joining(", ", "[", "]"))
                                + " (inserted, replaced, deleted, unchanged); bulk writes of at most "
                                + options.batchDocuments() + " documents or " + options.batchBytes() + " bytes"
                                + (r.dropped().isEmpty() ? "" : "; dropped " + r.dropped()));
                if (mode == MongoRestorer.Mode.DELTA) {
                    // A delta renames nothing and has no masks (refused above): only the users are isolated.
                    safety.beforeRenames(client.getDatabase(target.database()), List.of());
                }
            } catch (SanitizeException refused) {
                // Nothing was renamed: drop the staging collections, which may hold unmasked documents.
                restorer.discard(dump, client.getDatabase(target.database()), ctx.runId());
                return new RestoreProgress.Refused(refused.step(), refused.code(), refused.getMessage());
            }
        } finally {
            if (key != null) {
                Arrays.fill(key, '\0');
            }
        }
        return restored(target);
    }

    /** @return a refusal: this engine restores synchronously and never polls */
    @Override
    public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) {
        return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.UNEXPECTED_POLL, "the mongodb engine restores"
                + " synchronously and never polls; poll message for " + poll.snapshotId() + " ignored");
    }

    /**
     * @param users the plan's users
     * @param user  the user the engine connects as ({@link MongoEndpoints#user}: the plan's or the connection
     *              string's), or {@code null}
     * @return the users isolation leaves alone: that user and the plan's users ({@code keep-roles} added later)
     */
    static Set<String> spared(List<UserSpec> users, String user) {
        Set<String> spared = new TreeSet<>();
        users.forEach(u -> spared.add(u.name()));
        if (user != null) {
            spared.add(user);
        }
        return spared;
    }

    private static RestoreProgress.Restored restored(DatabaseEndpoint target) {
        return new RestoreProgress.Restored(target.host(), target.host(), target.port(), target.database());
    }

    private static MongoRestorer.Mode mode(MongoSettings m) {
        return MongoSettings.DELTA.equals(m.restoreMode()) ? MongoRestorer.Mode.DELTA : MongoRestorer.Mode.REPLACE;
    }

    private static String describe(MongoRestorer.Mode mode) {
        return mode == MongoRestorer.Mode.DELTA ? "delta (fewest writes by _id)"
                : "replace (staging collections renamed over the target's)";
    }
}
