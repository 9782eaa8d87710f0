package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.event.CommandListener;
import dev.dbrefresh.engine.mongodb.testing.MongoWire;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MongoUserIsolation} at the driver boundary. mongo-java-server answers the user commands ({@code usersInfo},
 * {@code dropUser}, {@code revokeRolesFromUser}) with 59 CommandNotFound, so the exact command documents the driver
 * sent are checked (a {@link CommandListener}, {@link MongoWire}), against a test backend that answers them from a
 * fixed user list the way MongoDB does, and against the plain server.
 */
class MongoUserIsolationTest {

    private MongoWire wire;
    private MongoClient client;

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.close();
        }
    }

    private void start(MemoryBackend backend) {
        wire = MongoWire.start(backend);
        client = wire.client();
    }

    @Test
    void isolate_shouldDropTheDatabasesUsersAndRevokeOthersRolesOnIt_butSpareThePlansUsers() {
        start(new UsersBackend());

        MongoUserIsolation.Findings f = new MongoUserIsolation(Set.of("app_reader", "master", "reporting"))
                .isolate(client, "shop_acceptance");

        assertThat(f.dropped()).containsExactly("prod_app");
        assertThat(f.revoked()).containsExactly("prod_ops@admin: readWrite, dbAdmin");
        assertThat(f.describe()).isEqualTo("1 users of the database dropped [prod_app]; roles on the database revoked"
                + " from 1 other users [prod_ops@admin: readWrite, dbAdmin]");
        assertThat(wire.sent()).containsExactly(
                BsonDocument.parse("{usersInfo: 1, $db: 'shop_acceptance'}"),
                BsonDocument.parse("{dropUser: 'prod_app', $db: 'shop_acceptance'}"),
                BsonDocument.parse("{usersInfo: {forAllDBs: true}, $db: 'admin'}"),
                BsonDocument.parse("{revokeRolesFromUser: 'prod_ops', roles: [{role: 'readWrite', db: 'shop_acceptance'},"
                        + " {role: 'dbAdmin', db: 'shop_acceptance'}], $db: 'admin'}"));
        // Not sent: nothing for the spared users, nothing about other databases' roles, no dropUser in admin.
        assertThat(wire.sent()).noneMatch(c -> c.toJson().contains("reporting") || c.toJson().contains("app_reader")
                || c.toJson().contains("other_db"));
    }

    /**
     * With {@code uri-secret} the engine logs in as the connection string's user, which the plan's {@code username}
     * does not name: isolation spares that user and the users step refuses to re-create it. (mongo-java-server has no
     * SCRAM, so the login itself is not exercised; the client here connects without credentials.)
     */
    @Test
    void isolate_shouldSpareTheConnectionStringsUser_andTheUsersStepRefuseToRecreateIt() throws Exception {
        start(new UsersBackend());
        var target = new dev.dbrefresh.runtime.plan.DatabaseEndpoint("127.0.0.1", 27017, "shop_acceptance", null, null);
        var connection = new dev.dbrefresh.runtime.plan.MongoSettings.Connection("env:TARGET_URI", false, null, false);
        dev.dbrefresh.runtime.secrets.SecretResolver secrets = ref -> ref.equals("env:TARGET_URI")
                ? "mongodb://prod_ops:s3cret@127.0.0.1:27017/?authSource=admin".toCharArray() : null;

        String user = MongoEndpoints.user(target, connection, secrets);
        MongoUserIsolation.Findings f = new MongoUserIsolation(MongoRestoreEngine.spared(List.of(), user))
                .isolate(client, "shop_acceptance");

        assertThat(user).isEqualTo("prod_ops");
        assertThat(f.revoked()).containsExactly("reporting@admin: read").noneMatch(r -> r.startsWith("prod_ops"));
        assertThat(wire.sent()).noneMatch(c -> c.toJson().contains("prod_ops"));
        wire.clearSent();
        var self = new dev.dbrefresh.runtime.plan.UserSpec("prod_ops", "env:PW", true, List.of());
        assertThatThrownBy(() -> new MongoUserApplier(ref -> "pw".toCharArray()).apply(client, "shop_acceptance", user,
                List.of(self))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'prod_ops' is the master user");
        assertThat(wire.sent()).isEmpty();
    }

    @Test
    void isolate_shouldReportNoUserSupport_whenTheServerAnswersCommandNotFound() {
        start(new MemoryBackend());

        MongoUserIsolation.Findings f = new MongoUserIsolation(Set.of()).isolate(client, "shop_acceptance");

        assertThat(f.noUserSupport()).isTrue();
        assertThat(f.dropped()).isEmpty();
        assertThat(wire.sent()).containsExactly(BsonDocument.parse("{usersInfo: 1, $db: 'shop_acceptance'}"));
    }

    @Test
    void isolate_shouldNameTheCommand_whenDropUserFails() {
        start(new UsersBackend() {
            @Override
            public de.bwaldvogel.mongo.bson.Document handleCommand(Channel channel, String database, String command,
                    de.bwaldvogel.mongo.bson.Document query) {
                if (command.equals("dropUser")) {
                    throw new de.bwaldvogel.mongo.exception.MongoServerError(13, "Unauthorized", "not authorized");
                }
                return super.handleCommand(channel, database, command, query);
            }
        });

        assertThatThrownBy(() -> new MongoUserIsolation(Set.of()).isolate(client, "shop_acceptance"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dropUser failed")
                .hasMessageContaining("code 13");
    }

    /** Answers the user commands from a fixed list, as MongoDB does: users of the target and of admin. */
    static class UsersBackend extends MemoryBackend {

        @Override
        public de.bwaldvogel.mongo.bson.Document handleCommand(Channel channel, String database, String command,
                de.bwaldvogel.mongo.bson.Document query) {
            switch (command) {
                case "usersInfo" -> {
                    List<Object> users = new ArrayList<>();
                    if (database.equals("shop_acceptance")) {
                        users.add(user("prod_app", "shop_acceptance", role("readWrite", "shop_acceptance")));
                        users.add(user("app_reader", "shop_acceptance", role("read", "shop_acceptance")));
                    } else {
                        users.add(user("prod_app", "shop_acceptance", role("readWrite", "shop_acceptance")));
                        users.add(user("prod_ops", "admin", role("readWrite", "shop_acceptance"),
                                role("dbAdmin", "shop_acceptance"), role("read", "other_db")));
                        users.add(user("reporting", "admin", role("read", "shop_acceptance")));
                        users.add(user("other_app", "admin", role("readWrite", "other_db")));
                    }
                    return new de.bwaldvogel.mongo.bson.Document("users", users).append("ok", 1.0);
                }
                case "dropUser", "revokeRolesFromUser" -> {
                    return new de.bwaldvogel.mongo.bson.Document("ok", 1.0);
                }
                default -> {
                    return super.handleCommand(channel, database, command, query);
                }
            }
        }

        private static de.bwaldvogel.mongo.bson.Document user(String name, String db, Object... roles) {
            return new de.bwaldvogel.mongo.bson.Document("user", name).append("db", db).append("roles", List.of(roles));
        }

        private static de.bwaldvogel.mongo.bson.Document role(String role, String db) {
            return new de.bwaldvogel.mongo.bson.Document("role", role).append("db", db);
        }
    }
}
