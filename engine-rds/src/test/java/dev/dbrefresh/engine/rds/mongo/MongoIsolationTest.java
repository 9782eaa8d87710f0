package dev.dbrefresh.engine.rds.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.engine.mongodb.testing.MongoWire;
import dev.dbrefresh.engine.mongodb.testing.UserCommandsBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MongoIsolation} over the MongoDB wire protocol against mongo-java-server, whose user commands are missing
 * (59 CommandNotFound): a backend that keeps production's users ({@link UserCommandsBackend}) answers
 * {@code usersInfo: 1} and {@code dropUser} as MongoDB/DocumentDB do, and records what it was asked. The client has
 * {@link MongoConnections}' settings.
 */
class MongoIsolationTest {

    private MongoWire wire;

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.close();
        }
    }

    @Test
    void removeProductionUsers_shouldDropEveryUserButMasterPlanKeptAndReserved() {
        UserCommandsBackend backend = new UserCommandsBackend(List.of("master", "app_reader", "orders_svc", "reporting",
                "serviceadmin", "billing"));
        start(backend);

        List<String> removed = new MongoIsolation(Set.of("master", "app_reader", "reporting"))
                .removeProductionUsers(wire.client());

        assertThat(removed).containsExactly("orders_svc", "billing");
        assertThat(backend.users.keySet()).containsExactly("master", "app_reader", "reporting", "serviceadmin");
        assertThat(backend.dropped).containsExactly("orders_svc", "billing");
    }

    @Test
    void removeProductionUsers_shouldNameTheCommand_whenTheServerHasNoUserCommands() {
        start(new MemoryBackend());

        assertThatThrownBy(() -> new MongoIsolation(Set.of("master")).removeProductionUsers(wire.client()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("usersInfo failed")
                .hasMessageContaining("code 59");
    }

    private void start(MemoryBackend backend) {
        wire = MongoWire.start(backend, (host, port) -> MongoConnections.settings(host, port, null, null, false));
    }
}
