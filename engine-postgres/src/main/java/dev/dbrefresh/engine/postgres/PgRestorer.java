package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
 *       {@code pg_restore -j <jobs> --no-owner --no-acl --exit-on-error}: objects belong to the restoring
 *       user and no GRANTs are replayed, so roles missing on the target cannot fail the restore
 *       (users-service applies grants afterwards). The marker is then set as the staging database's comment.</li>
 *   <li>Swap, only after the restore succeeded: {@code DROP DATABASE IF EXISTS target WITH (FORCE)},
 *       {@code ALTER DATABASE staging RENAME TO target} (the comment moves with the database).</li>
 * </ol>
 * If the process dies between drop and rename, the next call with the same marker finds the complete
 * staging database (it carries the marker) and only renames it.
 *
 * <p>Sources: PostgreSQL docs "pg_restore" (https://www.postgresql.org/docs/15/app-pgrestore.html),
 * "pg_dump" notes on template0 (https://www.postgresql.org/docs/15/app-pgdump.html), "DROP DATABASE"
 * {@code WITH (FORCE)} (https://www.postgresql.org/docs/15/sql-dropdatabase.html), "ALTER DATABASE",
 * "COMMENT", and "Advisory Locks" (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
 *
 * <p>The refresh guard ({@code RefreshGuard}) is checked before this class is called; as a last line of
 * defence, the server's own databases {@code postgres}, {@code template0} and {@code template1} are refused here.
 */
public final class PgRestorer {

    /** Databases this class never replaces. */
    public static final Set<String> REFUSED_TARGETS = Set.of("postgres", "template0", "template1");
    /** Suffix of the staging database's name. */
    public static final String STAGING_SUFFIX = "__dbrefresh_restore";
    /** Default time limit of one {@code pg_restore} run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);

    private static final String MAINTENANCE_DB = "postgres";

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
        String plain = target + STAGING_SUFFIX;
        if (plain.getBytes(StandardCharsets.UTF_8).length <= PgIdentifiers.MAX_IDENTIFIER_BYTES) {
            return plain;
        }
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(target.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        StringBuilder prefix = new StringBuilder();
        target.codePoints().limit(30).forEach(prefix::appendCodePoint);
        // 30 code points may be up to 120 bytes: shorten until it fits
        String name = prefix + "_" + hash + STAGING_SUFFIX;
        while (name.getBytes(StandardCharsets.UTF_8).length > PgIdentifiers.MAX_IDENTIFIER_BYTES) {
            prefix.setLength(prefix.offsetByCodePoints(prefix.length(), -1));
            name = prefix + "_" + hash + STAGING_SUFFIX;
        }
        return name;
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
     *                                  {@code template1}, its name is invalid or longer than 63 bytes,
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
        return restore(target, password, dumpFile, snapshotId, runId, jobs, BeforeSwap.NONE);
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
    }

    /**
     * As {@link #restore(DatabaseEndpoint, char[], Path, String, String, int)}, running {@code beforeSwap} in the
     * staging database before the swap.
     *
     * @param target     the database to replace
     * @param password   its user's password, or {@code null}
     * @param dumpFile   a {@code pg_dump -Fc} archive
     * @param snapshotId the snapshot the dump belongs to
     * @param runId      the refresh run
     * @param jobs       number of parallel {@code pg_restore} jobs, at least 1
     * @param beforeSwap what runs in the staging database before the swap; not run when the staging database
     *                   already carries the marker (a crash after it ran, before the rename)
     * @return as the other overload
     * @throws RuntimeException what {@code beforeSwap} threw (checked exceptions wrapped in an
     *                          {@link IllegalStateException}), after the staging database was dropped; else as the
     *                          other overload
     */
    public RestoreResult restore(DatabaseEndpoint target, char[] password, Path dumpFile, String snapshotId,
            String runId, int jobs, BeforeSwap beforeSwap) {
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
            // Waiting for another restore of this target is intended, but not for longer than a restore
            // may take; the session's short lock_timeout applies again to the DDL after it.
            // (PostgreSQL takes at most INT_MAX milliseconds, about 24 days.)
            exec(c, "SET lock_timeout = " + Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            try (PreparedStatement lock = c.prepareStatement(
                    "SELECT pg_advisory_lock(hashtextextended('dbrefresh-restore:' || ?, 0))")) {
                lock.setString(1, db);
                lock.execute();
            }
            exec(c, "SET lock_timeout = " + tools.timeouts().lockTimeout().toMillis());
            if (marker.equals(comment(c, db).orElse(null))) {
                return new RestoreResult(false, marker);
            }
            if (!marker.equals(comment(c, staging).orElse(null))) {
                restoreIntoStaging(c, target, password, dumpFile, staging, jobs);
                prepareStaging(c, target.withDatabase(staging), beforeSwap);
                exec(c, "COMMENT ON DATABASE " + PgIdentifiers.quote(staging) + " IS " + PgIdentifiers.literal(marker));
            }
            exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            exec(c, "ALTER DATABASE " + PgIdentifiers.quote(staging) + " RENAME TO " + PgIdentifiers.quote(db));
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
        try {
            tools.run(cmd, stagingEp, password, timeout);
        } catch (RuntimeException e) {
            try {
                exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(staging) + " WITH (FORCE)");
            } catch (SQLException dropFailure) {
                e.addSuppressed(dropFailure);
            }
            throw e;
        }
    }

    private static void prepareStaging(Connection c, DatabaseEndpoint staging, BeforeSwap beforeSwap)
            throws SQLException {
        try {
            beforeSwap.prepare(staging);
        } catch (Exception e) {
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new IllegalStateException("preparing " + staging.display() + " failed: " + e.getMessage(), e);
            try {
                exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(staging.database()) + " WITH (FORCE)");
            } catch (SQLException dropFailure) {
                failure.addSuppressed(dropFailure);
            }
            throw failure;
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
