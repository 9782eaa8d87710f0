package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code postgres} engine's snapshot: a requested snapshot from the source store, the newest one
 * of a date, the newest one ({@code snapshot.mode: latest}), or a new {@code pg_dump}
 * ({@link PgDumpSnapshotter}); then the checksummed copy into the target-side store. Everything is
 * synchronous: the engine never waits.
 *
 * <p>A redelivered start message finds its own earlier work: the snapshot id is derived from the plan
 * and the start message's time, and the copy is skipped when the target store holds it with the same
 * checksum.
 *
 * <p>A snapshot belongs to its source: every manifest records the identity of the server and database
 * it was dumped from ({@link SnapshotManifest#sourceIdentity()}), and a requested snapshot, the newest
 * one of a date and the newest one are chosen only among the snapshots of the plan's own source, as
 * that server identifies itself now. A store shared by several plans, or a snapshot id sent by hand,
 * cannot make a run restore another database's data.
 *
 * <p>A reset ({@link RefreshRequested#resetMode()}) uses the snapshot the target's pristine copy holds
 * ({@link PgPristine#snapshotOf}, read on the target server), so the restore copies that database as a template;
 * {@code RESET_NOT_AVAILABLE} when there is none.
 */
@Singleton
public class PostgresSnapshotEngine implements SnapshotEngine {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss'z'")
            .withZone(ZoneOffset.UTC);

    private final SecretResolver secrets;
    private final PostgresIdentity identities;
    private final PgTools tools = new PgTools(null);
    private final PgDumpSnapshotter snapshotter = new PgDumpSnapshotter(tools);

    /**
     * @param secrets    secret resolver (source password)
     * @param identities the source's identity, which every snapshot must record
     */
    public PostgresSnapshotEngine(SecretResolver secrets, PostgresIdentity identities) {
        this.secrets = secrets;
        this.identities = identities;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.POSTGRES);
    }

    @Override
    public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception {
        SnapshotStore sourceStore = new SnapshotStore(plan.sourceStore());
        SnapshotStore targetStore = new SnapshotStore(plan.targetStore());
        String source = identities.postgres(plan.source()).key();
        if (request.resetMode() || plan.postgres().cloneRun() != null) {
            // a clone is made from the pristine copy too, like a reset (never from a snapshot the message names)
            String of = plan.postgres().pristineOf();
            Optional<String> pristine = pristineSnapshot(plan);
            if (pristine.isEmpty()) {
                return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.RESET_NOT_AVAILABLE, "there is no"
                        + " complete pristine copy of " + of + " on " + plan.target().host() + ":" + plan.target().port()
                        + " (" + PgPristine.name(of) + ") to " + (plan.postgres().cloneRun() != null ? "clone" : "reset")
                        + " from; nothing was changed. Run one refresh of plan '" + plan.name() + "' first: with"
                        + " fast-path: template it keeps the pristine copy");
            }
            ctx.skipped(StepName.PICK_SNAPSHOT, (plan.postgres().cloneRun() != null ? "clone " + plan.target().database()
                    : "reset") + ": the pristine copy " + PgPristine.name(of) + " holds snapshot " + pristine.get());
            request = new RefreshRequested(request.plan(), pristine.get(), null, request.dryRun(), request.trigger(),
                    request.values(), request.mode());
        }
        Optional<SnapshotManifest> picked = pick(plan, request, sourceStore, source, ctx);
        if (picked.isEmpty()) {
            return notFound(plan, request, sourceStore);
        }
        if (!picked.get().isOf(source)) {
            return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, "snapshot "
                    + picked.get().snapshotId() + " in " + sourceStore.root() + " was taken of "
                    + Optional.ofNullable(picked.get().sourceIdentity()).orElse("an unrecorded source ("
                    + picked.get().source() + ")") + ", not of plan '" + plan.name() + "''s source " + source
                    + "; nothing was changed. Name a snapshot of this plan's source, or start without one to take it");
        }
        String snapshotId = picked.get().snapshotId();
        if (request.dryRun()) {
            ctx.planned(StepName.COPY, "copy " + snapshotId + " from " + sourceStore.root() + " to "
                    + targetStore.root() + (targetStore.find(snapshotId).isPresent() ? " (skipped: the copy exists)"
                    : ""));
            return new SnapshotProgress.Ready(snapshotId, snapshotId, picked.get().sizeBytes(), picked.get().checksum(),
                    false);
        }
        var copy = ctx.step(StepName.COPY, () -> targetStore.copyFrom(sourceStore, snapshotId),
                r -> (r.linked() ? "linked (same file system, checksum verified) " : r.copied() ? "copied "
                        : "copy exists, checksum verified: ") + snapshotId + " (" + r.manifest().sizeBytes()
                        + " bytes) to " + targetStore.root());
        return new SnapshotProgress.Ready(snapshotId, snapshotId, copy.manifest().sizeBytes(), copy.manifest().checksum(),
                copy.copied());
    }

    /**
     * @param plan a postgres plan
     * @return the snapshot id the target's complete pristine copy holds, as its comment on the target server says
     *         (never a value from the message); empty when there is none
     * @throws java.sql.SQLException when the target server cannot be reached (retried)
     */
    private Optional<String> pristineSnapshot(RefreshPlan plan) throws java.sql.SQLException {
        var target = plan.target();
        char[] password = target.passwordSecret() == null ? null : secrets.resolve(target.passwordSecret());
        try (java.sql.Connection c = tools.connect(target.withDatabase(PgRestorer.MAINTENANCE_DB), password)) {
            return PgPristine.snapshotOf(c, plan.postgres().pristineOf());
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    @Override
    public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) {
        return new SnapshotProgress.Refused(StepName.COPY, ErrorCode.UNEXPECTED_POLL, "the postgres engine copies"
                + " synchronously and never polls; poll message for " + poll.snapshotId() + " ignored");
    }

    private Optional<SnapshotManifest> pick(RefreshPlan plan, RefreshRequested request, SnapshotStore store,
            String source, StepContext ctx) throws Exception {
        if (request.snapshotId() != null) {
            Optional<SnapshotManifest> given = validId(request.snapshotId()) ? store.find(request.snapshotId())
                    : Optional.empty();
            given.ifPresent(m -> ctx.skipped(StepName.PICK_SNAPSHOT, "using the requested snapshot " + m.snapshotId()));
            return given;
        }
        if (request.date() != null) {
            Optional<SnapshotManifest> onDate = list(store).filter(m -> m.isOf(source))
                    .filter(m -> m.createdAt().atZone(ZoneOffset.UTC).toLocalDate().equals(request.date()))
                    .max(Comparator.comparing(SnapshotManifest::createdAt));
            onDate.ifPresent(m -> ctx.skipped(StepName.PICK_SNAPSHOT, "newest snapshot of " + request.date() + ": "
                    + m.snapshotId()));
            return onDate;
        }
        if ("latest".equals(plan.snapshotMode())) {
            Optional<SnapshotManifest> newest = list(store).filter(m -> m.isOf(source))
                    .max(Comparator.comparing(SnapshotManifest::createdAt));
            newest.ifPresent(m -> ctx.skipped(StepName.PICK_SNAPSHOT, "newest snapshot " + m.snapshotId()));
            return newest;
        }
        String id = snapshotId(plan, ctx.envelope().time());
        if (request.dryRun()) {
            ctx.planned(StepName.DUMP, "pg_dump -Fc of " + plan.source().display() + " into "
                    + store.root().resolve(id));
            return Optional.of(new SnapshotManifest(id, Engine.POSTGRES.id(), plan.source().display(), Instant.now(),
                    "pg_dump-custom", "dump.pgdump", 0, null, java.util.List.of()).ofSource(plan.name(), source));
        }
        char[] password = plan.source().passwordSecret() == null ? null : secrets.resolve(plan.source().passwordSecret());
        try {
            boolean checksums = plan.postgres().sanitize().checksums();
            return Optional.of(ctx.step(StepName.DUMP, () -> snapshotter.snapshot(plan.source(), password, store,
                    id, plan.name(), checksums), m -> "snapshot " + m.snapshotId() + " of " + m.source() + ": "
                    + m.tables().size() + " tables, " + m.totalRows() + " rows, " + m.sizeBytes() + " bytes"
                    + (m.checksums() == null ? "" : ", content checksums of " + m.checksums().size() + " tables")));
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    private static SnapshotProgress notFound(RefreshPlan plan, RefreshRequested request, SnapshotStore store) {
        String what = request.snapshotId() != null ? "snapshot '" + request.snapshotId() + "' is not in"
                : request.date() != null ? "no snapshot of the plan's source taken on " + request.date() + " (UTC) is in"
                : "plan '" + plan.name() + "' restores the newest snapshot of its source but there is none in";
        String hint = request.snapshotId() != null ? "Start without --snapshot to take a new one, or name an existing snapshot"
                : request.date() != null ? "Pick another date" : "Set snapshot.mode: create to take one";
        return new SnapshotProgress.Refused(StepName.PICK_SNAPSHOT, ErrorCode.SNAPSHOT_NOT_FOUND, what + " the source"
                + " snapshot store " + store.root() + "; nothing was changed. " + hint);
    }

    /**
     * @param plan a plan
     * @param time the start message's time
     * @return {@code <plan>-<source database>-<yyyyMMdd't'HHmmss'z'>}, reduced to the store's id characters:
     *         two plans sharing a store never write the same id
     */
    static String snapshotId(RefreshPlan plan, Instant time) {
        String base = (plan.name() + "-" + plan.source().database()).replaceAll("[^A-Za-z0-9._-]", "_");
        if (!Character.isLetterOrDigit(base.charAt(0))) {
            base = "db" + base;
        }
        return base + "-" + ID_TIME.format(time == null ? Instant.now() : time);
    }

    private static boolean validId(String id) {
        return id.matches(SnapshotStore.ID_REGEX);
    }

    private static Stream<SnapshotManifest> list(SnapshotStore store) throws IOException {
        if (!Files.isDirectory(store.root())) {
            return Stream.empty();
        }
        try (Stream<Path> dirs = Files.list(store.root())) {
            return dirs.map(d -> d.getFileName().toString()).filter(PostgresSnapshotEngine::validId)
                    .map(store::find).flatMap(Optional::stream).toList().stream();
        }
    }
}
