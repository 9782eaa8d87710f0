package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.engine.postgres.sanitize.PgCron;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Replaces a target database with the content of a {@code pg_dump} custom-format archive, so that a
 * failed restore never damages the old target.
 *
 * <p>Steps (DDL runs on the target server's maintenance database {@code postgres}):
 * <ol>
 *   <li>Lock: a session advisory lock per target database name, so two restores of one target (e.g. a
 *       redelivered message while the first is still running) run one after the other.</li>
 *   <li>Idempotency: when the target exists and its comment equals the marker
 *       {@code dbrefresh:snapshot=<snapshotId>;run=<runId>}, nothing is touched ({@code restored=false}).</li>
 *   <li>Restore into the staging database {@code <target>__dbrefresh_restore} (left-overs of a crash
 *       are dropped first), created from {@code template0} as the pg_dump docs advise, with
 *       {@code pg_restore -j <jobs> --no-owner --no-acl --exit-on-error} (sessions with {@link #bulkLoadOptions};
 *       with {@code --use-list} leaving out pg_cron's extension and jobs where the dump has them, {@link PgCron}):
 *       objects belong to the restoring
 *       user and no GRANTs are replayed, so roles missing on the target cannot fail the restore
 *       (users-service applies grants afterwards). The marker is then set as the staging database's comment.</li>
 *   <li>Swap, only after the restore succeeded ({@link PgSwap}): the old target renamed to
 *       {@code <target>__dbrefresh_old}, {@code ALTER DATABASE staging RENAME TO target} (the comment moves with
 *       the database), and the old target dropped in the background, off the critical path.</li>
 * </ol>
 * If the process dies between the renames, the next call with the same marker finds the complete
 * staging database (it carries the marker) and only renames it; an old target left behind is dropped first.
 *
 * <p>Sources: PostgreSQL docs "pg_restore" (https://www.postgresql.org/docs/15/app-pgrestore.html),
 * "pg_dump" notes on template0 (https://www.postgresql.org/docs/15/app-pgdump.html), "DROP DATABASE"
 * {@code WITH (FORCE)} (https://www.postgresql.org/docs/15/sql-dropdatabase.html), "ALTER DATABASE",
 * "COMMENT", and "Advisory Locks" (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
 *
 * <p>The refresh guard ({@code RefreshGuard}) is checked before this class is called; as a last line of
 * defence, the server's own databases {@code postgres}, {@code template0} and {@code template1} are refused here, and
 * so is the server's pg_cron database ({@code cron.database_name}), whose jobs would go with the old target.
 */
public final class PgRestorer {

    /** Databases this class never replaces. */
    public static final Set<String> REFUSED_TARGETS = Set.of("postgres", "template0", "template1");
    /** Suffix of the staging database's name. */
    public static final String STAGING_SUFFIX = "__dbrefresh_restore";
    /**
     * {@code maintenance_work_mem} of each {@code pg_restore} session: index builds (a primary key of millions of
     * rows) sort in memory instead of in temporary files. Used only while an index is built, by at most
     * {@code jobs} sessions at once.
     */
    static final String RESTORE_MAINTENANCE_WORK_MEM = "256MB";
    /** {@code backend_flush_after} of each {@code pg_restore} session, in pages of 8 kB (256: 2 MB, the maximum). */
    static final int RESTORE_BACKEND_FLUSH_AFTER = 256;

    /** Default time limit of one {@code pg_restore} run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);

    static final String MAINTENANCE_DB = "postgres";
    /** Takes the restore's session advisory lock of one target database (the parameter: its name). */
    private static final String LOCK_SQL = "SELECT pg_advisory_lock(hashtextextended('dbrefresh-restore:' || ?, 0))";

    private final PgTools tools;
    private final Duration timeout;

    /**
     * Uses {@link #DEFAULT_TIMEOUT} for {@code pg_restore}.
     *
     * @param tools access to the server and {@code pg_restore}
     */
    public PgRestorer(PgTools tools) {
        this(tools, DEFAULT_TIMEOUT);
    }

    /**
     * @param tools   access to the server and {@code pg_restore}
     * @param timeout time limit of one {@code pg_restore} run; on expiry it is killed and the old target is kept
     */
    public PgRestorer(PgTools tools, Duration timeout) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * @param snapshotId a snapshot id
     * @param runId      a refresh run id
     * @return {@code dbrefresh:snapshot=<snapshotId>;run=<runId>}
     */
    public static String marker(String snapshotId, String runId) {
        return "dbrefresh:snapshot=" + snapshotId + ";run=" + runId;
    }

    /**
     * The staging database's name: {@code <target>__dbrefresh_restore}, or, when that would exceed
     * PostgreSQL's 63-byte identifier limit (the server would truncate it, possibly to the target's own
     * name), the first 30 characters of the target, {@code _} and 12 hex digits of the target name's
     * SHA-256, then the suffix.
     *
     * @param target the target database name
     * @return a name of at most 63 bytes that differs from {@code target}
     */
    public static String stagingName(String target) {
        return PgSwap.suffixed(target, STAGING_SUFFIX);
    }

    /**
     * @param target a target database name
     * @return the databases a restore of {@code target} may leave beside it on the server: the staging database
     *         (after a failed or interrupted restore), the old target until its background drop ends, and the
     *         pristine copy of {@code fast-path: template}
     */
    public static List<String> companionNames(String target) {
        return List.of(stagingName(target), PgSwap.retiredName(target), PgPristine.name(target));
    }

    /**
     * Session settings of {@code pg_restore}'s connections, given as libpq's {@code PGOPTIONS}: the load goes
     * into a staging database that nobody uses until the swap, and a crash before the swap only means the
     * restore is redone, so the sessions need not wait for WAL flushes ({@code synchronous_commit=off}); index
     * builds get {@link #RESTORE_MAINTENANCE_WORK_MEM} and up to {@code jobs} parallel workers each
     * ({@code max_parallel_maintenance_workers}). Each session also hands what it wrote to the kernel for
     * writeback every {@link #RESTORE_BACKEND_FLUSH_AFTER} pages of 8 kB ({@code backend_flush_after}, 2 MB, the
     * largest allowed): otherwise the whole restored database sits dirty in the page cache (the kernel starts writing
     * only at {@code vm.dirty_background_ratio}, 10% of memory) until the forced checkpoint of the old target's
     * {@code DROP DATABASE} right after the swap writes it out in one burst, which stalled every other write on the
     * machine for 0.2-0.7 s (the next hop's audit and claim writes among them). All four are user-settable, so they
     * work for a non-superuser too (PostgreSQL docs, "Populating a Database",
     * https://www.postgresql.org/docs/15/populate.html, "Resource Consumption",
     * https://www.postgresql.org/docs/15/runtime-config-resource.html, and its "Asynchronous Behavior" section for
     * {@code backend_flush_after}).
     *
     * @param jobs {@code pg_restore --jobs}, at least 1
     * @return e.g. {@code -c maintenance_work_mem=256MB -c synchronous_commit=off -c max_parallel_maintenance_workers=2
     *         -c backend_flush_after=256}
     */
    static String bulkLoadOptions(int jobs) {
        return "-c maintenance_work_mem=" + RESTORE_MAINTENANCE_WORK_MEM + " -c synchronous_commit=off"
                + " -c max_parallel_maintenance_workers=" + Math.max(1, jobs)
                + " -c backend_flush_after=" + RESTORE_BACKEND_FLUSH_AFTER;
    }

    /**
     * Replaces database {@code target.database()} with the content of {@code dumpFile}, once per marker.
     *
     * @param target     the database to replace (need not exist); its user must be allowed to create,
     *                   drop and rename databases (owner of the target with CREATEDB, or superuser)
     * @param password   that user's password, or {@code null} where the server trusts the connection;
     *                   not cleared by this method
     * @param dumpFile   a {@code pg_dump -Fc} archive
     * @param snapshotId the snapshot the dump belongs to (part of the marker)
     * @param runId      the refresh run (part of the marker)
     * @param jobs       number of parallel {@code pg_restore} jobs, at least 1
     * @return {@code restored=true} when the target was replaced now, {@code false} when it already
     *         carried the marker; and the marker
     * @throws IllegalArgumentException when the target is {@code postgres}, {@code template0} or
     *                                  {@code template1} or the server's pg_cron database
     *                                  ({@code cron.database_name}: replacing it would lose the server's jobs,
     *                                  {@link PgCron}), its name is invalid or longer than 63 bytes,
     *                                  {@code jobs < 1}, an id is blank or the dump file does not exist
     * @throws PgToolException          when {@code pg_restore} fails or times out; the old target is kept
     *                                  and the staging database dropped
     * @throws IllegalStateException    when a statement on the server fails (cause: the {@link SQLException}),
     *                                  among them SQLState {@code 55P03} when another session holds a lock
     *                                  the drop, create or rename needs for longer than
     *                                  {@link PgTools#timeouts()}' lock timeout, or another restore of the same
     *                                  target holds the restore lock for longer than the restore deadline;
     *                                  the old target is kept
     */
    public RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs) {
        return restore(target, password, dumpFile, snapshotId, runId, jobs, false, BeforeSwap.NONE);
    }

    /**
     * What runs inside the staging database after {@code pg_restore} and before the marker is set and the swap
     * (verification, isolation, masking, ANALYZE): nobody but dbrefresh has seen the data yet. When it throws, the
     * staging database is dropped (it may hold unmasked data) and the old target is kept.
     */
    @FunctionalInterface
    public interface BeforeSwap {

        /** Nothing runs before the swap. */
        BeforeSwap NONE = staging -> { };

        /**
         * @param staging the restored staging database (the target's host, port and user); every connection to it
         *                must be closed on return, or the rename fails
         * @throws Exception to refuse the swap
         */
        void prepare(DatabaseEndpoint staging) throws Exception;

        /**
         * As {@link #prepare(DatabaseEndpoint)}, told whether the staging database already holds planner statistics
         * of its content: it is a template copy of a pristine copy that was analyzed before it was kept (the
         * statistics are catalog rows, copied with the database), or {@link #beforePristine} analyzed it in this
         * call. Nothing has changed a row since. The default ignores it.
         *
         * @param staging  as there
         * @param analyzed whether the staging database holds statistics of its content
         * @throws Exception to refuse the swap
         */
        default void prepare(DatabaseEndpoint staging, boolean analyzed) throws Exception {
            prepare(staging);
        }

        /**
         * Runs in a staging database that {@code pg_restore} just filled, before the pristine copy of
         * {@code fast-path: template} is taken from it (so what it does is kept in the copy), and before
         * {@link #prepare(DatabaseEndpoint, boolean)}. It must change no row. Every connection to the staging
         * database must be closed on return (the copy needs it without sessions). The default does nothing.
         *
         * @param staging the restored staging database
         * @return whether it analyzed the database ({@code ANALYZE}), so the pristine copy holds its statistics
         * @throws Exception to refuse the swap (the staging database is dropped, no pristine copy is taken)
         */
        default boolean beforePristine(DatabaseEndpoint staging) throws Exception {
            return false;
        }
    }

    /**
     * As {@link #restore(DatabaseEndpoint, char[], Path, String, String, int, boolean, BeforeSwap)} without the
     * template fast path.
     *
     * @param beforeSwap what runs in the staging database before the swap
     * @return as there
     */
    public RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs, BeforeSwap beforeSwap) {
        return restore(target, password, dumpFile, snapshotId, runId, jobs, false, beforeSwap);
    }

    /**
     * As {@link #restore(DatabaseEndpoint, char[], Path, String, String, int, boolean, BeforeSwap)} with nothing
     * run before the swap.
     *
     * @param keepPristine whether to use and keep the pristine copy ({@code fast-path: template})
     * @return as there
     */
    public RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs, boolean keepPristine) {
        return restore(target, password, dumpFile, snapshotId, runId, jobs, keepPristine, BeforeSwap.NONE);
    }

    /**
     * As {@link #restore(DatabaseEndpoint, char[], Path, String, String, int)}, with the template fast path
     * of a plan's {@code fast-path: template} ({@link PgPristine}) and {@code beforeSwap} run in the staging
     * database before the swap. With {@code keepPristine}, when the target server holds a pristine copy of
     * {@code snapshotId}, the staging database is a file copy of it ({@code CREATE DATABASE ... TEMPLATE ...
     * STRATEGY FILE_COPY}) instead of a {@code pg_restore}; otherwise {@code pg_restore} fills the staging database
     * and a pristine copy of it is kept for the next reset (replacing an older one). The pristine copy is taken
     * after {@link BeforeSwap#beforePristine} (which changes no row: {@link dev.dbrefresh.engine.postgres.sanitize.PgStagingSafety}
     * analyzes there, so the copy keeps the statistics) and before {@code beforeSwap}'s
     * {@link BeforeSwap#prepare(DatabaseEndpoint, boolean) prepare} (it is the snapshot as restored, like the dump in
     * the target-side store), so a reset runs the same isolation, verification and masking as a full restore.
     *
     * @param target       the database to replace
     * @param password     its user's password, or {@code null}
     * @param dumpFile     a {@code pg_dump -Fc} archive
     * @param snapshotId   the snapshot the dump belongs to
     * @param runId        the refresh run
     * @param jobs         number of parallel {@code pg_restore} jobs, at least 1
     * @param keepPristine whether to use and keep the pristine copy ({@code fast-path: template})
     * @param beforeSwap   what runs in the staging database before the swap; not run when the staging database
     *                     already carries the marker (a crash after it ran, before the rename)
     * @return as the six-argument overload
     * @throws RuntimeException what {@code beforeSwap} threw (checked exceptions wrapped in an
     *                          {@link IllegalStateException}), after the staging database was dropped; else as the
     *                          six-argument overload; also {@link IllegalStateException} when the pristine copy has
     *                          sessions (nobody may connect to it)
     */
    public RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs, boolean keepPristine, BeforeSwap beforeSwap) {
        return restore(target, password, dumpFile, snapshotId, runId, jobs, keepPristine, null, beforeSwap);
    }

    /**
     * A clone ({@link PgClones}): as the eight-argument overload, but the staging database is always a template
     * copy of {@code clone.of()}'s pristine copy, which must hold {@code snapshotId} (never a {@code pg_restore},
     * no pristine copy kept for the clone), and it carries the clone's mark ({@link PgClones#mark}) before the swap.
     *
     * @param target     the clone database ({@code <of>_<name>})
     * @param password   its user's password, or {@code null}
     * @param dumpFile   the snapshot's dump (checked to exist, not read)
     * @param snapshotId the snapshot the pristine copy holds
     * @param runId      the run
     * @param clone      the clone: origin, name and expiry
     * @param beforeSwap isolation, verification and masking, as for the target
     * @return as the six-argument overload
     * @throws IllegalStateException when {@code clone.of()} has no pristine copy of {@code snapshotId} (nothing
     *                               was changed), else as the eight-argument overload
     */
    public RestoreResult restoreClone(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, dev.dbrefresh.runtime.plan.CloneSettings clone, BeforeSwap beforeSwap) {
        Objects.requireNonNull(clone, "clone");
        return restore(target, password, dumpFile, snapshotId, runId, 1, true, clone, beforeSwap);
    }

    private RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs, boolean keepPristine, dev.dbrefresh.runtime.plan.CloneSettings clone,
            BeforeSwap beforeSwap) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(beforeSwap, "beforeSwap");
        String db = PgIdentifiers.requireValid(target.database(), "target database name");
        if (REFUSED_TARGETS.contains(db)) {
            throw new IllegalArgumentException("refusing to replace database '" + db + "': " + REFUSED_TARGETS
                    + " belong to the server itself; choose another target");
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
        }
        if (snapshotId == null || snapshotId.isBlank() || runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("snapshotId and runId must not be blank");
        }
        if (dumpFile == null || !Files.isRegularFile(dumpFile)) {
            throw new IllegalArgumentException("dump file " + dumpFile + " does not exist; copy the snapshot first");
        }
        String marker = marker(snapshotId, runId);
        String staging = stagingName(db);
        DatabaseEndpoint admin = target.withDatabase(MAINTENANCE_DB);
        try (Connection c = tools.connect(admin, password)) {
            c.setAutoCommit(true);
            if (PgCron.cronDatabase(c).filter(db::equals).isPresent()) {
                throw new IllegalArgumentException("refusing to replace database '" + db + "': it is the pg_cron"
                        + " database of " + target.host() + ":" + target.port() + " (cron.database_name), which holds"
                        + " every pg_cron job of that server, and the copy never has pg_cron (a dump's jobs are"
                        + " production's); nothing was changed. Point cron.database_name there at another database"
                        + " (pg_cron's cron.schedule_in_database runs jobs in any), or choose another target");
            }
            // Waiting for another restore of this target is intended, but not for longer than a restore
            // may take; the session's short lock_timeout applies again to the DDL after it.
            // (PostgreSQL takes at most INT_MAX milliseconds, about 24 days.)
            exec(c, "SET lock_timeout = " + Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            try (PreparedStatement lock = c.prepareStatement(LOCK_SQL)) {
                lock.setString(1, db);
                lock.execute();
            }
            exec(c, "SET lock_timeout = " + tools.timeouts().lockTimeout().toMillis());
            PgSwap.dropLeftover(c, db);
            if (marker.equals(comment(c, db).orElse(null))) {
                return new RestoreResult(false, marker);
            }
            if (!marker.equals(comment(c, staging).orElse(null))) {
                String pristineOf = clone != null ? clone.of() : db;
                Optional<PgPristine.Copy> pristine = keepPristine
                        ? PgPristine.find(c, pristineOf).filter(p -> p.snapshotId().equals(snapshotId)) : Optional.empty();
                DatabaseEndpoint stagingEp = target.withDatabase(staging);
                boolean analyzed;
                if (pristine.isPresent()) {
                    PgPristine.cloneInto(c, pristineOf, staging);
                    analyzed = pristine.get().analyzed();
                } else if (clone != null) {
                    throw new IllegalStateException("no pristine copy of " + pristineOf + " holding snapshot "
                            + snapshotId + " to clone " + db + " from; nothing was changed. Refresh or reset "
                            + pristineOf + " first");
                } else {
                    restoreIntoStaging(c, target, password, dumpFile, staging, jobs);
                    analyzed = false;
                    if (keepPristine) {
                        analyzed = inStaging(c, stagingEp, () -> beforeSwap.beforePristine(stagingEp));
                        PgPristine.keep(c, db, staging, snapshotId, analyzed);
                    }
                }
                boolean hasStatistics = analyzed;
                inStaging(c, stagingEp, () -> {
                    beforeSwap.prepare(stagingEp, hasStatistics);
                    return null;
                });
                if (clone != null) {
                    PgClones.mark(c, staging, clone, snapshotId);
                }
                exec(c, "COMMENT ON DATABASE " + PgIdentifiers.quote(staging) + " IS " + PgIdentifiers.literal(marker));
            }
            new PgSwap(tools).swap(c, target, password, staging, LOCK_SQL, timeout.toMillis());
            // the comment moved with the database (it belongs to its oid); setting it again is idempotent
            exec(c, "COMMENT ON DATABASE " + PgIdentifiers.quote(db) + " IS " + PgIdentifiers.literal(marker));
            return new RestoreResult(true, marker);
        } catch (SQLException e) {
            throw new IllegalStateException("restore of " + target.display() + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private void restoreIntoStaging(Connection c, DatabaseEndpoint target, char[] password, Path dumpFile,
            String staging, int jobs) throws SQLException {
        exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(staging) + " WITH (FORCE)");
        exec(c, "CREATE DATABASE " + PgIdentifiers.quote(staging) + " TEMPLATE template0");
        DatabaseEndpoint stagingEp = target.withDatabase(staging);
        List<String> cmd = new ArrayList<>();
        cmd.add(tools.binary("pg_restore").toString());
        cmd.add("--jobs=" + jobs);
        cmd.add("--no-owner");
        cmd.add("--no-acl");
        cmd.add("--exit-on-error");
        cmd.addAll(PgTools.connectionOptions(stagingEp));
        cmd.add(dumpFile.toAbsolutePath().toString());
        Path list = null;
        try {
            // pg_cron's extension and its jobs are never restored (PgCron): the restore would fail on them, and
            // production's jobs must not run in the copy.
            Optional<String> withoutCron = PgCron.restoreListWithout(tools.run(List.of(
                    tools.binary("pg_restore").toString(), "--list", dumpFile.toAbsolutePath().toString()), null, null,
                    timeout));
            if (withoutCron.isPresent()) {
                list = Files.createTempFile("dbrefresh-restore-", ".list");
                Files.writeString(list, withoutCron.get());
                cmd.add(cmd.size() - 1, "--use-list=" + list);
            }
            tools.run(cmd, stagingEp, password, timeout, bulkLoadOptions(jobs));
        } catch (java.io.IOException e) {
            throw dropStaging(c, staging, new java.io.UncheckedIOException("cannot write the restore list for "
                    + dumpFile + " in the temporary directory: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            throw dropStaging(c, staging, e);
        } finally {
            if (list != null) {
                try {
                    Files.deleteIfExists(list);
                } catch (java.io.IOException ignored) {
                    // a left-over list in the temporary directory names objects only, no data
                }
            }
        }
    }

    private static RuntimeException dropStaging(Connection c, String staging, RuntimeException failure) {
        try {
            exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(staging) + " WITH (FORCE)");
        } catch (SQLException dropFailure) {
            failure.addSuppressed(dropFailure);
        }
        return failure;
    }

    /**
     * Runs work in the staging database; when it throws, the staging database is dropped (it may hold unmasked
     * data) and the failure rethrown (checked exceptions wrapped in an {@link IllegalStateException}).
     */
    private static <T> T inStaging(Connection c, DatabaseEndpoint staging, java.util.concurrent.Callable<T> work)
            throws SQLException {
        try {
            return work.call();
        } catch (Exception e) {
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new IllegalStateException("preparing " + staging.display() + " failed: " + e.getMessage(), e);
            throw dropStaging(c, staging.database(), failure);
        }
    }

    private static Optional<String> comment(Connection c, String database) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * Outcome of {@link #restore}.
     *
     * @param restored {@code true} when the target was replaced by this call, {@code false} when it
     *                 already carried the marker and nothing was touched
     * @param marker   the target database's comment, {@code dbrefresh:snapshot=<snapshotId>;run=<runId>}
     */
    public record RestoreResult(boolean restored, String marker) {
    }
}
