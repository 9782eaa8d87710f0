package dev.dbrefresh.local;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * The generated source of the local {@code mongodb} plan ({@code shop_production}): a shop with nested documents,
 * arrays and several BSON types (ObjectId, date, Decimal128, binary, 64-bit integers, doubles, booleans, nulls),
 * with secondary, compound and unique indexes. Generated from fixed seeds, so every seeding writes the same
 * documents byte for byte (and so the same checksums).
 */
public final class ShopData {

    /** Documents per collection, in seeding order: 210,000 in all. */
    public static final Map<String, Integer> COLLECTIONS = collections();

    private static final long EPOCH_MS = 1_700_000_000_000L;

    private ShopData() {
    }

    private static Map<String, Integer> collections() {
        Map<String, Integer> c = new LinkedHashMap<>();
        c.put("customers", 40_000);
        c.put("products", 10_000);
        c.put("orders", 120_000);
        c.put("events", 40_000);
        return java.util.Collections.unmodifiableMap(c);
    }

    /** @return the documents {@link #seed} writes, summed over {@link #COLLECTIONS} */
    public static long documents() {
        return COLLECTIONS.values().stream().mapToLong(Integer::longValue).sum();
    }

    /**
     * Writes the collections of {@link #COLLECTIONS} and their indexes into an empty database.
     *
     * @param db the database (its collections must not exist yet: inserts of existing ids fail)
     * @return documents written
     * @throws com.mongodb.MongoException when the server refuses a write
     */
    public static long seed(MongoDatabase db) {
        Random r = new Random(20261201L);
        int customers = COLLECTIONS.get("customers");
        int products = COLLECTIONS.get("products");

        MongoCollection<Document> c = db.getCollection("customers");
        insert(c, customers, i -> new Document("_id", objectId(EPOCH_MS / 1000 - customers + i, i))
                .append("email", "customer" + i + "@shop.example")
                .append("name", new Document("first", "First" + i).append("last", "Last" + (i % 211)))
                .append("address", new Document("street", (i % 300 + 1) + " Main Street")
                        .append("city", "City" + (i % 97)).append("zip", String.format("%05d", i % 99_999))
                        .append("geo", List.of(-180 + r.nextDouble() * 360, -90 + r.nextDouble() * 180)))
                .append("tags", List.of("segment" + (i % 5), "region" + (i % 7)))
                .append("since", new Date(EPOCH_MS - (long) i * 3_600_000L))
                .append("balance", new Decimal128(BigDecimal.valueOf(r.nextInt(1_000_000), 2)))
                .append("loyaltyPoints", (long) i * 1_000_003L)
                .append("vip", i % 10 == 0)
                .append("referredBy", i % 4 == 0 ? null : objectId(EPOCH_MS / 1000 - customers + i / 2, i / 2)));
        c.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_unique"));
        c.createIndex(Indexes.compoundIndex(Indexes.ascending("name.last"), Indexes.descending("since")),
                new IndexOptions().name("last_since"));

        MongoCollection<Document> p = db.getCollection("products");
        insert(p, products, i -> new Document("_id", String.format("SKU-%06d", i))
                .append("ean", 4_000_000_000_000L + i)
                .append("name", "Product " + i)
                .append("price", new Decimal128(BigDecimal.valueOf(99 + r.nextInt(100_000), 2)))
                .append("categories", List.of("cat" + (i % 20), "cat" + (i % 3 + 20)))
                .append("dimensions", new Document("w", 1 + r.nextDouble() * 50).append("h", 1 + r.nextDouble() * 50)
                        .append("d", 1 + r.nextDouble() * 50).append("unit", "cm"))
                .append("thumbnail", new Binary(bytes(r, 48)))
                .append("stock", r.nextInt(500)));
        p.createIndex(Indexes.ascending("ean"), new IndexOptions().unique(true).name("ean_unique"));
        p.createIndex(Indexes.ascending("categories"), new IndexOptions().name("categories"));

        MongoCollection<Document> o = db.getCollection("orders");
        insert(o, COLLECTIONS.get("orders"), i -> {
            int customer = i % customers;
            List<Document> lines = new ArrayList<>();
            BigDecimal total = BigDecimal.ZERO;
            for (int l = 0; l < 1 + i % 4; l++) {
                BigDecimal price = BigDecimal.valueOf(99 + r.nextInt(50_000), 2);
                int qty = 1 + r.nextInt(5);
                total = total.add(price.multiply(BigDecimal.valueOf(qty)));
                lines.add(new Document("sku", String.format("SKU-%06d", r.nextInt(products))).append("qty", qty)
                        .append("price", new Decimal128(price)));
            }
            return new Document("_id", objectId(EPOCH_MS / 1000 + i, customers + i))
                    .append("customer", objectId(EPOCH_MS / 1000 - customers + customer, customer))
                    .append("placedAt", new Date(EPOCH_MS + (long) i * 60_000L))
                    .append("status", List.of("placed", "paid", "shipped", "delivered", "returned").get(i % 5))
                    .append("lines", lines)
                    .append("total", new Decimal128(total))
                    .append("shipping", new Document("method", i % 3 == 0 ? "express" : "standard")
                            .append("address", new Document("city", "City" + (customer % 97)).append("zip",
                                    String.format("%05d", customer % 99_999))));
        });
        o.createIndex(Indexes.compoundIndex(Indexes.ascending("customer"), Indexes.descending("placedAt")),
                new IndexOptions().name("customer_placedAt"));
        o.createIndex(Indexes.ascending("status"), new IndexOptions().name("status"));

        MongoCollection<Document> e = db.getCollection("events");
        insert(e, COLLECTIONS.get("events"), i -> new Document("_id", 9_000_000_000L + i)
                .append("at", new Date(EPOCH_MS + (long) i * 1_000L))
                .append("kind", List.of("view", "cart", "checkout").get(i % 3))
                .append("session", new Binary((byte) 4, bytes(r, 16)))
                .append("payload", new Document("page", "/p/" + (i % 500)).append("durationMs", r.nextInt(10_000))
                        .append("flags", List.of(i % 2 == 0, i % 3 == 0))));
        e.createIndex(Indexes.compoundIndex(Indexes.ascending("kind"), Indexes.descending("at")),
                new IndexOptions().name("kind_at"));
        return documents();
    }

    /** @return an ObjectId from a time (seconds) and a counter, the same on every call */
    private static ObjectId objectId(long seconds, int counter) {
        return new ObjectId(String.format("%08x%016x", seconds, counter));
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void insert(MongoCollection<Document> c, int n, IntFunction<Document> make) {
        List<Document> batch = new ArrayList<>(1000);
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
}
