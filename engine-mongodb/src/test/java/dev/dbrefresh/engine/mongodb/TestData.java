package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/** A generated shop database: nested documents, arrays, several BSON types, secondary and unique indexes. */
final class TestData {

    private TestData() {
    }

    /** Seeds {@code customers} (n), {@code orders} (2n) and {@code events} (n/2) with their indexes. */
    static void seedShop(MongoDatabase db, int n) {
        Random r = new Random(42);
        MongoCollection<Document> customers = db.getCollection("customers");
        insert(customers, n, i -> new Document("_id", i).append("email", "c" + i + "@example.com")
                .append("name", new Document("first", "F" + i).append("last", "L" + (i % 97)))
                .append("tags", List.of("t" + (i % 5), "t" + (i % 7)))
                .append("since", new Date(1_600_000_000_000L + i * 1000L))
                .append("score", r.nextDouble()).append("vip", i % 10 == 0));
        customers.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_unique"));
        customers.createIndex(Indexes.compoundIndex(Indexes.ascending("name.last"), Indexes.descending("since")));
        MongoCollection<Document> orders = db.getCollection("orders");
        insert(orders, 2 * n, i -> new Document("_id", new ObjectId(new Date(1_700_000_000_000L + i * 1000L), i))
                .append("customer", i % n).append("total", new Decimal128(new BigDecimal(i).movePointLeft(2)))
                .append("lines", List.of(new Document("sku", "S" + (i % 50)).append("qty", i % 3 + 1),
                        new Document("sku", "S" + (i % 13)).append("qty", 1L)))
                .append("blob", new Binary(new byte[] {(byte) i, (byte) (i >> 8), 7})));
        orders.createIndex(Indexes.ascending("customer"));
        MongoCollection<Document> events = db.getCollection("events");
        insert(events, n / 2, i -> new Document("_id", "e-" + i).append("at", new Date(1_650_000_000_000L + i))
                .append("kind", i % 3 == 0 ? null : "k" + (i % 3)));
        events.createIndex(Indexes.ascending("at"), new IndexOptions().expireAfter(3600L, TimeUnit.SECONDS));
    }

    private static void insert(MongoCollection<Document> c, int n, java.util.function.IntFunction<Document> make) {
        List<Document> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(make.apply(i));
            if (batch.size() == 1000) {
                c.insertMany(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            c.insertMany(batch);
        }
    }

    /** @return the collection's indexes as listIndexes gives them, without {@code ns}, by name */
    static java.util.Map<String, BsonDocument> indexes(MongoDatabase db, String collection) {
        java.util.Map<String, BsonDocument> out = new java.util.TreeMap<>();
        for (BsonDocument i : db.getCollection(collection).listIndexes(BsonDocument.class)) {
            BsonDocument d = i.clone();
            d.remove("ns");
            out.put(d.getString("name").getValue(), d);
        }
        return out;
    }
}
