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
 * created, and says what it found. A cluster restore brings production's whole cluster, every schema of it, not
 * only the plan's database, so the schema-level steps cover every user schema of the cluster (all but
 * {@link #SYSTEM_SCHEMAS}; the scope is injectable, {@link #EVERY_USER_SCHEMA} on a restored cluster):
 * <ul>
 *   <li>events ({@code information_schema.EVENTS}): {@code DROP EVENT}, so production's scheduled jobs do not run in
 *       the copy, whichever schema they live in (an event runs in its own schema and may name any other);</li>
 *   <li>{@code FEDERATED} tables (they read and write another server, production's in a copy): {@code DROP
 *       TABLE};</li>
 *   <li>federated server definitions ({@code mysql.servers}): {@code DROP SERVER};</li>
 *   <li>every account of the snapshot that is not the master user, a plan user, in {@code keep-roles} or one of the
 *       server's and RDS's own ({@code root}, {@code rdsadmin}, {@code mysql.sys}, ...): {@code ACCOUNT LOCK}, so
 *       production's application users cannot log in with production's passwords (roles, whose host is empty in
 *       MariaDB, are left alone: they cannot log in). A restored cluster serves nothing else, so every account
 *       of it is in scope.</li>
 * </ul>
 * Findings name schema and object ({@code shop.nightly_purge}), never an event's body or a table's
 * {@code CONNECTION} string (either may hold a password).
 *
 * <p>Triggers and stored routines (procedures and functions) are not dropped, and need not be: neither is
 * scheduled (a trigger runs inside a statement that changes its table, a routine when a statement calls it: "Using
 * Triggers", https://dev.mysql.com/doc/refman/8.0/en/triggers.html, "Using Stored Routines",
 * https://dev.mysql.com/doc/refman/8.0/en/stored-routines.html), so in the copy they run only when the plan's users,
 * or an event (dropped here), make them; and what they run reaches another MySQL server only through a table of
 * the {@code FEDERATED} storage engine ("The FEDERATED Storage Engine",
 * https://dev.mysql.com/doc/refman/8.0/en/federated-storage-engine.html), or a loadable function
 * ({@code CREATE FUNCTION ... SONAME}), whose library must be in the server's plugin directory (not checked on
 * Aurora here). With those tables dropped, a trigger or
 * routine that wrote through one fails ("table doesn't exist") instead of writing to production
 * ({@code MySqlSafetyTest}). They are the application the copy is for, so they stay. Aurora MySQL's own ways out
 * ({@code lambda_sync}/{@code lambda_async}, {@code LOAD DATA FROM S3}, {@code SELECT INTO OUTFILE S3}) work only
 * through an IAM role associated with the cluster and named in its cluster parameter group (Aurora User Guide,
 * "Giving Aurora access to Lambda"): the restore takes the parameter group it names (the plan's) or the target
 * account's default (RestoreDBClusterFromSnapshot, {@code DBClusterParameterGroupName}), and dbrefresh associates
 * no role with the restored cluster.
 *
 * <p>Statements from the MySQL 8.0 reference manual ("DROP EVENT", "DROP TABLE", "DROP SERVER", "ALTER USER ...
 * ACCOUNT LOCK", https://dev.mysql.com/doc/refman/8.0/en/alter-user.html; the system schemas: "MySQL Server
 * Administration / The mysql System Schema", "INFORMATION_SCHEMA Tables", "MySQL Performance Schema", "MySQL sys
 * Schema"); account names are bound as client-side parameters ({@link MySqlTarget}), object names backtick-quoted
 * ({@link MySqlIdentifiers}).
 */
public final class MySqlIsolation {

    /** Accounts that belong to the server or to RDS: never locked. */
    public static final Set<String> RESERVED = Set.of("root", "rdsadmin", "rdsrepladmin", "rds_superuser_role",
            "mariadb.sys", "mysql", "mysql.sys", "mysql.session", "mysql.infoschema");

    /**
     * The server's own schemas, never a copy's and never touched here, whatever the schema scope says (matched
     * exactly: on a server with {@code lower_case_table_names=0} a user schema {@code Sys} is a user schema).
     */
    public static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "information_schema", "performance_schema", "sys");

    /** The schema scope on a restored cluster: every schema ({@link #SYSTEM_SCHEMAS} are always left out). */
    public static final Predicate<String> EVERY_USER_SCHEMA = schema -> true;

    private final Set<String> spared;
    private final Predicate<String> inScope;
    private final Predicate<String> schemas;

    /**
     * @param spared  accounts never locked: the master user, the plan's users, {@code keep-roles}
     * @param inScope which server-wide names (accounts, federated servers) this isolation may lock or drop: every
     *                one on a restored cluster (a test on a shared server narrows it to its own)
     * @param schemas which schemas' events and {@code FEDERATED} tables this isolation drops besides the plan's
     *                database (always in scope): {@link #EVERY_USER_SCHEMA} on a restored cluster (a test on a shared
     *                server narrows it to its own); {@link #SYSTEM_SCHEMAS} are never in scope
     * @throws NullPointerException when an argument is null
     */
    public MySqlIsolation(Collection<String> spared, Predicate<String> inScope, Predicate<String> schemas) {
        this.spared = Set.copyOf(Objects.requireNonNull(spared, "spared"));
        this.inScope = Objects.requireNonNull(inScope, "inScope");
        this.schemas = Objects.requireNonNull(schemas, "schemas");
    }

    /**
     * What isolation found and did (names only).
     *
     * @param events          dropped events, {@code schema.event}
     * @param federatedTables dropped {@code FEDERATED} tables, {@code schema.table}
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
     * @param database the plan's database (its events and {@code FEDERATED} tables are always in scope)
     * @return what was found and done
     * @throws SQLException when a statement fails (the run is retried; every step is idempotent)
     * @throws IllegalArgumentException when {@code database}, or the name of an object to drop, is not a valid MySQL
     *                                  identifier ({@link MySqlIdentifiers#requireValid})
     */
    public Findings isolate(Connection c, String database) throws SQLException {
        MySqlIdentifiers.requireValid(database, "target database");
        Predicate<String> scope = schema -> !SYSTEM_SCHEMAS.contains(schema)
                && (schema.equals(database) || schemas.test(schema));
        // events first: none of them fires while the rest is cut off
        List<String> events = drop(c, "EVENT", "event name", scope, "SELECT EVENT_SCHEMA, EVENT_NAME FROM"
                + " information_schema.EVENTS ORDER BY EVENT_SCHEMA, EVENT_NAME");
        List<String> federated = drop(c, "TABLE", "table name", scope, "SELECT TABLE_SCHEMA, TABLE_NAME FROM"
                + " information_schema.TABLES WHERE UPPER(ENGINE) = 'FEDERATED' ORDER BY TABLE_SCHEMA, TABLE_NAME");
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

    /**
     * Drops the objects {@code query} lists ({@code schema, name} rows) whose schema is in scope; the scope is
     * applied here, not in SQL, since {@code information_schema}'s collation compares names case-insensitively.
     *
     * @return the dropped objects, {@code schema.name}
     */
    private static List<String> drop(Connection c, String kind, String what, Predicate<String> scope, String query)
            throws SQLException {
        List<String[]> found = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                if (scope.test(rs.getString(1))) {
                    found.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        List<String> dropped = new ArrayList<>();
        for (String[] o : found) {
            exec(c, "DROP " + kind + " IF EXISTS " + MySqlIdentifiers.quote(o[0], "schema name") + "."
                    + MySqlIdentifiers.quote(o[1], what));
            dropped.add(o[0] + "." + o[1]);
        }
        return List.copyOf(dropped);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
