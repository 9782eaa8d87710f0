package dev.dbrefresh.engine.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pristine copy of a plan with {@code fast-path: template}: {@code <target>__dbrefresh_pristine}, a
 * database on the target server holding the restored snapshot exactly as {@code pg_restore} left it (before
 * users and grants) and analyzed ({@code ANALYZE}: its planner statistics, which {@code CREATE DATABASE ... TEMPLATE}
 * copies with the database's catalogs, so a reset of a plan without masks need not analyze again), marked with its
 * snapshot id in its comment ({@code dbrefresh:pristine;snapshot=<id>;analyzed}; copies kept before the statistics
 * were kept lack {@code ;analyzed} and are analyzed after each copy as before) and
 * closed to connections ({@code ALLOW_CONNECTIONS false}) so nobody can change it. A restore of the same
 * snapshot again (a reset) copies it with {@code CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY} instead
 * of running {@code pg_restore}: a file copy, the time of a raw template clone.
 *
 * <p>Disk: the pristine copy costs as much as the target itself, on the target server.
 *
 * <p>Crash safety: the marker is written last, so a copy that was interrupted carries no marker (or the
 * previous snapshot's) and is never used; the next restore of a new snapshot replaces it. Sources: PostgreSQL docs
 * "CREATE DATABASE" ({@code TEMPLATE}, {@code STRATEGY}; the template must have no other sessions,
 * https://www.postgresql.org/docs/15/sql-createdatabase.html), "ALTER DATABASE" ({@code ALLOW_CONNECTIONS}).
 */
public final class PgPristine {

    /** Suffix of the pristine copy's name. */
    static final String SUFFIX = "__dbrefresh_pristine";

    /** Snapshot ids never hold {@code ;} ({@code SnapshotStore.ID_REGEX}). */
    private static final Pattern MARKER = Pattern.compile("dbrefresh:pristine;snapshot=([^;]+)(;analyzed)?");

    /** Suffix of the marker of a copy that was analyzed before it was taken. */
    private static final String ANALYZED = ";analyzed";

    private PgPristine() {
    }

    /**
     * @param target the target database name
     * @return {@code <target>__dbrefresh_pristine} (shortened as {@link PgSwap#suffixed} does)
     */
    public static String name(String target) {
        return PgSwap.suffixed(target, SUFFIX);
    }

    /**
     * @param snapshotId a snapshot id
     * @param analyzed   whether the copy was analyzed before it was taken
     * @return the pristine copy's comment, {@code dbrefresh:pristine;snapshot=<id>}, then {@code ;analyzed} if so
     */
    static String marker(String snapshotId, boolean analyzed) {
        return "dbrefresh:pristine;snapshot=" + snapshotId + (analyzed ? ANALYZED : "");
    }

    /**
     * A complete pristine copy, as its marker describes it.
     *
     * @param snapshotId the snapshot it holds
     * @param analyzed   whether it holds planner statistics of its content (it was analyzed before it was taken)
     */
    public record Copy(String snapshotId, boolean analyzed) {
    }

    /**
     * @param c      a connection to the target server
     * @param target the target database name
     * @return the snapshot id of the complete pristine copy of {@code target}, empty when there is none
     * @throws SQLException on database errors
     */
    public static Optional<String> snapshotOf(Connection c, String target) throws SQLException {
        return find(c, target).map(Copy::snapshotId);
    }

    /**
     * @param c      a connection to the target server
     * @param target the target database name
     * @return the complete pristine copy of {@code target} (its marker read), empty when there is none
     * @throws SQLException on database errors
     */
    public static Optional<Copy> find(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name(target));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null) {
                    return Optional.empty();
                }
                Matcher m = MARKER.matcher(rs.getString(1));
                return m.matches() ? Optional.of(new Copy(m.group(1), m.group(2) != null)) : Optional.empty();
            }
        }
    }

    /**
     * Fills the (new, empty-named) staging database from the pristine copy.
     *
     * @param c       a connection to the maintenance database, holding the restore's lock of the target
     * @param target  the target database name
     * @param staging the staging database's name (dropped first when it exists)
     * @throws SQLException when the copy fails (the old target is untouched)
     */
    static void cloneInto(Connection c, String target, String staging) throws SQLException {
        exec(c, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(staging) + " WITH (FORCE)");
        exec(c, "CREATE DATABASE " + PgIdentifiers.quote(staging) + " TEMPLATE " + PgIdentifiers.quote(name(target))
                + " STRATEGY FILE_COPY");
    }

    /**
     * Makes the pristine copy of {@code target} a copy of the just-restored staging database (nobody has
     * connected to it yet), replacing an older one.
     *
     * @param c          a connection to the maintenance database, holding the restore's lock of the target
     * @param target     the target database name
     * @param staging    the staging database, complete, no sessions
     * @param snapshotId the snapshot it was restored from
     * @param analyzed   whether the staging database was analyzed (its statistics are copied with it)
     * @throws SQLException when a statement fails; the target is untouched, and a pristine copy without the
     *                      new marker is not used
     */
    static void keep(Connection c, String target, String staging, String snapshotId, boolean analyzed)
            throws SQLException {
        String pristine = PgIdentifiers.quote(name(target));
        exec(c, "DROP DATABASE IF EXISTS " + pristine + " WITH (FORCE)");
        exec(c, "CREATE DATABASE " + pristine + " TEMPLATE " + PgIdentifiers.quote(staging) + " STRATEGY FILE_COPY");
        exec(c, "ALTER DATABASE " + pristine + " WITH ALLOW_CONNECTIONS false");
        exec(c, "COMMENT ON DATABASE " + pristine + " IS " + PgIdentifiers.literal(marker(snapshotId, analyzed)));
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
