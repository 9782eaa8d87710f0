package dev.dbrefresh.engine.mongodb.testing;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * mongo-java-server's memory backend plus a user store on {@code admin}, for the tests of code that manages MongoDB or
 * DocumentDB users: mongo-java-server itself answers the user commands with 59 CommandNotFound. On {@code admin} it
 * answers {@code usersInfo} (all users for {@code usersInfo: 1}, one for {@code usersInfo: {user: …}}),
 * {@code createUser}, {@code updateUser}, {@code grantRolesToUser} and {@code dropUser} the way MongoDB does, and
 * records what it was asked; every other command goes to the memory backend.
 */
public class UserCommandsBackend extends MemoryBackend {

    /** The users of {@code admin} by name, each with the password it was created or updated with ({@code null}: none). */
    public final Map<String, Object> users = Collections.synchronizedMap(new LinkedHashMap<>());
    /**
     * Each {@code createUser}, {@code updateUser} and {@code grantRolesToUser} received, in order, as
     * {@code "<command> <user> pwd=<pwd> roles=[role@db, …]"} ({@code null} where the command had none).
     */
    public final List<String> received = Collections.synchronizedList(new ArrayList<>());
    /** The users dropped, in order. */
    public final List<String> dropped = Collections.synchronizedList(new ArrayList<>());

    /** A backend with no users. */
    public UserCommandsBackend() {
        this(List.of());
    }

    /** @param existing the users {@code admin} already has (without passwords), e.g. production's */
    public UserCommandsBackend(List<String> existing) {
        existing.forEach(u -> users.put(u, null));
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        if (!"admin".equals(database)) {
            return super.handleCommand(channel, database, command, query);
        }
        if (Set.of("createUser", "updateUser", "grantRolesToUser").contains(command)) {
            received.add(command + " " + query.get(command) + " pwd=" + query.get("pwd") + " roles=" + roles(query));
        }
        switch (command) {
            case "usersInfo" -> {
                Object which = query.get("usersInfo");
                List<Object> found = new ArrayList<>();
                synchronized (users) {
                    for (String user : users.keySet()) {
                        if (!(which instanceof Document filter) || user.equals(filter.get("user"))) {
                            found.add(new Document("user", user).append("db", "admin"));
                        }
                    }
                }
                return new Document("users", found).append("ok", 1.0);
            }
            case "createUser", "updateUser" -> {
                users.put((String) query.get(command), query.get("pwd"));
                return new Document("ok", 1.0);
            }
            case "grantRolesToUser" -> {
                return new Document("ok", 1.0);
            }
            case "dropUser" -> {
                String name = (String) query.get("dropUser");
                dropped.add(name);
                users.remove(name);
                return new Document("ok", 1.0);
            }
            default -> {
                return super.handleCommand(channel, database, command, query);
            }
        }
    }

    private static String roles(Document query) {
        if (!(query.get("roles") instanceof List<?> roles)) {
            return "null";
        }
        return roles.stream().map(r -> (Document) r).map(r -> r.get("role") + "@" + r.get("db")).toList().toString();
    }
}
