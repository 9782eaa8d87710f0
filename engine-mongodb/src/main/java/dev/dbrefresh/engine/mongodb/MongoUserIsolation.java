package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bson.Document;

/**
 * Isolates a restored MongoDB database from production's users: a {@code mongodump} of one database carries no
 * users (they live in {@code admin.system.users}; only a full dump with {@code --restoreDbUsersAndRoles} brings
 * them), so what can log in to the copy are the users the target server already has for that database. Each user
 * defined on the target database ({@code usersInfo: 1} there) that is not spared is removed ({@code dropUser});
 * each user of another database (usually {@code admin}) holding roles on the target database
 * ({@code usersInfo: {forAllDBs: true}} on {@code admin}) that is not spared loses those roles
 * ({@code revokeRolesFromUser}). Its roles on other databases are left alone. Sources: MongoDB manual
 * "usersInfo", "dropUser", "revokeRolesFromUser" (https://www.mongodb.com/docs/manual/reference/command/).
 *
 * <p>A server that answers {@code usersInfo} with 59 CommandNotFound has no user management (mongo-java-server,
 * which local-stack runs; a real {@code mongod} always has it): nobody can log in as a user there, and the
 * finding says so.
 */
public final class MongoUserIsolation {

    private static final int COMMAND_NOT_FOUND = 59;

    private final Set<String> spared;

    /** @param spared users never touched: the target user, the plan's users, {@code keep-roles} */
    public MongoUserIsolation(Collection<String> spared) {
        this.spared = Set.copyOf(Objects.requireNonNull(spared, "spared"));
    }

    /**
     * What isolation did.
     *
     * @param dropped       users of the target database removed
     * @param revoked       {@code user@db: role, role} whose roles on the target database were revoked
     * @param noUserSupport whether the server has no user commands (nothing to do)
     */
    public record Findings(List<String> dropped, List<String> revoked, boolean noUserSupport) {

        /** @return e.g. {@code 2 users dropped [a, b]; roles on the database revoked from 1 user [x@admin: read]} */
        public String describe() {
            if (noUserSupport) {
                return "the server has no user commands (usersInfo: CommandNotFound): no user can log in, nothing"
                        + " to isolate";
            }
            return dropped.size() + " users of the database dropped " + dropped + "; roles on the database revoked from "
                    + revoked.size() + " other users " + revoked;
        }
    }

    /**
     * @param client   a client connected as the target user
     * @param database the restored database
     * @return what was removed and revoked
     * @throws IllegalStateException naming the command when one fails (cause: the {@link MongoException}); running
     *                               again is safe (what was dropped or revoked is no longer listed)
     */
    public Findings isolate(MongoClient client, String database) {
        Document own;
        try {
            own = client.getDatabase(database).runCommand(new Document("usersInfo", 1));
        } catch (MongoCommandException e) {
            if (e.getCode() == COMMAND_NOT_FOUND) {
                return new Findings(List.of(), List.of(), true);
            }
            throw failed("usersInfo", e);
        }
        List<String> dropped = new ArrayList<>();
        for (Document u : own.getList("users", Document.class, List.of())) {
            String name = u.getString("user");
            if (name != null && database.equals(u.getString("db")) && !spared(name)) {
                run(client, database, new Document("dropUser", name));
                dropped.add(name);
            }
        }
        Document all = run(client, MongoUserApplier.AUTH_DB, new Document("usersInfo", new Document("forAllDBs", true)));
        List<String> revoked = new ArrayList<>();
        for (Document u : all.getList("users", Document.class, List.of())) {
            String name = u.getString("user");
            String db = u.getString("db");
            if (name == null || db == null || db.equals(database) || spared(name)) {
                continue;
            }
            List<Document> roles = u.getList("roles", Document.class, List.of()).stream()
                    .filter(r -> database.equals(r.getString("db")))
                    .map(r -> new Document("role", r.getString("role")).append("db", database)).toList();
            if (!roles.isEmpty()) {
                run(client, db, new Document("revokeRolesFromUser", name).append("roles", roles));
                revoked.add(name + "@" + db + ": " + String.join(", ", roles.stream().map(r -> r.getString("role")).toList()));
            }
        }
        return new Findings(List.copyOf(dropped), List.copyOf(revoked), false);
    }

    private boolean spared(String user) {
        return spared.contains(user) || Set.of("root", "__system").contains(user);
    }

    private static Document run(MongoClient client, String db, Document command) {
        try {
            return client.getDatabase(db).runCommand(command);
        } catch (MongoException e) {
            throw failed(command.keySet().iterator().next(), e);
        }
    }

    private static IllegalStateException failed(String command, MongoException e) {
        return new IllegalStateException(command + " failed: " + e.getMessage() + " (code " + e.getCode() + ")", e);
    }
}
