package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.TableChecksum;
import dev.dbrefresh.engine.postgres.PgRestorer;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code postgres} engine's safety steps, run by {@link PgRestorer} inside the staging database after
 * {@code pg_restore} and before the swap, each its own audit step with its duration and what it changed:
 * <ol>
 *   <li>{@code isolate} ({@code sanitize.isolation}, on by default): {@link PgIsolation}, first, so that nothing
 *       restored can reach production for longer than needed, and because a database holding a subscription cannot
 *       be dropped (the failure path drops the staging database). It changes no row of an ordinary table;</li>
 *   <li>{@code verify-checksums} (plans with {@code verify: checksums}): every ordinary table's content checksum
 *       compared with the one the dump read ({@link PgContentChecksums}), before any mask, since it compares with
 *       production;</li>
 *   <li>{@code sanitize} and {@code verify-masks} (plans with masks): {@link PgMasker} in one transaction, committed
 *       only after the sampled check passed;</li>
 *   <li>{@code analyze}: {@code ANALYZE}, so the copy has planner statistics before anyone queries it; skipped
 *       (and said so) when the staging database already holds statistics of its content and nothing was masked:
 *       a template copy of a pristine copy that was analyzed before it was kept, whose statistics came with it.</li>
 * </ol>
 * With {@code fast-path: template}, {@link #beforePristine} runs {@code analyze:pristine} ({@code ANALYZE}) right after
 * {@code pg_restore}, before the pristine copy is taken, so the copy keeps the statistics and a reset needs no
 * {@code ANALYZE} of its own. {@code ANALYZE} changes no row and evaluates nothing that {@code pg_restore}'s index
 * builds did not evaluate already (index expressions), so running it before isolation exposes nothing new.
 * Any failure drops the staging database ({@link PgRestorer.BeforeSwap}); refusals are {@link SanitizeException}s.
 */
public final class PgStagingSafety implements PgRestorer.BeforeSwap {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PgStagingSafety.class);

    private final PgTools tools;
    private final char[] password;
    private final SanitizeSettings settings;
    private final SnapshotManifest manifest;
    private final Path dumpFile;
    private final PgMasker masker;
    private final Set<String> spared;
    private final StepContext ctx;
    private final String targetDatabase;

    /**
     * As the nine-argument constructor without the target's name: isolation does not look for the target server's
     * pg_cron jobs that run against the target.
     *
     * @param tools    access to the target server
     * @param password the target user's password, or {@code null}; not cleared here
     * @param settings the plan's sanitize settings
     * @param manifest the restored snapshot's manifest (its checksums)
     * @param dumpFile the restored dump (its table of contents names the snapshot's roles)
     * @param key      the HMAC key, or {@code null} when no mask is keyed; not kept, the caller clears it
     * @param spared   roles isolation never locks: the target user and the plan's users (the settings'
     *                 {@code keep-roles} are added)
     * @param ctx      the audit of this delivery
     */
    public PgStagingSafety(PgTools tools, char[] password, SanitizeSettings settings, SnapshotManifest manifest,
            Path dumpFile, char[] key, Collection<String> spared, StepContext ctx) {
        this(tools, password, settings, manifest, dumpFile, key, spared, ctx, null);
    }

    /**
     * @param tools    access to the target server
     * @param password the target user's password, or {@code null}; not cleared here
     * @param settings the plan's sanitize settings
     * @param manifest the restored snapshot's manifest (its checksums)
     * @param dumpFile the restored dump (its table of contents names the snapshot's roles and its pg_cron jobs)
     * @param key      the HMAC key, or {@code null} when no mask is keyed; not kept, the caller clears it
     * @param spared   roles isolation never locks: the target user and the plan's users (the settings'
     *                 {@code keep-roles} are added)
     * @param ctx      the audit of this delivery
     * @param targetDatabase the name the staging database will have after the swap: isolation reports the jobs of
     *                 the target server's pg_cron that run against it (and leaves them: they are the server's own),
     *                 or {@code null} not to look
     */
    public PgStagingSafety(PgTools tools, char[] password, SanitizeSettings settings, SnapshotManifest manifest,
            Path dumpFile, char[] key, Collection<String> spared, StepContext ctx, String targetDatabase) {
        this.targetDatabase = targetDatabase;
        this.tools = Objects.requireNonNull(tools, "tools");
        this.password = password;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.manifest = Objects.requireNonNull(manifest, "manifest");
        this.dumpFile = dumpFile;
        this.masker = new PgMasker(settings, key);
        Set<String> all = new TreeSet<>(spared);
        all.addAll(settings.keepRoles());
        this.spared = Set.copyOf(all);
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    @Override
    public void prepare(DatabaseEndpoint staging) throws Exception {
        prepare(staging, false);
    }

    /**
     * Analyzes the freshly restored staging database before the pristine copy is taken (audit step
     * {@code analyze:pristine}).
     *
     * @return {@code true}
     * @throws Exception when {@code ANALYZE} fails
     */
    @Override
    public boolean beforePristine(DatabaseEndpoint staging) throws Exception {
        try (Connection c = tools.connect(staging, password)) {
            c.setAutoCommit(true);
            ctx.step(StepName.ANALYZE, "pristine", () -> analyze(c), d -> d + ", before the pristine copy was taken"
                    + " (the copy keeps the statistics)");
        }
        return true;
    }

    @Override
    public void prepare(DatabaseEndpoint staging, boolean analyzed) throws Exception {
        try (Connection c = tools.connect(staging, password)) {
            c.setAutoCommit(true);
            if (settings.isolation()) {
                Collection<String> roles = settings.lockServerRoles() ? snapshotRoles(c) : List.of();
                ctx.step(StepName.ISOLATE, () -> new PgIsolation(spared, settings.lockServerRoles())
                        .isolate(c, staging.database(), roles).withCron(dumpFile == null ? List.of()
                                : PgCron.jobsInDump(tools, dumpFile), serverCronJobs(c, staging)),
                        PgIsolation.Findings::describe);
            } else {
                ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; foreign servers, subscriptions,"
                        + " event triggers and roles were left as restored (pg_cron and its jobs are never restored)");
            }
            if (settings.checksums()) {
                ctx.step(StepName.VERIFY_CHECKSUMS, () -> verifyChecksums(c), d -> d);
            }
            if (settings.masking()) {
                mask(c);
            } else {
                ctx.skipped(StepName.SANITIZE, "the plan has no sanitize.masks: nothing was masked");
            }
            if (analyzed && !settings.masking()) {
                ctx.skipped(StepName.ANALYZE, "the database holds the statistics of the analyzed pristine copy"
                        + " (copied with it, or gathered before it was taken), and nothing was masked since");
            } else {
                ctx.step(StepName.ANALYZE, () -> analyze(c), d -> d);
            }
        }
    }

    /**
     * The jobs of the target server's pg_cron (in its cron database, when that is another database) whose
     * {@code database} is the target; empty when pg_cron is not loaded there. Only reported: they were scheduled on
     * the target server, not restored from the snapshot. Where the target user cannot read them, the log says so.
     */
    private List<String> serverCronJobs(Connection c, DatabaseEndpoint staging) throws SQLException {
        if (targetDatabase == null) {
            return List.of();
        }
        java.util.Optional<String> cronDb = PgCron.cronDatabase(c);
        if (cronDb.isEmpty() || cronDb.get().equals(staging.database())) {
            return List.of();
        }
        try (Connection cron = tools.connect(staging.withDatabase(cronDb.get()), password)) {
            return PgCron.installedIn(cron) ? PgCron.jobs(cron, targetDatabase) : List.of();
        } catch (SQLException e) {
            LOG.warn("cannot read the pg_cron jobs of {} that run against {}: {}", cronDb.get(), targetDatabase,
                    e.getMessage());
            return List.of();
        }
    }

    private String verifyChecksums(Connection c) throws SQLException {
        if (manifest.tables().isEmpty()) {
            throw new SanitizeException(StepName.VERIFY_CHECKSUMS, ErrorCode.VERIFY_EMPTY, "the manifest of snapshot "
                    + manifest.snapshotId() + " lists no table: there is nothing to verify; the old target was kept."
                    + " Check the source database and the snapshot");
        }
        if (manifest.checksums() == null) {
            throw new SanitizeException(StepName.VERIFY_CHECKSUMS, ErrorCode.VERIFY_CHECKSUM_MISMATCH, "snapshot "
                    + manifest.snapshotId() + " was taken without content checksums (before the plan asked for"
                    + " verify: checksums); the old target was kept. Take a new snapshot (snapshot.mode: create)");
        }
        List<TableChecksum> actual = PgContentChecksums.readInTransaction(c);
        List<String> differences = PgContentChecksums.differences(manifest.checksums(), actual);
        if (!differences.isEmpty()) {
            throw new SanitizeException(StepName.VERIFY_CHECKSUMS, ErrorCode.VERIFY_CHECKSUM_MISMATCH, "restored"
                    + " content differs from what snapshot " + manifest.snapshotId() + " read: "
                    + String.join("; ", differences) + ". Nothing was masked or swapped in; the old target was kept");
        }
        long rows = actual.stream().mapToLong(TableChecksum::rows).sum();
        return actual.size() + " tables, " + rows + " rows: content checksums equal the snapshot's";
    }

    private void mask(Connection c) throws Exception {
        mask(c, masker, ctx);
    }

    /**
     * Steps {@code sanitize} and {@code verify-masks} in one transaction, committed only after the sampled check.
     *
     * @param c      a connection to the database to mask, in auto-commit mode (restored on return)
     * @param masker the plan's masks
     * @param ctx    the audit of this delivery
     * @throws Exception what a step threw ({@link SanitizeException} for a refusal), after the rollback
     */
    public static void mask(Connection c, PgMasker masker, StepContext ctx) throws Exception {
        c.setAutoCommit(false);
        try {
            Masked masked = ctx.step(StepName.SANITIZE, () -> {
                List<PgMasker.Target> targets = masker.check(c);
                Map<String, List<String>> samples = masker.sample(c, targets);
                return new Masked(targets, samples, masker.apply(c, targets));
            }, m -> "masked " + String.join("; ", m.done()));
            ctx.step(StepName.VERIFY_MASKS, () -> masker.verify(c, masked.targets(), masked.samples()), d -> d.isEmpty()
                    ? "no column mask to check (truncated tables and sql: files only)"
                    : "no unmasked value left: " + String.join("; ", d));
            c.commit();
        } catch (Exception e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private record Masked(List<PgMasker.Target> targets, Map<String, List<String>> samples, List<String> done) {
    }

    /**
     * @param c a connection to the database to analyze, in auto-commit mode
     * @return {@code ANALYZE of <n> tables}
     * @throws SQLException when {@code ANALYZE} fails
     */
    public static String analyze(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_catalog.pg_stat_user_tables")) {
                rs.next();
                return "ANALYZE of " + rs.getLong(1) + " tables";
            }
        }
    }

    /**
     * The roles owning objects in the dump that exist on the target server: the owner is the last field of each
     * line of {@code pg_restore --list}; role names may hold spaces, so each line is matched against the server's
     * role names (the longest that ends the line).
     */
    private Collection<String> snapshotRoles(Connection c) throws SQLException {
        List<String> serverRoles = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' ORDER BY length(rolname) DESC")) {
            while (rs.next()) {
                serverRoles.add(rs.getString(1));
            }
        }
        String toc = tools.run(List.of(tools.binary("pg_restore").toString(), "--list",
                dumpFile.toAbsolutePath().toString()), null, null, Duration.ofMinutes(10));
        Set<String> owners = new TreeSet<>();
        toc.lines().filter(l -> !l.startsWith(";") && !l.isBlank()).forEach(line -> serverRoles.stream()
                .filter(r -> line.endsWith(" " + r)).findFirst().ifPresent(owners::add));
        return owners;
    }
}
