package dev.dbrefresh.engine.rds.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MongoIsolation} over the MongoDB wire protocol against mongo-java-server, whose user commands are missing
 * (59 CommandNotFound): a backend that keeps production's users answers {@code usersInfo: 1} and {@code dropUser}
 * as MongoDB/DocumentDB do, and records what it was asked.
 */
class MongoIsolationTest {

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
    void removeProductionUsers_shouldDropEveryUserButMasterPlanKeptAndReserved() {
        ProductionUsers backend = new ProductionUsers(List.of("master", "app_reader", "orders_svc", "reporting",
                "serviceadmin", "billing"));
        start(backend);

        List<String> removed = new MongoIsolation(Set.of("master", "app_reader", "reporting"))
                .removeProductionUsers(client);

        assertThat(removed).containsExactly("orders_svc", "billing");
        assertThat(backend.users).containsExactly("master", "app_reader", "reporting", "serviceadmin");
        assertThat(backend.dropped).containsExactly("orders_svc", "billing");
    }

    @Test
    void removeProductionUsers_shouldNameTheCommand_whenTheServerHasNoUserCommands() {
        start(new MemoryBackend());

        assertThatThrownBy(() -> new MongoIsolation(Set.of("master")).removeProductionUsers(client))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("usersInfo failed")
                .hasMessageContaining("code 59");
    }

    private void start(MemoryBackend backend) {
        server = new MongoServer(backend);
        InetSocketAddress address = server.bind();
        client = MongoClients.create(MongoConnections.settings(address.getHostString(), address.getPort(), null, null,
                false).build());
    }

    /** A user store on {@code admin} answering {@code usersInfo: 1} and {@code dropUser}. */
    static final class ProductionUsers extends MemoryBackend {

        final List<String> users;
        final List<String> dropped = new ArrayList<>();

        ProductionUsers(List<String> users) {
            this.users = new ArrayList<>(users);
        }

        @Override
        public synchronized de.bwaldvogel.mongo.bson.Document handleCommand(Channel channel, String database,
                String command, de.bwaldvogel.mongo.bson.Document query) {
            if ("admin".equals(database) && "usersInfo".equals(command)) {
                List<Object> found = users.stream().map(u -> (Object) new de.bwaldvogel.mongo.bson.Document("user", u)
                        .append("db", "admin")).toList();
                return new de.bwaldvogel.mongo.bson.Document("users", found).append("ok", 1.0);
            }
            if ("admin".equals(database) && "dropUser".equals(command)) {
                String name = (String) query.get("dropUser");
                dropped.add(name);
                users.remove(name);
                return new de.bwaldvogel.mongo.bson.Document("ok", 1.0);
            }
            return super.handleCommand(channel, database, command, query);
        }
    }
}
