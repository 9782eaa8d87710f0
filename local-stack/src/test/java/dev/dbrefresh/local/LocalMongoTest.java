package dev.dbrefresh.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import de.bwaldvogel.mongo.MongoServer;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** {@link LocalMongo} and {@link ShopData}: what the launcher starts, seeds and leaves alone, on real servers. */
class LocalMongoTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private static MongoSettings plan(String host, int port) {
        return new MongoSettings(new DatabaseEndpoint(host, port, "shop_production", null, null),
                new DatabaseEndpoint(host, port, "shop_acceptance", null, null), Path.of("s"), Path.of("t"),
                MongoSettings.REPLACE, 2, List.of(), null);
    }

    @Test
    void startFor_shouldStartAndSeedTheSource_whenThePlansLocalPortIsFree() throws Exception {
        int port = LocalAws.freePort();
        try (LocalMongo mongo = LocalMongo.startFor(plan("127.0.0.1", port), out);
                MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            assertThat(mongo.ports()).containsExactly(port);
            var source = client.getDatabase("shop_production");
            Map<String, Long> counts = new TreeMap<>();
            source.listCollectionNames().forEach(c -> counts.put(c, source.getCollection(c).countDocuments()));
            assertThat(counts).containsOnlyKeys(ShopData.COLLECTIONS.keySet());
            ShopData.COLLECTIONS.forEach((c, n) -> assertThat(counts.get(c)).as(c).isEqualTo(n.longValue()));
            assertThat(ShopData.documents()).isGreaterThanOrEqualTo(200_000L);
            assertThat(client.getDatabase("shop_acceptance").listCollectionNames().into(new ArrayList<>()))
                    .as("the target is not seeded").isEmpty();
            List<String> indexes = new ArrayList<>();
            for (BsonDocument i : source.getCollection("customers").listIndexes(BsonDocument.class)) {
                indexes.add(i.getString("name").getValue() + (i.getBoolean("unique", org.bson.BsonBoolean.FALSE)
                        .getValue() ? " unique" : ""));
            }
            assertThat(indexes).contains("email_unique unique", "last_since");
            Document order = source.getCollection("orders").find().sort(Sorts.ascending("_id")).first();
            assertThat(order.get("_id")).isInstanceOf(org.bson.types.ObjectId.class);
            assertThat(order.get("placedAt")).isInstanceOf(java.util.Date.class);
            assertThat(order.get("total")).isInstanceOf(org.bson.types.Decimal128.class);
            assertThat(order.getList("lines", Document.class)).isNotEmpty();
            Document event = source.getCollection("events").find().first();
            assertThat(event.get("_id")).isInstanceOf(Long.class);
            assertThat(event.get("session")).isInstanceOf(org.bson.types.Binary.class);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("started the in-process MongoDB server")
                .contains("seeded mongodb://127.0.0.1:" + port + "/shop_production with 210,000 generated documents");
        assertThat(LocalMongo.listening("127.0.0.1", port)).as("stopped with the stack").isFalse();
    }

    @Test
    void startFor_shouldUseTheServerAsItIs_andSeedNothing_whenSomethingListensOnThePort() {
        MongoServer running = LocalMongo.start("127.0.0.1", 0);
        int port = running.getLocalAddress().getPort();
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            try (LocalMongo mongo = LocalMongo.startFor(plan("localhost", port), out)) {
                assertThat(mongo.ports()).isEmpty();
            }
            assertThat(client.listDatabaseNames().into(new ArrayList<>())).doesNotContain("shop_production");
            assertThat(LocalMongo.listening("127.0.0.1", port)).as("a server it did not start keeps running").isTrue();
        } finally {
            running.shutdownNow();
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("is already up; used as it is (not seeded)")
                .doesNotContain("seeded mongodb");
    }

    @Test
    void startFor_shouldStartNothing_whenThePlansHostIsNotThisMachine() {
        try (LocalMongo mongo = LocalMongo.startFor(plan("mongo.example.internal", 27017), out)) {
            assertThat(mongo.ports()).isEmpty();
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void start_shouldSayWhatToDo_whenThePortIsTaken() {
        MongoServer running = LocalMongo.start("127.0.0.1", 0);
        try {
            int port = running.getLocalAddress().getPort();
            assertThatThrownBy(() -> LocalMongo.start("127.0.0.1", port)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("free the port");
        } finally {
            running.shutdownNow();
        }
    }
}
