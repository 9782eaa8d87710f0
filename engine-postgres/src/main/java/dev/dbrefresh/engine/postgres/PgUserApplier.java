package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Creates or updates the plan's users (roles) on a refreshed PostgreSQL target and grants them their
 * privileges.
 *
 * <p>For each {@link UserSpec}: {@code CREATE ROLE} when no role of that name exists (looked up in
 * {@code pg_roles} with a bind parameter), else {@code ALTER ROLE}; {@code LOGIN} or {@code NOLOGIN}
 * per the spec; the password from the secret reference, hashed client-side to a SCRAM-SHA-256 verifier
 * by pgjdbc's {@link PGConnection#alterUserPassword(String, char[], String)} so the plain password never
 * reaches the server or its logs ({@code PASSWORD NULL} when the spec has no secret: such a role cannot
 * log in with a password); then the grants. Only grants are made, nothing is revoked.
 *
 * <p>Everything runs in one transaction on the target database: either all users and grants are
 * applied or none. The whole list is validated before anything is sent: unknown privilege, object kind,
 * missing schema/table or reserved role name refuse the call with {@link IllegalArgumentException}.
 * Applying the same list twice gives the same state without error.
 *
 * <p>Privileges allowed per object kind, from PostgreSQL docs "GRANT"
 * (https://www.postgresql.org/docs/15/sql-grant.html) and "Privileges"
 * (https://www.postgresql.org/docs/15/ddl-priv.html): see {@link #ALLOWED_PRIVILEGES}. Role names
 * {@code public}, {@code none}, {@code current_user}, {@code current_role}, {@code session_user} and the
 * {@code pg_} prefix are reserved by the server ("CREATE ROLE", "Database Roles") and refused here.
 */
public final class PgUserApplier {

    /** Grant kinds ({@link GrantSpec#on()}) and the privileges each accepts (upper-case; input is case-insensitive). */
    public static final Map<String, Set<String>> ALLOWED_PRIVILEGES = Map.of(
            "database", Set.of("CONNECT", "CREATE", "TEMPORARY", "TEMP", "ALL"),
            "schema", Set.of("USAGE", "CREATE", "ALL"),
            "all-tables", Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"),
            "table", Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"),
            "all-sequences", Set.of("USAGE", "SELECT", "UPDATE", "ALL"));

    private static final Set<String> RESERVED_ROLE_NAMES =
            Set.of("public", "none", "current_user", "current_role", "session_user");

    private final PgTools tools;
    private final SecretResolver secrets;

    /**
     * @param tools   access to the target server
     * @param secrets resolves the users' password references
     */
    public PgUserApplier(PgTools tools, SecretResolver secrets) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /**
     * Applies the users to the target, in one transaction.
     *
     * @param target        the refreshed database; its user needs CREATEROLE (or superuser) and the
     *                      right to grant on the objects (owner or superuser)
     * @param adminPassword that user's password, or {@code null} where the server trusts the connection;
     *                      not cleared by this method
     * @param users         the plan's users
     * @return the user names, in the given order
     * @throws IllegalArgumentException when a user or grant is invalid (nothing is changed)
     * @throws SecretException          when a password reference cannot be resolved (nothing is changed)
     * @throws IllegalStateException    when a statement fails (cause: the {@link SQLException}; nothing is changed)
     */
    public List<String> apply(DatabaseEndpoint target, char[] adminPassword, List<UserSpec> users) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(users, "users");
        List<List<String>> grantSql = new ArrayList<>();
        for (UserSpec u : users) {
            grantSql.add(validate(u, target.database()));
        }
        if (users.isEmpty()) {
            return List.of();
        }
        try (Connection c = tools.connect(target, adminPassword)) {
            c.setAutoCommit(false);
            try {
                for (int i = 0; i < users.size(); i++) {
                    applyUser(c, users.get(i), grantSql.get(i));
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("applying users to " + target.display() + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + "); nothing was changed", e);
        }
        return users.stream().map(UserSpec::name).toList();
    }

    private void applyUser(Connection c, UserSpec u, List<String> grants) throws SQLException {
        String role = PgIdentifiers.quote(u.name());
        boolean exists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?")) {
            ps.setString(1, u.name());
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        String login = u.login() ? "LOGIN" : "NOLOGIN";
        exec(c, (exists ? "ALTER ROLE " : "CREATE ROLE ") + role + " " + login);
        if (u.passwordSecret() == null) {
            exec(c, "ALTER ROLE " + role + " PASSWORD NULL");
        } else {
            char[] password = secrets.resolve(u.passwordSecret());
            try {
                c.unwrap(PGConnection.class).alterUserPassword(u.name(), password, "scram-sha-256");
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        for (String grant : grants) {
            exec(c, grant + " TO " + role);
        }
    }

    /** Checks one user and builds its GRANT statements (without the {@code TO role} part). */
    private static List<String> validate(UserSpec u, String database) {
        if (u == null) {
            throw new IllegalArgumentException("a user in the list is null");
        }
        String name = PgIdentifiers.requireValid(u.name(), "role name");
        if (RESERVED_ROLE_NAMES.contains(name.toLowerCase(Locale.ROOT)) || name.startsWith("pg_")) {
            throw new IllegalArgumentException("role name '" + name + "' is reserved by PostgreSQL (" + RESERVED_ROLE_NAMES
                    + " and the pg_ prefix); choose another name");
        }
        List<String> sql = new ArrayList<>();
        for (GrantSpec g : u.grants() == null ? List.<GrantSpec>of() : u.grants()) {
            sql.add(grantSql(name, g, database));
        }
        return sql;
    }

    private static String grantSql(String user, GrantSpec g, String database) {
        if (g == null || g.on() == null) {
            throw new IllegalArgumentException("a grant of user '" + user + "' has no 'on'; use one of "
                    + ALLOWED_PRIVILEGES.keySet());
        }
        String on = g.on().trim().toLowerCase(Locale.ROOT);
        Set<String> allowed = ALLOWED_PRIVILEGES.get(on);
        if (allowed == null) {
            throw new IllegalArgumentException("grant of user '" + user + "' is on '" + g.on() + "', which is not a"
                    + " known object kind; use one of " + ALLOWED_PRIVILEGES.keySet());
        }
        if (g.privileges() == null || g.privileges().isEmpty()) {
            throw new IllegalArgumentException("grant on " + on + " of user '" + user + "' lists no privileges;"
                    + " allowed: " + new java.util.TreeSet<>(allowed));
        }
        Set<String> privs = new LinkedHashSet<>();
        for (String p : g.privileges()) {
            String norm = p == null ? "" : p.trim().toUpperCase(Locale.ROOT);
            if (!allowed.contains(norm)) {
                throw new IllegalArgumentException("privilege '" + p + "' is not allowed on " + on + " (user '" + user
                        + "'); allowed: " + new java.util.TreeSet<>(allowed));
            }
            privs.add(norm);
        }
        String list = String.join(", ", privs);
        return switch (on) {
            case "database" -> "GRANT " + list + " ON DATABASE " + PgIdentifiers.quote(database);
            case "schema" -> "GRANT " + list + " ON SCHEMA " + schema(user, g);
            case "all-tables" -> "GRANT " + list + " ON ALL TABLES IN SCHEMA " + schema(user, g);
            case "table" -> {
                if (g.table() == null || g.table().isEmpty()) {
                    throw new IllegalArgumentException("grant on table of user '" + user + "' names no table");
                }
                yield "GRANT " + list + " ON TABLE " + schema(user, g) + "."
                        + PgIdentifiers.quote(PgIdentifiers.requireValid(g.table(), "table name"));
            }
            case "all-sequences" -> "GRANT " + list + " ON ALL SEQUENCES IN SCHEMA " + schema(user, g);
            default -> throw new IllegalStateException("unhandled grant kind " + on);
        };
    }

    private static String schema(String user, GrantSpec g) {
        if (g.schema() == null || g.schema().isEmpty()) {
            throw new IllegalArgumentException("grant on " + g.on() + " of user '" + user + "' names no schema");
        }
        return PgIdentifiers.quote(PgIdentifiers.requireValid(g.schema(), "schema name"));
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
