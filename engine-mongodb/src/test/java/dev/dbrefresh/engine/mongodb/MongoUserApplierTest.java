package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link MongoUserApplier} over the MongoDB wire protocol, against
 * mongo-java-server in this JVM. That server answers the user management commands with 59
 * CommandNotFound, so the commands are checked as the driver sent them (a {@link CommandListener}),
 * against the plain server (the applier stops at the first command and reports it) and against a test
 * backend that keeps users in a map and answers the four commands the way MongoDB/DocumentDB do.
 */
class MongoUserApplierTest {

    private static final String PASSWORD = "pw-'\"\\$-{ü}";
    private static final EnvFileSecretResolver SECRETS =
            new EnvFileSecretResolver(Map.of("DBR_PW", PASSWORD, "DBR_NEW_PW", "new-pw")::get);
    private static final Set<String> DRIVER_HOUSEKEEPING = Set.of("hello", "ismaster", "isMaster", "buildInfo",
            "endSessions", "saslStart", "saslContinue");

    /** Command name and a copy of the command (the event's own document is only valid during the callback). */
    private final List<Map.Entry<String, BsonDocument>> commands = Collections.synchronizedList(new ArrayList<>());
    private MongoServer server;
    private MongoClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void apply_shouldSendUsersInfoAndReportCommandNotFound_whenServerHasNoUserCommands() {
        start(new MemoryBackend());
        MongoUserApplier applier = new MongoUserApplier(SECRETS);

        assertThatThrownBy(() -> applier.apply(client, "app", "master", List.of(reader("app_reader"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("usersInfo for user 'app_reader' failed")
                .cause().isInstanceOfSatisfying(MongoCommandException.class, e -> assertThat(e.getCode()).isEqualTo(59));
        assertThat(sent()).containsExactly(BsonDocument.parse(
                "{usersInfo: {user: 'app_reader', db: 'admin'}, $db: 'admin'}"));
    }

    @Test
    void apply_shouldCreateUserWithRoles_whenUserDoesNotExist() {
        UserCommandsBackend backend = new UserCommandsBackend();
        start(backend);

        List<String> applied = new MongoUserApplier(SECRETS).apply(client, "app", "master", List.of(reader("app_reader")));

        assertThat(applied).containsExactly("app_reader");
        assertThat(sent()).containsExactly(
                BsonDocument.parse("{usersInfo: {user: 'app_reader', db: 'admin'}, $db: 'admin'}"),
                BsonDocument.parse("{createUser: '<redacted>'}"));
        assertThat(backend.received).containsExactly(
                "createUser app_reader pwd=" + PASSWORD
                        + " roles=[read@app, readWrite@reports, readAnyDatabase@admin]");
        assertThat(backend.users).containsEntry("app_reader", PASSWORD);
    }

    @Test
    void apply_shouldUpdatePasswordAndGrantRoles_whenUserExists() {
        UserCommandsBackend backend = new UserCommandsBackend();
        start(backend);
        MongoUserApplier applier = new MongoUserApplier(SECRETS);
        applier.apply(client, "app", "master", List.of(reader("app_reader")));
        commands.clear();
        backend.received.clear();

        applier.apply(client, "app", "master", List.of(new UserSpec("app_reader", "env:DBR_NEW_PW", true,
                List.of(new GrantSpec(List.of("READ"), "database", null, null))))); // plans upper-case privileges

        assertThat(sent()).containsExactly(
                BsonDocument.parse("{usersInfo: {user: 'app_reader', db: 'admin'}, $db: 'admin'}"),
                BsonDocument.parse("{updateUser: '<redacted>'}"),
                BsonDocument.parse("{grantRolesToUser: 'app_reader', roles: [{role: 'read', db: 'app'}], $db: 'admin'}"));
        assertThat(backend.received).containsExactly("updateUser app_reader pwd=new-pw roles=null",
                "grantRolesToUser app_reader pwd=null roles=[read@app]");
        assertThat(backend.users).containsEntry("app_reader", "new-pw");
    }

    @Test
    void apply_shouldRefuseBeforeSendingAnything_whenARoleIsNotOffered() {
        start(new UserCommandsBackend());
        List<UserSpec> users = List.of(reader("ok_user"), new UserSpec("bad_user", "env:DBR_PW", true,
                List.of(new GrantSpec(List.of("root"), "database", null, null))));

        assertThatThrownBy(() -> new MongoUserApplier(SECRETS).apply(client, "app", "master", users))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("role 'root'");
        assertThat(sent()).isEmpty();
    }

    @Test
    void apply_shouldRefuse_whenUserHasNoPasswordOrIsTheMaster() {
        start(new UserCommandsBackend());
        MongoUserApplier applier = new MongoUserApplier(SECRETS);

        assertThatThrownBy(() -> applier.apply(client, "app", "master", List.of(new UserSpec("u", null, true, List.of()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password");
        assertThatThrownBy(() -> applier.apply(client, "app", "master", List.of(new UserSpec("master", "env:DBR_PW", true,
                List.of())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("master user");
        assertThatThrownBy(() -> applier.apply(client, "app", "master", List.of(new UserSpec("u", "env:DBR_PW", true,
                List.of(new GrantSpec(List.of("READ"), "table", "s", "t"))))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on: database or on: schema");
        assertThat(sent()).isEmpty();
    }

    private static UserSpec reader(String name) {
        return new UserSpec(name, "env:DBR_PW", true, List.of(
                new GrantSpec(List.of("READ"), "database", null, null),
                new GrantSpec(List.of("readWrite"), "schema", "reports", null),
                new GrantSpec(List.of("READANYDATABASE", "read"), "database", null, null)));
    }

    private void start(MemoryBackend backend) {
        server = new MongoServer(backend);
        InetSocketAddress address = server.bind();
        client = MongoClients.create(com.mongodb.MongoClientSettings.builder().applyConnectionString(
                new com.mongodb.ConnectionString("mongodb://" + address.getHostString() + ":" + address.getPort()))
                .addCommandListener(new CommandListener() {
                    @Override
                    public void commandStarted(CommandStartedEvent event) {
                        commands.add(Map.entry(event.getCommandName(), BsonDocument.parse(event.getCommand().toJson())));
                    }
                }).build());
    }

    /**
     * The commands sent as the command listener saw them, without the driver's own housekeeping and
     * session fields. The driver redacts security-sensitive commands ({@code createUser}, {@code updateUser})
     * to an empty document for listeners (MongoDB driver spec "Command Logging and Monitoring"), so those
     * are checked by name here and by content where the server received them.
     */
    private List<BsonDocument> sent() {
        synchronized (commands) {
            return commands.stream()
                    .filter(e -> !DRIVER_HOUSEKEEPING.contains(e.getKey()))
                    .map(e -> {
                        BsonDocument d = e.getValue();
                        d.remove("lsid");
                        d.remove("$readPreference");
                        return d.isEmpty() ? new BsonDocument(e.getKey(), new BsonString("<redacted>")) : d;
                    })
                    .toList();
        }
    }

    /**
     * mongo-java-server's memory backend plus a user store that answers {@code usersInfo}, {@code createUser},
     * {@code updateUser} and {@code grantRolesToUser} (on {@code admin}) the way MongoDB does.
     */
    static final class UserCommandsBackend extends MemoryBackend {

        final Map<String, Object> users = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<String> received = Collections.synchronizedList(new ArrayList<>());

        @Override
        public de.bwaldvogel.mongo.bson.Document handleCommand(Channel channel, String database, String command,
                de.bwaldvogel.mongo.bson.Document query) {
            if (!"admin".equals(database)) {
                return super.handleCommand(channel, database, command, query);
            }
            if (Set.of("createUser", "updateUser", "grantRolesToUser").contains(command)) {
                received.add(command + " " + query.get(command) + " pwd=" + query.get("pwd") + " roles=" + roles(query));
            }
            switch (command) {
                case "usersInfo" -> {
                    var filter = (de.bwaldvogel.mongo.bson.Document) query.get("usersInfo");
                    String user = (String) filter.get("user");
                    List<Object> found = users.containsKey(user)
                            ? List.of(new de.bwaldvogel.mongo.bson.Document("user", user).append("db", "admin"))
                            : List.of();
                    return new de.bwaldvogel.mongo.bson.Document("users", found).append("ok", 1.0);
                }
                case "createUser" -> {
                    users.put((String) query.get("createUser"), query.get("pwd"));
                    return new de.bwaldvogel.mongo.bson.Document("ok", 1.0);
                }
                case "updateUser" -> {
                    users.put((String) query.get("updateUser"), query.get("pwd"));
                    return new de.bwaldvogel.mongo.bson.Document("ok", 1.0);
                }
                case "grantRolesToUser" -> {
                    return new de.bwaldvogel.mongo.bson.Document("ok", 1.0);
                }
                default -> {
                    return super.handleCommand(channel, database, command, query);
                }
            }
        }

        private static String roles(de.bwaldvogel.mongo.bson.Document query) {
            if (!(query.get("roles") instanceof List<?> roles)) {
                return "null";
            }
            return roles.stream().map(r -> (de.bwaldvogel.mongo.bson.Document) r)
                    .map(r -> r.get("role") + "@" + r.get("db")).toList().toString();
        }
    }
}
