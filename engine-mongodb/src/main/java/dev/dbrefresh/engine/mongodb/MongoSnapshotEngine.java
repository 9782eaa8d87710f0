package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoClient;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code mongodb} engine's snapshot: a requested snapshot from the source store, the newest one of a date, the
 * newest one ({@code snapshot.mode: latest}), or a new dump of the plan's source database ({@link MongoSnapshotter},
 * mongodump's layout, the plan's collections) into the source store; then the checked copy into the target-side
 * store ({@link MongoSnapshotStore#copyFrom}). Synchronous: the engine never polls.
 *
 * <p>The source is only read: {@code listCollections}, {@code listIndexes} and {@code find}. A snapshot belongs
 * to its source: its manifest records the source's identity as {@link MongoIdentity} states it, and only
 * snapshots of the plan's own source are picked or copied ({@code SNAPSHOT_NOT_OF_SOURCE} otherwise). The new
 * snapshot's id is derived from the plan and the start message's time, so a redelivered start finds its own dump.
 */
@Singleton
public class MongoSnapshotEngine implements SnapshotEngine {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss'z'")
            .withZone(ZoneOffset.UTC);

    private final SecretResolver secrets;
    private final MongoIdentity identities;
    private final MongoSnapshotter snapshotter = new MongoSnapshotter();

    /**
     * @param secrets    resolves the source's password reference
     * @param identities the source's identity, which every snapshot records
     */
    public MongoSnapshotEngine(SecretResolver secrets, MongoIdentity identities) {
        this.secrets = secrets;
        this.identities = identities;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.MONGODB);
    }

    @Override
    public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception {
        MongoSettings m = plan.mongodb();
        MongoSnapshotStore sourceStore = new MongoSnapshotStore(m.sourceStore());
        MongoSnapshotStore targetStore = new MongoSnapshotStore(m.targetStore());
        String source = identities.mongodb(m.source(), m.sourceConnection()).key();
        Optional<MongoSnapshotStore.Snapshot> picked = pick(plan, request, sourceStore, source, ctx);
        if (picked.isEmpty()) {
            return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_FOUND, notFound(plan,
                    request) + " the source snapshot store " + sourceStore.root() + "; nothing was changed");
        }
        MongoSnapshotStore.Snapshot snapshot = picked.get();
        if (!snapshot.manifest().isOf(source)) {
            return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, "snapshot "
                    + snapshot.id() + " in " + sourceStore.root() + " was taken of " + Optional.ofNullable(
                    snapshot.manifest().sourceIdentity()).orElse("an unrecorded source (database "
                    + snapshot.manifest().database() + ")") + ", not of plan '" + plan.name() + "''s source " + source
                    + "; nothing was changed. Name a snapshot of this plan's source, or start without one to take it");
        }
        if (request.dryRun()) {
            ctx.planned(StepName.COPY, "copy " + snapshot.id() + " from " + sourceStore.root() + " to "
                    + targetStore.root() + (targetStore.find(snapshot.id()).isPresent() ? " (skipped: the copy exists)"
                    : ""));
            return new SnapshotProgress.Ready(snapshot.id(), snapshot.id(), snapshot.manifest().totalBytes(), null,
                    false);
        }
        var copy = ctx.step(StepName.COPY, () -> targetStore.copyFrom(sourceStore, snapshot.id()),
                c -> (c.copied() ? "copied " : "copy exists, files checked against the manifest: ") + snapshot.id()
                        + " (" + c.sizeBytes() + " bytes) to " + targetStore.root());
        return new SnapshotProgress.Ready(snapshot.id(), snapshot.id(), copy.sizeBytes(), copy.checksum(),
                copy.copied());
    }

    /** @return a refusal: this engine copies synchronously and never polls */
    @Override
    public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) {
        return new SnapshotProgress.Refused(StepName.COPY, ErrorCode.UNEXPECTED_POLL, "the mongodb engine copies"
                + " synchronously and never polls; poll message for " + poll.snapshotId() + " ignored");
    }

    private Optional<MongoSnapshotStore.Snapshot> pick(RefreshPlan plan, RefreshRequested request,
            MongoSnapshotStore store, String source, StepContext ctx) throws Exception {
        if (request.snapshotId() != null) {
            var given = store.find(request.snapshotId());
            given.ifPresent(s -> ctx.skipped(StepName.PICK_SNAPSHOT, "using the requested snapshot " + s.id()));
            return given;
        }
        if (request.date() != null) {
            var onDate = store.list().stream().filter(s -> s.manifest().isOf(source))
                    .filter(s -> s.manifest().createdAt().atZone(ZoneOffset.UTC).toLocalDate().equals(request.date()))
                    .max(MongoSnapshotStore.byCreation());
            onDate.ifPresent(s -> ctx.skipped(StepName.PICK_SNAPSHOT, "newest snapshot of " + request.date() + ": "
                    + s.id()));
            return onDate;
        }
        if ("latest".equals(plan.snapshotMode())) {
            var newest = store.list().stream().filter(s -> s.manifest().isOf(source))
                    .max(MongoSnapshotStore.byCreation());
            newest.ifPresent(s -> ctx.skipped(StepName.PICK_SNAPSHOT, "newest snapshot " + s.id()));
            return newest;
        }
        MongoSettings m = plan.mongodb();
        String id = snapshotId(plan, ctx.envelope().time());
        Optional<MongoSnapshotStore.Snapshot> earlier = store.find(id);
        if (earlier.isPresent()) { // a redelivered start: its dump is complete
            ctx.skipped(StepName.DUMP, "snapshot " + id + " of this start exists already");
            return earlier;
        }
        CollectionSelector selector = selector(m);
        if (request.dryRun()) {
            ctx.planned(StepName.DUMP, "dump " + selector + " of " + m.sourceId() + " in mongodump's layout into "
                    + store.root().resolve(id));
            return Optional.of(new MongoSnapshotStore.Snapshot(id, store.root().resolve(id), new DumpManifest(
                    m.source().database(), Instant.now(), DumpManifest.NONE, "dry run", false, java.util.List.of(),
                    java.util.List.of(), source)));
        }
        var options = new MongoSnapshotter.Options(selector, false, MongoSnapshotter.PointInTime.PREFER, source);
        return Optional.of(ctx.step(StepName.DUMP, () -> store.create(id, dir -> {
            try (MongoClient client = MongoEndpoints.open(m.source(), m.sourceConnection(), secrets)) {
                return snapshotter.dump(client, m.source().database(), dir, options);
            }
        }), s -> "snapshot " + s.id() + " of " + m.sourceId() + ": " + s.manifest().collections().size()
                + " collections, " + s.manifest().totalDocuments() + " documents, " + s.manifest().totalBytes()
                + " bytes of BSON; point in time: " + s.manifest().pointInTime()
                + (s.manifest().skipped().isEmpty() ? "" : "; skipped " + s.manifest().skipped())));
    }

    /**
     * @param m a plan's settings
     * @return the collections its snapshots take
     */
    static CollectionSelector selector(MongoSettings m) {
        if (m.collectionPattern() != null) {
            return CollectionSelector.matching(m.collectionPattern());
        }
        return m.collections().isEmpty() ? CollectionSelector.all() : CollectionSelector.of(m.collections());
    }

    private static String notFound(RefreshPlan plan, RefreshRequested request) {
        return request.snapshotId() != null ? "snapshot '" + request.snapshotId() + "' is not in"
                : request.date() != null ? "no snapshot of the plan's source taken on " + request.date() + " (UTC) is in"
                : "plan '" + plan.name() + "' restores the newest snapshot of its source but there is none in";
    }

    /**
     * @param plan a {@code mongodb} plan
     * @param time the start message's time ({@code null}: now)
     * @return {@code <plan>-<source database>-<yyyyMMdd't'HHmmss'z'>}, reduced to {@link MongoSnapshotStore#ID_REGEX}'s
     *         characters
     */
    static String snapshotId(RefreshPlan plan, Instant time) {
        String base = (plan.name() + "-" + plan.mongodb().source().database()).replaceAll("[^A-Za-z0-9._-]", "_");
        if (!Character.isLetterOrDigit(base.charAt(0))) {
            base = "db" + base;
        }
        return base + "-" + ID_TIME.format(time == null ? Instant.now() : time);
    }
}
