package dev.dbrefresh.snapshot.domain;

import dev.dbrefresh.contracts.RefreshRequested;
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
import dev.dbrefresh.snapshot.postgres.PgDumpSnapshotter;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The first step of a run: check the plan, take the target's lease, pick or take the snapshot, copy
 * it to the target side, set the plan's "latest" parameter, publish {@code snapshot.ready}.
 *
 * <p>Every refusal happens before anything is changed: an unknown plan ({@code PLAN_NOT_FOUND}), a
 * guard rule ({@link RefreshGuard}), a target busy with another run ({@code TARGET_BUSY}), a missing
 * snapshot ({@code SNAPSHOT_NOT_FOUND}). A redelivered start message finds its own earlier work: the
 * snapshot id is derived from the start message's time, the lease is already the run's, the copy
 * exists (checksum verified) and the parameter already holds the id.
 */
@Singleton
public class SnapshotStep {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss'z'")
            .withZone(ZoneOffset.UTC);

    private final PlanCatalog plans;
    private final LeaseStore leases;
    private final ParameterStore parameters;
    private final SecretResolver secrets;
    private final PgDumpSnapshotter snapshotter;
    private final Duration leaseTtl;

    /**
     * @param plans      refresh plans
     * @param leases     target leases
     * @param parameters parameter store (latest/current)
     * @param secrets    secret resolver
     * @param leaseHours how long a run may hold its target without ending, hours
     */
    public SnapshotStep(PlanCatalog plans, LeaseStore leases, ParameterStore parameters, SecretResolver secrets,
            @Value("${dbrefresh.lease.ttl-hours:6}") int leaseHours) {
        this.plans = plans;
        this.leases = leases;
        this.parameters = parameters;
        this.secrets = secrets;
        this.snapshotter = new PgDumpSnapshotter(new PgTools(null));
        this.leaseTtl = Duration.ofHours(leaseHours);
    }

    /**
     * @param request the start message's payload
     * @param ctx     audit, publishing and failures of this delivery
     * @throws Exception a failure worth retrying (database or store unavailable)
     */
    public void handle(RefreshRequested request, StepContext ctx) throws Exception {
        Optional<RefreshPlan> found = plans.find(request.plan());
        if (found.isEmpty()) {
            ctx.fail("plan", "PLAN_NOT_FOUND", "no refresh plan named '" + request.plan() + "'; configured plans: "
                    + plans.all().keySet().stream().sorted().toList());
            return;
        }
        RefreshPlan plan = found.get();
        var violation = RefreshGuard.check(plan);
        if (violation.isPresent()) {
            ctx.fail("guard", violation.get().errorCode(), violation.get().message());
            return;
        }
        if (request.dryRun()) {
            ctx.fail("plan", "DRY_RUN_UNSUPPORTED", "dry-run is not available for engine '" + plan.engine()
                    + "' yet; nothing was changed. Start the run without --dry-run");
            return;
        }
        String target = plan.target().display();
        Optional<String> holder = leases.acquire(target, ctx.runId(), leaseTtl);
        if (holder.isPresent()) {
            ctx.fail("lease", "TARGET_BUSY", "target " + target + " is being refreshed by run " + holder.get()
                    + "; this run was not started. Wait for it to end (dbrefresh status " + holder.get() + ")");
            return;
        }
        SnapshotStore sourceStore = new SnapshotStore(plan.sourceStore());
        SnapshotStore targetStore = new SnapshotStore(plan.targetStore());

        Optional<SnapshotManifest> picked = pick(request, plan, sourceStore, ctx);
        if (picked.isEmpty()) {
            return;
        }
        String snapshotId = picked.get().snapshotId();
        var copy = ctx.step("copy", () -> targetStore.copyFrom(sourceStore, snapshotId),
                r -> (r.copied() ? "copied " : "copy exists, checksum verified: ") + snapshotId + " ("
                        + r.manifest().sizeBytes() + " bytes) to " + targetStore.root());
        ctx.step("parameter", () -> parameters.put(plan.latestParameter(), snapshotId),
                v -> plan.latestParameter() + " = " + snapshotId + " (version " + v + ")");
        ctx.publish(new SnapshotReady(plan.name(), plan.engine(), snapshotId, snapshotId, copy.manifest().sizeBytes(),
                copy.manifest().checksum(), copy.copied()));
    }

    private Optional<SnapshotManifest> pick(RefreshRequested request, RefreshPlan plan, SnapshotStore store,
            StepContext ctx) throws Exception {
        if (request.snapshotId() != null) {
            Optional<SnapshotManifest> given = validId(request.snapshotId()) ? store.find(request.snapshotId())
                    : Optional.empty();
            if (given.isEmpty()) {
                ctx.fail("pick-snapshot", "SNAPSHOT_NOT_FOUND", "snapshot '" + request.snapshotId()
                        + "' is not in the source snapshot store " + store.root() + "; nothing was changed."
                        + " Start without --snapshot to take a new one, or name an existing snapshot");
                return Optional.empty();
            }
            ctx.skipped("pick-snapshot", "using the requested snapshot " + request.snapshotId());
            return given;
        }
        if (request.date() != null) {
            Optional<SnapshotManifest> onDate = list(store)
                    .filter(m -> m.createdAt().atZone(ZoneOffset.UTC).toLocalDate().equals(request.date()))
                    .max(Comparator.comparing(SnapshotManifest::createdAt));
            if (onDate.isEmpty()) {
                ctx.fail("pick-snapshot", "SNAPSHOT_NOT_FOUND", "no snapshot taken on " + request.date()
                        + " (UTC) in " + store.root() + "; nothing was changed");
                return Optional.empty();
            }
            ctx.skipped("pick-snapshot", "newest snapshot of " + request.date() + ": " + onDate.get().snapshotId());
            return onDate;
        }
        if ("latest".equals(plan.snapshotMode())) {
            Optional<SnapshotManifest> newest = store.newest();
            if (newest.isEmpty()) {
                ctx.fail("pick-snapshot", "SNAPSHOT_NOT_FOUND", "plan '" + plan.name() + "' restores the newest"
                        + " snapshot but " + store.root() + " has none; nothing was changed."
                        + " Set snapshot.mode: create to take one");
                return Optional.empty();
            }
            ctx.skipped("pick-snapshot", "newest snapshot " + newest.get().snapshotId());
            return newest;
        }
        // A redelivered start message derives the same id and finds the snapshot it took before.
        String id = snapshotId(plan, ctx.envelope().time());
        char[] password = plan.source().passwordSecret() == null ? null : secrets.resolve(plan.source().passwordSecret());
        try {
            return Optional.of(ctx.step("dump", () -> snapshotter.snapshot(plan.source(), password, store, id),
                    m -> "snapshot " + m.snapshotId() + " of " + m.source() + ": " + m.tables().size() + " tables, "
                            + m.totalRows() + " rows, " + m.sizeBytes() + " bytes"));
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * @param plan a plan
     * @param time the start message's time
     * @return {@code <source database>-<yyyyMMdd't'HHmmss'z'>}, reduced to the store's id characters
     */
    static String snapshotId(RefreshPlan plan, Instant time) {
        String base = plan.source().database().replaceAll("[^A-Za-z0-9._-]", "_");
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
        try (Stream<java.nio.file.Path> dirs = Files.list(store.root())) {
            return dirs.map(d -> d.getFileName().toString()).filter(SnapshotStep::validId)
                    .map(store::find).flatMap(Optional::stream).toList().stream();
        }
    }
}
