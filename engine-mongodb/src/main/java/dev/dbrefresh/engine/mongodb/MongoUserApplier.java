package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.bson.Document;

/**
 * Creates or updates the plan's users on a restored DocumentDB (or MongoDB) cluster and grants them
 * built-in roles, with the user management commands of the MongoDB driver.
 *
 * <p>Users live in the {@value #AUTH_DB} database, as DocumentDB requires ("Managing Amazon DocumentDB
 * users", https://docs.aws.amazon.com/documentdb/latest/developerguide/security.managing-users.html). For
 * each {@link UserSpec}, all run on {@value #AUTH_DB}:
 * <ol>
 *   <li>{@code {usersInfo: {user: <name>, db: "admin"}}}: does the user exist?</li>
 *   <li>no: {@code {createUser: <name>, pwd: <password>, roles: [<roles>]}};</li>
 *   <li>yes: {@code {updateUser: <name>, pwd: <password>}} and, when the spec has roles,
 *       {@code {grantRolesToUser: <name>, roles: [<roles>]}}. Roles the user already holds stay: only
 *       grants are made, nothing is revoked.</li>
 * </ol>
 * (MongoDB manual, "User Management Commands", https://www.mongodb.com/docs/manual/reference/command/nav-user-management/;
 * DocumentDB supports these commands with SCRAM users.) Values travel as BSON fields, never as text, so
 * names and passwords need no escaping.
 *
 * <p>Grants map to roles {@code {role, db}}: the privileges of a grant are role names (matched without
 * regard to case, since plans upper-case privileges): {@link #DATABASE_ROLES} on {@code on: database}
 * (the plan's database) or {@code on: schema} (the database named by {@code schema}), and
 * {@link #ADMIN_ROLES}, which always apply to {@value #AUTH_DB}. DocumentDB's built-in roles are listed in
 * "Role-based access control" (https://docs.aws.amazon.com/documentdb/latest/developerguide/role_based_access_control.html);
 * {@code root} and the cluster administration roles are deliberately not offered. A user without a
 * password secret is refused: a SCRAM user cannot exist without a password.
 *
 * <p>The whole list is validated before any command is sent; every step is idempotent, so applying the
 * same list again (a redelivery) gives the same state.
 */
public final class MongoUserApplier {

    /** The database that holds the users (authentication database). */
    public static final String AUTH_DB = "admin";

    /** Roles granted on one database, by upper-case name. */
    public static final Map<String, String> DATABASE_ROLES = byUpperCase("read", "readWrite", "dbAdmin", "dbOwner",
            "userAdmin");

    /** Roles that apply to every database; granted on {@value #AUTH_DB}, by upper-case name. */
    public static final Map<String, String> ADMIN_ROLES = byUpperCase("readAnyDatabase", "readWriteAnyDatabase",
            "dbAdminAnyDatabase", "userAdminAnyDatabase", "clusterMonitor");

    private static final Set<String> RESERVED_USERS = Set.of("root", "rdsadmin", "serviceadmin");

    private final SecretResolver secrets;

    /** @param secrets resolves the users' password references */
    public MongoUserApplier(SecretResolver secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /**
     * Applies the users.
     *
     * @param client   a client connected as a user allowed to manage users (the DocumentDB master user)
     * @param database the plan's database, target of {@code on: database} grants, or {@code null} when
     *                 the plan names none (such grants are then refused)
     * @param master   the master user's name (never re-created here), or {@code null}
     * @param users    the plan's users
     * @return the user names, in the given order
     * @throws IllegalArgumentException when a user or grant is invalid (nothing is changed)
     * @throws SecretException          when a password reference cannot be resolved
     * @throws IllegalStateException    when a command fails (cause: the {@link MongoException}, e.g. code 13
     *                                  Unauthorized or 59 CommandNotFound); applying again is safe
     */
    public List<String> apply(MongoClient client, String database, String master, List<UserSpec> users) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(users, "users");
        List<List<Document>> roles = new ArrayList<>();
        for (UserSpec u : users) {
            roles.add(validate(u, database, master));
        }
        MongoDatabase admin = client.getDatabase(AUTH_DB);
        for (int i = 0; i < users.size(); i++) {
            applyUser(admin, users.get(i), roles.get(i));
        }
        return users.stream().map(UserSpec::name).toList();
    }

