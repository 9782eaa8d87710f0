package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.event.CommandListener;
import dev.dbrefresh.engine.mongodb.testing.MongoWire;
import dev.dbrefresh.engine.mongodb.testing.UserCommandsBackend;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link MongoUserApplier} over the MongoDB wire protocol, against
 * mongo-java-server in this JVM. That server answers the user management commands with 59
 * CommandNotFound, so the commands are checked as the driver sent them (a {@link CommandListener}),
 * against the plain server (the applier stops at the first command and reports it) and against a test
 * backend that keeps users in a map and answers the four commands the way MongoDB/DocumentDB do
 * ({@link UserCommandsBackend}).
 */
class MongoUserApplierTest {

    private static final String PASSWORD = "pw-'\"\\$-{ü}";
    private static final EnvFileSecretResolver SECRETS =
            new EnvFileSecretResolver(Map.of("DBR_PW", PASSWORD, "DBR_NEW_PW", "new-pw")::get);

    private MongoWire wire;
    private MongoClient client;

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.close();
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
        wire.clearSent();
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
        wire = MongoWire.start(backend);
        client = wire.client();
    }

    private List<BsonDocument> sent() {
        return wire.sent();
    }
}
