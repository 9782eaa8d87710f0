package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The swap at the end of a PostgreSQL restore: the old target is renamed out of the way
 * ({@code <target>__dbrefresh_old}), the staging database renamed to the target, and the old one dropped
 * afterwards, on a thread of its own, off the restore's critical path.
 *
 * <p>Why: {@code DROP DATABASE} forces an immediate checkpoint (PostgreSQL 15 {@code dropdb()}: the
 * checkpointer must forget the dropped files), which writes and fsyncs every dirty page of the server, among
 * them the whole just-restored staging database. Measured with {@code bench/run} at pgbench scale 20 on this
 * 2-core machine, that drop took 0.95-1.47 s against 0.05 s for a rename (README, Performance). A rename
 * takes the same database lock as the drop, so a session holding it still fails the swap with the lock
 * timeout (SQLState {@code 55P03}) before anything is changed.
 *
 * <p>The drop of the old database holds the restore's advisory lock of the target, so the next restore of
 * the same target waits for it; a drop that never happened (the service stopped) is redone by the next
 * restore ({@link #dropLeftover}), before it touches anything else. Sessions connected to the old target
 * are ended ({@code pg_terminate_backend}), as {@code DROP DATABASE ... WITH (FORCE)} ended them before;
 * when new ones keep arriving, the swap falls back to dropping the old target in place.
 */
final class PgSwap {

    /** Suffix of the old target's name between the swap and its drop. */
    static final String RETIRED_SUFFIX = "__dbrefresh_old";

    /** How often a rename is retried after ending the sessions that kept it from happening. */
    static final int RENAME_ATTEMPTS = 5;

    private final PgTools tools;

    PgSwap(PgTools tools) {
        this.tools = Objects.requireNonNull(tools, "tools");
    }

    /**
     * The name of a database with a suffix: {@code <target><suffix>}, or, when that would exceed PostgreSQL's
     * 63-byte identifier limit (the server would truncate it, possibly to the target's own name), the first 30
     * characters of the target, {@code _} and 12 hex digits of the target name's SHA-256, then the suffix.
     *
     * @param target the target database name
     * @param suffix e.g. {@link PgRestorer#STAGING_SUFFIX}
     * @return a name of at most 63 bytes that differs from {@code target}
     */
    static String suffixed(String target, String suffix) {
        String plain = target + suffix;
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
        String name = prefix + "_" + hash + suffix;
        while (name.getBytes(StandardCharsets.UTF_8).length > PgIdentifiers.MAX_IDENTIFIER_BYTES) {
            prefix.setLength(prefix.offsetByCodePoints(prefix.length(), -1));
            name = prefix + "_" + hash + suffix;
        }
        return name;
    }

    /**
     * @param target the target database name
     * @return {@code <target>__dbrefresh_old} (shortened as {@link #suffixed} does)
     */
    static String retiredName(String target) {
        return suffixed(target, RETIRED_SUFFIX);
    }

    /**
     * Drops an old target an earlier swap renamed but whose drop did not happen. Called with the restore's
     * advisory lock held; a no-op (no checkpoint) when there is none.
     *
     * @param c  a connection to the maintenance database
     * @param db the target database name
     * @throws SQLException when the drop fails
     */
    static void dropLeftover(Connection c, String db) throws SQLException {
        exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(retiredName(db)) + " WITH (FORCE)");
    }

    /**
     * Puts the staging database in the target's place. Afterwards the target is the staging database's
     * content, and the old target (if there was one) is being dropped in the background.
     *
     * @param c        a connection to the target server's maintenance database, holding the restore's lock
     * @param target   the target endpoint (for the background drop's own connection)
     * @param password its user's password or {@code null}; copied for the background drop
     * @param staging  the staging database's name
     * @param lockSql  the statement that takes the restore's advisory lock for {@code target}, with one
     *                 parameter: the target database name
     * @param lockWait how long the background drop waits for that lock, in milliseconds (at most
     *                 {@link Integer#MAX_VALUE}, PostgreSQL's limit)
     * @throws SQLException when a rename or drop fails (SQLState {@code 55P03}: another session held the
     *                      database's lock for longer than the lock timeout)
     */
    void swap(Connection c, DatabaseEndpoint target, char[] password, String staging, String lockSql, long lockWait)
            throws SQLException {
        String db = target.database();
        String retired = retiredName(db);
        boolean renamed = exists(c, db) && renameAway(c, db, retired);
        if (!renamed) {
            exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
        }
        exec(c, "ALTER DATABASE " + PgIdentifiers.quote(staging) + " RENAME TO " + PgIdentifiers.quote(db));
        if (renamed) {
            dropInBackground(target, password == null ? null : password.clone(), retired, lockSql, lockWait);
        }
    }

    /** @return whether the old target now has the retired name; {@code false} when sessions kept it busy */
    private boolean renameAway(Connection c, String db, String retired) throws SQLException {
        for (int attempt = 1; attempt <= RENAME_ATTEMPTS; attempt++) {
            try {
                exec(c, "ALTER DATABASE " + PgIdentifiers.quote(db) + " RENAME TO " + PgIdentifiers.quote(retired));
                return true;
            } catch (SQLException e) {
                if (!"55006".equals(e.getSQLState())) { // object_in_use: sessions connected to it
                    throw e;
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid, 5000) FROM"
                        + " pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                    ps.setString(1, db);
                    ps.execute();
                }
            }
        }
        return false;
    }

    private void dropInBackground(DatabaseEndpoint target, char[] password, String retired, String lockSql,
            long lockWait) {
        DatabaseEndpoint admin = target.withDatabase("postgres");
        Thread t = new Thread(() -> {
            try (Connection c = tools.connect(admin, password)) {
                // the next restore of this target waits until the old one is gone (session lock, released on close)
                exec(c, "SET lock_timeout = " + Math.min(Integer.MAX_VALUE, lockWait));
                try (PreparedStatement lock = c.prepareStatement(lockSql)) {
                    lock.setString(1, target.database());
                    lock.execute();
                }
                exec(c, "SET lock_timeout = " + tools.timeouts().lockTimeout().toMillis());
                exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(retired) + " WITH (FORCE)");
            } catch (SQLException | RuntimeException e) {
                // the next restore of this target drops it first (dropLeftover)
                System.err.println("dbrefresh: could not drop the old target " + retired + " on " + admin.display()
                        + " (" + e.getMessage() + "); the next restore of " + target.database() + " drops it");
            } finally {
                if (password != null) {
                    java.util.Arrays.fill(password, '\0');
                }
            }
        }, "dbrefresh-drop-" + retired);
        t.setDaemon(true);
        t.start();
    }

    private static boolean exists(Connection c, String db) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