    private void applyUser(MongoDatabase admin, UserSpec u, List<Document> roles) {
        Document info = run(admin, u.name(), new Document("usersInfo", new Document("user", u.name()).append("db", AUTH_DB)));
        boolean exists = !info.getList("users", Document.class, List.of()).isEmpty();
        char[] password = secrets.resolve(u.passwordSecret());
        try {
            String pwd = new String(password);
            if (!exists) {
                run(admin, u.name(), new Document("createUser", u.name()).append("pwd", pwd).append("roles", roles));
                return;
            }
            run(admin, u.name(), new Document("updateUser", u.name()).append("pwd", pwd));
        } finally {
            Arrays.fill(password, '\0');
        }
        if (!roles.isEmpty()) {
            run(admin, u.name(), new Document("grantRolesToUser", u.name()).append("roles", roles));
        }
    }

    /** Runs one command; the error names the command and the user, never the password. */
    private static Document run(MongoDatabase admin, String user, Document command) {
        String name = command.keySet().iterator().next();
        try {
            return admin.runCommand(command);
        } catch (MongoException e) {
            throw new IllegalStateException(name + " for user '" + user + "' failed: " + e.getMessage()
                    + " (code " + e.getCode() + ")", e);
        }
    }

    private static List<Document> validate(UserSpec u, String database, String master) {
        if (u == null || u.name() == null || u.name().isEmpty() || u.name().indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a user has no name or a name with NUL");
        }
        String name = u.name();
        if (RESERVED_USERS.contains(name.toLowerCase(Locale.ROOT)) || name.equals(master)) {
            throw new IllegalArgumentException("user name '" + name + "' is the master user or reserved ("
                    + new TreeSet<>(RESERVED_USERS) + "); choose another name");
        }
        if (u.passwordSecret() == null) {
            throw new IllegalArgumentException("user '" + name + "' has no password-secret; DocumentDB users"
                    + " authenticate with SCRAM and need a password");
        }
        if (!u.login()) {
            throw new IllegalArgumentException("user '" + name + "' has login: false; DocumentDB has no users that"
                    + " cannot log in (leave the user out of the plan instead)");
        }
        List<Document> roles = new ArrayList<>();
        for (GrantSpec g : u.grants() == null ? List.<GrantSpec>of() : u.grants()) {
            String on = g == null || g.on() == null ? "" : g.on().trim().toLowerCase(Locale.ROOT);
            String db = switch (on) {
                case "database" -> {
                    if (database == null) {
                        throw new IllegalArgumentException("user '" + name + "' has a grant on database, but the plan"
                                + " names no target.database; use on: schema with schema: <database>");
                    }
                    yield database;
                }
                case "schema" -> {
                    if (g.schema() == null || g.schema().isEmpty()) {
                        throw new IllegalArgumentException("grant on schema of user '" + name + "' names no schema"
                                + " (in DocumentDB: the database)");
                    }
                    yield g.schema();
                }
                default -> throw new IllegalArgumentException("grant of user '" + name + "' is on '" + on + "'; DocumentDB"
                        + " grants are roles on a database: use on: database or on: schema");
            };
            if (g.privileges() == null || g.privileges().isEmpty()) {
                throw new IllegalArgumentException("grant on " + on + " of user '" + name + "' lists no roles");
            }
            for (String p : g.privileges()) {
                String key = p == null ? "" : p.trim().toUpperCase(Locale.ROOT);
                if (DATABASE_ROLES.containsKey(key)) {
                    addOnce(roles, new Document("role", DATABASE_ROLES.get(key)).append("db", db));
                } else if (ADMIN_ROLES.containsKey(key)) {
                    addOnce(roles, new Document("role", ADMIN_ROLES.get(key)).append("db", AUTH_DB));
                } else {
                    throw new IllegalArgumentException("role '" + p + "' of user '" + name + "' is not offered; use one of "
                            + new TreeSet<>(DATABASE_ROLES.values()) + " or " + new TreeSet<>(ADMIN_ROLES.values()));
                }
            }
        }
        return roles;
    }

    private static void addOnce(List<Document> roles, Document role) {
        if (!roles.contains(role)) {
            roles.add(role);
        }
    }

    private static Map<String, String> byUpperCase(String... roles) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String r : roles) {
            m.put(r.toUpperCase(Locale.ROOT), r);
        }
        return Map.copyOf(m);
    }
}
