package dev.dbrefresh.engine.rds.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bson.Document;

/**
 * Removes production's users from a restored DocumentDB cluster before the plan's users are created: DocumentDB
 * keeps every user in {@code admin} and has no way to lock one, so each user {@code usersInfo: 1} lists that is
 * not the master user, a plan user, in {@code keep-roles} or DocumentDB's own ({@code serviceadmin},
 * {@code rdsadmin}) is dropped ({@code dropUser}). Sources: Amazon DocumentDB developer guide, "Managing Amazon
 * DocumentDB users" (https://docs.aws.amazon.com/documentdb/latest/developerguide/security.managing-users.html),
 * MongoDB manual "usersInfo", "dropUser".
 */
public final class MongoIsolation {

    /** Users that belong to DocumentDB or MongoDB itself: never removed. */
    public static final Set<String> RESERVED = Set.of("root", "rdsadmin", "serviceadmin");

    private final Set<String> spared;

    /** @param spared users never removed: the master user, the plan's users, {@code keep-roles} */
    public MongoIsolation(Collection<String> spared) {
        this.spared = Set.copyOf(Objects.requireNonNull(spared, "spared"));
    }

    /**
     * @param client a client connected as the master user
     * @return the removed users, in the server's order
     * @throws IllegalStateException when a command fails (cause: the {@link MongoException}); running again is safe
     */
    public List<String> removeProductionUsers(MongoClient client) {
        MongoDatabase admin = client.getDatabase("admin");
        Document info = run(admin, new Document("usersInfo", 1));
        List<String> removed = new ArrayList<>();
        for (Document u : info.getList("users", Document.class, List.of())) {
            String name = u.getString("user");
            if (name == null || RESERVED.contains(name) || spared.contains(name)) {
                continue;
            }
            run(admin, new Document("dropUser", name));
            removed.add(name);
        }
        return List.copyOf(removed);
    }

    private static Document run(MongoDatabase admin, Document command) {
        String name = command.keySet().iterator().next();
        try {
            return admin.runCommand(command);
        } catch (MongoException e) {
            throw new IllegalStateException(name + " failed: " + e.getMessage() + " (code " + e.getCode() + ")", e);
        }
    }
}
