package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.CloneSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clones of a {@code fast-path: template} plan's pristine copy ({@code ./dbrefresh clone}): databases
 * {@code <target>_<name>} on the target server, made by a run like any other ({@link PgRestorer#restoreClone}). Each
 * carries its mark on itself, so it survives restarts of every service: a database-level setting
 * {@code dbrefresh.clone = 'of=<target>;snapshot=<id>;created=<instant>;expires=<instant or never>'}
 * ({@code ALTER DATABASE ... SET}, stored in {@code pg_db_role_setting} with the database's oid, so it moves with the
 * swap's rename; a custom option with a prefix, PostgreSQL docs "Customized Options",
 * https://www.postgresql.org/docs/15/runtime-config-custom.html). Only databases with that mark naming the plan's
 * target, under the name {@code <target>_...}, are listed or ever dropped here.
 */
public final class PgClones {

    /** The database-level setting that marks a clone. */
    static final String SETTING = "dbrefresh.clone";

    /**
     * One clone.
     *
     * @param database   its database name
     * @param of         the target it was cloned from
     * @param snapshotId the snapshot its content came from
     * @param created    when the clone run made it
     * @param expires    when the retention drops it, {@code null}: never
     */
    public record Clone(String database, String of, String snapshotId, Instant created, Instant expires) {

        /**
         * @param now the time now
         * @return whether its TTL has passed
         */
        public boolean expiredAt(Instant now) {
            return expires != null && expires.isBefore(now);
        }
    }

    private PgClones() {
    }

    /**
     * Marks a clone's staging database, before the swap (idempotent: the setting is replaced).
     *
     * @param c          a connection to the maintenance database
     * @param database   the staging database of the clone
     * @param clone      the clone
     * @param snapshotId its snapshot
     * @throws SQLException on database errors
     */
    static void mark(Connection c, String database, CloneSettings clone, String snapshotId) throws SQLException {
        String value = "of=" + clone.of() + ";snapshot=" + snapshotId + ";created=" + Instant.now() + ";expires="
                + (clone.expires() == null ? "never" : clone.expires());
        try (Statement st = c.createStatement()) {
            st.execute("ALTER DATABASE " + PgIdentifiers.quote(database) + " SET " + SETTING + " = "
                    + PgIdentifiers.literal(value));
        }
    }

    /**
     * @param c  a connection to the target server
     * @param of a plan's target database
     * @return its clones, by name
     * @throws SQLException on database errors
     */
    public static List<Clone> list(Connection c, String of) throws SQLException {
        List<Clone> clones = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d.datname, substr(cfg, length(?) + 2)"
                + " FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) cfg"
                + " WHERE s.setrole = 0 AND cfg LIKE ? ORDER BY d.datname")) {
            ps.setString(1, SETTING);
            ps.setString(2, SETTING + "=%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (String part : rs.getString(2).split(";")) {
                        int eq = part.indexOf('=');
                        if (eq > 0) {
                            fields.put(part.substring(0, eq), part.substring(eq + 1));
                        }
                    }
                    String name = rs.getString(1);
                    if (of.equals(fields.get("of")) && name.startsWith(of + "_")) {
                        String expires = fields.getOrDefault("expires", "never");
                        clones.add(new Clone(name, of, fields.get("snapshot"), instant(fields.get("created")),
                                expires.equals("never") ? null : instant(expires)));
                    }
                }
            }
        }
        return clones;
    }

    /**
     * Drops the clones of {@code of} whose TTL has passed, and only those (never the target, its pristine copy, an
     * unexpired clone, a clone without an expiry, or a database without the mark).
     *
     * @param c   a connection to the target server's maintenance database
     * @param of  a plan's target database
     * @param now the time now
     * @return the dropped databases
     * @throws SQLException on database errors (what was dropped before stays dropped; a retry drops the rest)
     */
    public static List<String> dropExpired(Connection c, String of, Instant now) throws SQLException {
        List<String> dropped = new ArrayList<>();
        for (Clone clone : list(c, of)) {
            if (clone.expiredAt(now) && !clone.database().equals(of)) {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(clone.database()) + " WITH (FORCE)");
                }
                dropped.add(clone.database());
            }
        }
        return dropped;
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
