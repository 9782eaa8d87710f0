package dev.dbrefresh.engine.rds.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.dbrefresh.contracts.TableRowCount;
import java.net.InetSocketAddress;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MongoVerifier}'s document counts over the MongoDB wire protocol, against mongo-java-server in this JVM. */
class MongoVerifierTest {

    private final MongoServer server = new MongoServer(new MemoryBackend());
    private MongoClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.shutdownNow();
    }

    @Test
    void count_shouldCountEveryCollectionExactly_whenDatabasesHaveDocuments() {
        InetSocketAddress address = server.bind();
        client = MongoClients.create(MongoConnections.settings(address.getHostString(), address.getPort(), null, null,
                false).build());
        for (int i = 0; i < 5; i++) {
            client.getDatabase("app").getCollection("orders").insertOne(new Document("n", i));
        }
        client.getDatabase("app").getCollection("customers").insertOne(new Document("n", 1));
        client.getDatabase("app").createCollection("empty");
        client.getDatabase("reports").getCollection("daily").insertMany(List.of(new Document("d", 1), new Document("d", 2)));

        MongoVerifier verifier = new MongoVerifier();

        assertThat(verifier.count(client, null)).containsExactly(
                new TableRowCount("app", "customers", 1), new TableRowCount("app", "empty", 0),
                new TableRowCount("app", "orders", 5), new TableRowCount("reports", "daily", 2));
        assertThat(verifier.count(client, "reports")).containsExactly(new TableRowCount("reports", "daily", 2));
        assertThat(verifier.count(client, "nothing_here")).isEmpty();
    }
}
