package dev.dbrefresh.engine.rds.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Cuts a restored MySQL-compatible cluster ({@code aurora-mysql}) off from production before the plan's users are
 * created, and says what it found:
 * <ul>
 *   <li>events of the plan's database ({@code information_schema.EVENTS}): {@code DROP EVENT}, so production's
 *       scheduled jobs do not run in the copy;</li>
 *   <li>{@code FEDERATED} tables of the database (they read and write another server): {@code DROP TABLE};</li>
 *   <li>federated server definitions ({@code mysql.servers}): {@code DROP SERVER};</li>
 *   <li>every account of the snapshot that is not the master user, a plan user, in {@code keep-roles} or one of the
 *       server's and RDS's own ({@code root}, {@code rdsadmin}, {@code mysql.sys}, ...): {@code ACCOUNT LOCK}, so
 *       production's application users cannot log in with production's passwords (roles, whose host is empty in
 *       MariaDB, are left alone: they cannot log in). A restored cluster serves nothing else, so every account
 *       of it is in scope.</li>
 * </ul>
 * Statements from the MySQL 8.0 reference manual ("DROP EVENT", "DROP SERVER", "ALTER USER ... ACCOUNT LOCK",
 * https://dev.mysql.com/doc/refman/8.0/en/alter-user.html); account names are bound as client-side parameters
 * ({@link MySqlTarget}), object names backtick-quoted ({@link MySqlIdentifiers}).
 */
public final class MySqlIsolation {

    /** Accounts that belong to the server or to RDS: never locked. */
    public static final Set<String> RESERVED = Set.of("root", "rdsadmin", "rdsrepladmin", "rds_superuser_role",
            "mariadb.sys", "mysql", "mysql.sys", "mysql.session", "mysql.infoschema");

    private final Set<String> spared;
    private final Predicate<String> inScope;

    /**
     * @param spared  accounts never locked: the master user, the plan's users, {@code keep-roles}
     * @param inScope which server-wide names (accounts, federated servers) this isolation may lock or drop: every
     *                one on a restored cluster (a test on a shared server narrows it to its own)
     */
    public MySqlIsolation(Collection<String> spared, Predicate<String> inScope) {
        this.spared = Set.copyOf(Objects.requireNonNull(spared, "spared"));
        this.inScope = Objects.requireNonNull(inScope, "inScope");
    }

    /**
     * What isolation found and did (names only).
     *
     * @param events          dropped events
     * @param federatedTables dropped {@code FEDERATED} tables
     * @param servers         dropped federated servers, with host and port
     * @param lockedAccounts  locked accounts, {@code user@host}
     */
    public record Findings(List<String> events, List<String> federatedTables, List<String> servers,
            List<String> lockedAccounts) {

        /** @return one line for the audit log and the notification */
        public String describe() {
            return events.size() + " events dropped" + list(events) + ", " + federatedTables.size()
                    + " federated tables dropped" + list(federatedTables) + ", " + servers.size()
                    + " federated servers dropped" + list(servers) + ", " + lockedAccounts.size()
                    + " accounts locked" + list(lockedAccounts);
        }

        private static String list(List<String> names) {
            return names.isEmpty() ? "" : " " + names;
        }
    }

    /**
     * @param c        a connection as the master user, in auto-commit mode
     * @param database the plan's database
     * @return what was found and done
     * @throws SQLException when a statement fails (the run is retried; every step is idempotent)
     */
    public Findings isolate(Connection c, String database) throws SQLException {
        String db = MySqlIdentifiers.quote(database, "target database");
        List<String> events = names(c, "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?"
                + " ORDER BY EVENT_NAME", database);
        for (String e : events) {
            exec(c, "DROP EVENT IF EXISTS " + db + "." + MySqlIdentifiers.quote(e, "event name"));
        }
        List<String> federated = names(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?"
                + " AND UPPER(ENGINE) = 'FEDERATED' ORDER BY TABLE_NAME", database);
        for (String t : federated) {
            exec(c, "DROP TABLE IF EXISTS " + db + "." + MySqlIdentifiers.quote(t, "table name"));
        }
        List<String> servers = new ArrayList<>();
        List<String> serverNames = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT Server_name, Host, Port FROM mysql.servers ORDER BY Server_name")) {
            while (rs.next()) {
                if (!inScope.test(rs.getString(1))) {
                    continue;
                }
                serverNames.add(rs.getString(1));
                servers.add(rs.getString(1) + " (" + rs.getString(2) + ":" + rs.getInt(3) + ")");
            }
        }
        for (String s : serverNames) {
            exec(c, "DROP SERVER IF EXISTS " + MySqlIdentifiers.quote(s, "server name"));
        }
        List<String> locked = new ArrayList<>();
        List<String[]> accounts = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT User, Host FROM mysql.user WHERE Host <> '' ORDER BY User, Host")) {
            while (rs.next()) {
                accounts.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        for (String[] a : accounts) {
            if (a[0].isEmpty() || RESERVED.contains(a[0]) || spared.contains(a[0]) || !inScope.test(a[0])) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("ALTER USER ?@? ACCOUNT LOCK")) {
                ps.setString(1, a[0]);
                ps.setString(2, a[1]);
                ps.execute();
            }
            locked.add(a[0] + "@" + a[1]);
        }
        return new Findings(events, federated, List.copyOf(servers), List.copyOf(locked));
    }

    private static List<String> names(Connection c, String sql, String database) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return List.copyOf(out);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
