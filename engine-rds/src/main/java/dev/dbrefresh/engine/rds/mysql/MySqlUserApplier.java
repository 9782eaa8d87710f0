package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Creates or updates the plan's users on a refreshed MySQL-compatible target (Aurora MySQL, MySQL 8,
 * MariaDB 10.4+) and grants them their privileges.
 *
 * <p>For each {@link UserSpec}, as account {@code 'name'@'%'}:
 * <ol>
 *   <li>{@code CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?}: a no-op when the account exists;</li>
 *   <li>{@code ALTER USER ?@'%' IDENTIFIED BY ?}: the password from the secret reference, so an existing
 *       account (or one the snapshot brought along) gets the plan's password;</li>
 *   <li>{@code ALTER USER ?@'%' ACCOUNT UNLOCK}, or {@code ACCOUNT LOCK} when the spec says
 *       {@code login: false} or has no password secret (an account without a password is never left
 *       open);</li>
 *   <li>one {@code GRANT <privileges> ON <level> TO ?@'%'} per grant. Only grants are made, nothing is
 *       revoked.</li>
 * </ol>
 * The server takes no placeholders in account-management statements, so the user name and the password
 * are bound as parameters of a client-side prepared statement: Connector/J sends them as string literals
 * it escapes itself, honouring the session's {@code NO_BACKSLASH_ESCAPES} mode ({@link MySqlTarget} sets
 * {@code useServerPrepStmts=false}). Object names are backtick-quoted ({@link MySqlIdentifiers}), and
 * privileges are checked against {@link #ALLOWED_PRIVILEGES}; nothing from a plan is spliced in
 * unchecked. Statements from the MySQL 8.0 reference manual: "CREATE USER", "ALTER USER", "GRANT"
 * (https://dev.mysql.com/doc/refman/8.0/en/grant.html), privilege levels from "Privileges Provided by
 * MySQL" (https://dev.mysql.com/doc/refman/8.0/en/privileges-provided.html).
 *
 * <p>Grant kinds ({@link GrantSpec#on()}): {@code database}: the target database ({@code `db`.*});
 * {@code schema} and {@code all-tables}: the database named by {@code schema} (a MySQL schema is a
 * database); {@code table}: {@code `schema`.`table`}. {@code all-sequences} does not exist in MySQL and is
 * refused.
 *
 * <p>Account management statements commit implicitly in MySQL, so the list is not applied in one
 * transaction; instead the whole list is validated before anything is sent, and every statement is
 * idempotent, so applying the same list again (a redelivery) finishes a partly applied list and gives the
 * same state without error.
 */
public final class MySqlUserApplier {

    /** Grant kinds ({@link GrantSpec#on()}) and the privileges each accepts (upper-case; input is case-insensitive). */
    public static final Map<String, Set<String>> ALLOWED_PRIVILEGES;

    /** Longest user name accepted: MySQL 8.0's limit (MariaDB accepts 80 characters). */
    public static final int MAX_USER_NAME_LENGTH = 32;

    private static final Set<String> DATABASE_LEVEL = Set.of("ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE",
            "CREATE TEMPORARY TABLES", "CREATE VIEW", "DELETE", "DROP", "EVENT", "EXECUTE", "INDEX", "INSERT",
            "LOCK TABLES", "REFERENCES", "SELECT", "SHOW VIEW", "TRIGGER", "UPDATE", "ALL", "ALL PRIVILEGES");
    private static final Set<String> TABLE_LEVEL = Set.of("ALTER", "CREATE", "CREATE VIEW", "DELETE", "DROP", "INDEX",
            "INSERT", "REFERENCES", "SELECT", "SHOW VIEW", "TRIGGER", "UPDATE", "ALL", "ALL PRIVILEGES");

    static {
        ALLOWED_PRIVILEGES = Map.of("database", DATABASE_LEVEL, "schema", DATABASE_LEVEL, "all-tables", DATABASE_LEVEL,
                "table", TABLE_LEVEL);
    }

    /** Accounts that belong to the server or to RDS and are never touched (RDS: "Master user account privileges"). */
    private static final Set<String> RESERVED_USERS = Set.of("root", "rdsadmin", "rdsrepladmin", "rds_superuser_role",
            "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema");

    private final SecretResolver secrets;

    /** @param secrets resolves the users' password references */
    public MySqlUserApplier(SecretResolver secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /**
     * Applies the users to the target.
     *
     * @param target        the refreshed server; its user needs {@code CREATE USER} and the privileges it
     *                      grants {@code WITH GRANT OPTION} (the RDS master user has both)
     * @param adminPassword that user's password, or {@code null} for none; not cleared by this method
     * @param users         the plan's users
     * @return the user names, in the given order
     * @throws IllegalArgumentException when a user or grant is invalid (nothing is changed)
     * @throws SecretException          when a password reference cannot be resolved (users before it are applied)
     * @throws IllegalStateException    when a statement fails (cause: the {@link SQLException}); applying again
     *                                  after fixing the cause is safe
     */
    public List<String> apply(MySqlTarget target, char[] adminPassword, List<UserSpec> users) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(users, "users");
        List<List<String>> grants = new ArrayList<>();
        for (UserSpec u : users) {
            grants.add(validate(u, target));
        }
        if (users.isEmpty()) {
            return List.of();
        }
        try (Connection c = target.connect(adminPassword)) {
            for (int i = 0; i < users.size(); i++) {
                applyUser(c, users.get(i), grants.get(i));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("applying users to " + target.display() + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")", e);
        }
        return users.stream().map(UserSpec::name).toList();
    }

    private void applyUser(Connection c, UserSpec u, List<String> grants) throws SQLException {
        boolean locked = !u.login() || u.passwordSecret() == null;
        if (u.passwordSecret() == null) {
            exec(c, "CREATE USER IF NOT EXISTS ?@'%' ACCOUNT LOCK", u.name());
        } else {
            char[] password = secrets.resolve(u.passwordSecret());
            try {
                String pw = new String(password);
                exec(c, "CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", u.name(), pw);
                exec(c, "ALTER USER ?@'%' IDENTIFIED BY ?", u.name(), pw);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        exec(c, "ALTER USER ?@'%' ACCOUNT " + (locked ? "LOCK" : "UNLOCK"), u.name());
        for (String grant : grants) {
            exec(c, grant + " TO ?@'%'", u.name());
        }
    }

    /** Checks one user and builds its GRANT statements (without the {@code TO account} part). */
    private static List<String> validate(UserSpec u, MySqlTarget target) {
        if (u == null) {
            throw new IllegalArgumentException("a user in the list is null");
        }
        String name = u.name();
        if (name == null || name.isEmpty() || name.length() > MAX_USER_NAME_LENGTH || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("user name '" + name + "' must have 1 to " + MAX_USER_NAME_LENGTH
                    + " characters and no NUL");
        }
        if (RESERVED_USERS.contains(name.toLowerCase(Locale.ROOT)) || name.equals(target.username())) {
            throw new IllegalArgumentException("user name '" + name + "' is the master user or reserved by MySQL/RDS ("
                    + new TreeSet<>(RESERVED_USERS) + "); choose another name");
        }
        List<String> sql = new ArrayList<>();
        for (GrantSpec g : u.grants() == null ? List.<GrantSpec>of() : u.grants()) {
            sql.add(grantSql(name, g, target.database()));
        }
        return sql;
    }

    private static String grantSql(String user, GrantSpec g, String database) {
        String on = g == null || g.on() == null ? "" : g.on().trim().toLowerCase(Locale.ROOT);
        Set<String> allowed = ALLOWED_PRIVILEGES.get(on);
        if (allowed == null) {
            throw new IllegalArgumentException("grant of user '" + user + "' is on '" + on + "', which MySQL does not"
                    + " have; use one of " + new TreeSet<>(ALLOWED_PRIVILEGES.keySet()));
        }
        if (g.privileges() == null || g.privileges().isEmpty()) {
            throw new IllegalArgumentException("grant on " + on + " of user '" + user + "' lists no privileges;"
                    + " allowed: " + new TreeSet<>(allowed));
        }
        Set<String> privs = new LinkedHashSet<>();
        for (String p : g.privileges()) {
            String norm = p == null ? "" : p.trim().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
            if (!allowed.contains(norm)) {
                throw new IllegalArgumentException("privilege '" + p + "' is not allowed on " + on + " in MySQL (user '"
                        + user + "'); allowed: " + new TreeSet<>(allowed));
            }
            privs.add(norm);
        }
        String level = switch (on) {
            case "database" -> MySqlIdentifiers.quote(database, "database name") + ".*";
            case "schema", "all-tables" -> MySqlIdentifiers.quote(requireSchema(user, g), "schema name") + ".*";
            case "table" -> {
                if (g.table() == null || g.table().isEmpty()) {
                    throw new IllegalArgumentException("grant on table of user '" + user + "' names no table");
                }
                yield MySqlIdentifiers.quote(requireSchema(user, g), "schema name") + "."
                        + MySqlIdentifiers.quote(g.table(), "table name");
            }
            default -> throw new IllegalStateException("unhandled grant kind " + on);
        };
        return "GRANT " + String.join(", ", privs) + " ON " + level;
    }

    private static String requireSchema(String user, GrantSpec g) {
        if (g.schema() == null || g.schema().isEmpty()) {
            throw new IllegalArgumentException("grant on " + g.on() + " of user '" + user + "' names no schema"
                    + " (in MySQL: the database)");
        }
        return g.schema();
    }

    private static void exec(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
