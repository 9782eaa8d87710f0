package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a dump consists of, checked against mongodump's documented layout
 * (https://www.mongodb.com/docs/database-tools/mongodump/, "Output") and its metadata document (mongo-tools
 * {@code mongodump/metadata_dump.go}); and directories in mongodump's layout (fixtures under
 * {@code src/test/resources/mongodump}, shaped like mongo-tools' own {@code testdata/*.metadata.json}) restored
 * through the same path as this engine's dumps.
 */
class MongodumpLayoutTest {

    @TempDir
    Path dir;
    private final InProcessMongo mongo = new InProcessMongo();
    private final MongoDatabase source = mongo.db("shop");
    private final MongoDatabase target = mongo.db("shop_copy");

    @AfterEach
    void stop() {
        mongo.close();
    }

    @Test
    void escape_shouldEncodeAsGoPathEscape() {
        assertThat(DumpLayout.escape("cafés")).isEqualTo("caf%C3%A9s");
        assertThat(DumpLayout.escape("a/b c$d:e@f~g")).isEqualTo("a%2Fb%20c$d:e@f~g");
        assertThat(DumpLayout.unescape("a%2Fb%20c$d:e@f~g")).isEqualTo("a/b c$d:e@f~g");
        assertThat(DumpLayout.unescape("caf%C3%A9s")).isEqualTo("cafés");
        assertThatThrownBy(() -> DumpLayout.escape("x".repeat(239))).hasMessageContaining("too long");
    }

    @Test
    void dump_shouldWriteMongodumpFiles_parsedIndependently() throws Exception {
        TestData.seedShop(source, 200);
        source.getCollection("a/b é").insertOne(new Document("_id", 1));
        DumpManifest manifest = new MongoSnapshotter().dump(mongo.client, "shop", dir, MongoSnapshotter.Options.defaults());

        try (var files = Files.list(dir.resolve("shop"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "customers.bson", "customers.metadata.json", "orders.bson", "orders.metadata.json",
                    "events.bson", "events.metadata.json", "a%2Fb%20%C3%A9.bson", "a%2Fb%20%C3%A9.metadata.json");
        }
        // The metadata document: mongodump's fields in mongodump's order, canonical extended JSON.
        String json = Files.readString(dir.resolve("shop/customers.metadata.json"), StandardCharsets.UTF_8);
        BsonDocument metadata = BsonDocument.parse(json);
        assertThat(new ArrayList<>(metadata.keySet())).containsExactly("indexes", "collectionName", "type");
        assertThat(json).contains("\"v\": {\"$numberInt\": \"2\"}").contains("\"unique\": true");
        BsonArray indexes = metadata.getArray("indexes");
        assertThat(indexes).extracting(i -> i.asDocument().getString("name").getValue())
                .containsExactlyInAnyOrder("_id_", "email_unique", "name.last_1_since_-1");
        assertThat(metadata.getString("collectionName").getValue()).isEqualTo("customers");
        // The data file: BSON documents back to back, each led by its int32 little-endian length.
        long documents = 0;
        long bytes = 0;
        try (InputStream in = Files.newInputStream(dir.resolve("shop/orders.bson"))) {
            DataInputStream data = new DataInputStream(in);
            byte[] head = new byte[4];
            while (data.read(head) == 4) {
                int length = java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
                data.skipNBytes(length - 4);
                documents++;
                bytes += length;
            }
        }
        assertThat(documents).isEqualTo(400);
        assertThat(bytes).isEqualTo(Files.size(dir.resolve("shop/orders.bson")));
        assertThat(manifest.entry("orders").orElseThrow().documents()).isEqualTo(400);
        assertThat(manifest.entry("orders").orElseThrow().bytes()).isEqualTo(bytes);
        // The manifest reads back as written.
        assertThat(DumpManifest.read(dir)).contains(manifest);
    }

    @Test
    void select_shouldSkipAndListSystemCollections() {
        // mongo-java-server refuses writes to system.* namespaces ("attempt to insert in system namespace") and
        // lists none, so the split is checked on listCollections entries as a MongoDB server returns them.
        List<BsonDocument> listed = List.of(BsonDocument.parse("{name: 'system.views', type: 'collection', options: {}}"),
                BsonDocument.parse("{name: 'orders', type: 'collection', options: {}}"),
                BsonDocument.parse("{name: 'system.buckets.readings', type: 'collection', options: {}}"),
                BsonDocument.parse("{name: 'byDay', type: 'view', options: {viewOn: 'orders', pipeline: []}}"),
                BsonDocument.parse("{name: 'readings', type: 'timeseries', options: {timeseries: {timeField: 'at'}}}"));
        List<BsonDocument> taken = new ArrayList<>();
        List<String> skipped = new ArrayList<>();

        MongoSnapshotter.select(listed, CollectionSelector.all(), taken, skipped);

        assertThat(taken).extracting(d -> d.getString("name").getValue()).containsExactly("byDay", "orders", "readings");
        assertThat(skipped).containsExactly("system.buckets.readings", "system.views");
    }

    @Test
    void dump_shouldRecordNoPointInTime_onAStandalone_andRefuseWhenRequired() {
        TestData.seedShop(source, 10);
        DumpManifest manifest = new MongoSnapshotter().dump(mongo.client, "shop", dir.resolve("a"), MongoSnapshotter.Options.defaults());
        assertThat(manifest.pointInTime()).isEqualTo(DumpManifest.NONE);
        assertThat(manifest.pointInTimeDetail()).contains("no snapshot reads").contains("STANDALONE");

        assertThatThrownBy(() -> new MongoSnapshotter().dump(mongo.client, "shop", dir.resolve("b"),
                new MongoSnapshotter.Options(CollectionSelector.all(), false, MongoSnapshotter.PointInTime.REQUIRE)))
                .isInstanceOf(MongoEngineException.class).hasMessageContaining("supports no snapshot reads");
    }

    @Test
    void dump_shouldTakeOnlySelectedCollections() {
        TestData.seedShop(source, 10);
        DumpManifest byList = new MongoSnapshotter().dump(mongo.client, "shop", dir.resolve("a"),
                new MongoSnapshotter.Options(CollectionSelector.of(List.of("orders")), false, MongoSnapshotter.PointInTime.PREFER));
        DumpManifest byRegex = new MongoSnapshotter().dump(mongo.client, "shop", dir.resolve("b"),
                new MongoSnapshotter.Options(CollectionSelector.matching("c.*|ev.*"), false, MongoSnapshotter.PointInTime.PREFER));
        assertThat(byList.collections()).extracting(DumpManifest.Entry::name).containsExactly("orders");
        assertThat(byRegex.collections()).extracting(DumpManifest.Entry::name).containsExactly("customers", "events");
    }

    @Test
    void metadata_shouldReadMongodumpShape_andWriteItBackUnchanged() throws Exception {
        Path file = Dumps.copyResource("mongodump/shop", dir.resolve("shop")).resolve("products.metadata.json");
        CollectionMetadata m = CollectionMetadata.read("products", file);

        assertThat(m.collectionName()).isEqualTo("products");
        assertThat(m.uuid()).isEqualTo("5f0c6b1e2a7d4c3b9e8f7a6b5c4d3e2f");
        assertThat(m.options().getDocument("collation").getString("locale").getValue()).isEqualTo("de");
        assertThat(m.secondaryIndexes()).extracting(i -> i.getString("name").getValue()).containsExactly("sku_1", "color_1_price_-1");
        assertThat(m.secondaryIndexes()).allSatisfy(i -> assertThat(i).doesNotContainKey("ns"));
        assertThat(BsonDocument.parse(m.toJson())).isEqualTo(BsonDocument.parse(Files.readString(file)));
        CollectionMetadata view = CollectionMetadata.read("productsByColor", file.resolveSibling("productsByColor.metadata.json"));
        assertThat(view.isView()).isTrue();
        assertThat(view.options().getString("viewOn").getValue()).isEqualTo("products");
    }

    @Test
    void restore_shouldTakeAMongodumpDirectory_throughTheSamePath() throws Exception {
        Path db = Dumps.copyResource("mongodump/shop", dir.resolve("shop"));
        List<BsonDocument> products = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            products.add(new BsonDocument("_id", new BsonInt32(i)).append("sku", new BsonString("sku-" + i))
                    .append("color", new BsonString(i % 2 == 0 ? "red" : "blue")).append("price", new BsonInt32(5 + i)));
        }
        DocumentDigest productsDigest = Dumps.writeBson(db.resolve("products.bson"), products);
        Dumps.writeBson(db.resolve("caf%C3%A9s.bson.gz"), List.of(new BsonDocument("_id", new BsonString("x")),
                new BsonDocument("_id", new BsonString("y"))));
        Dumps.writeBson(db.resolve("orphan.bson"), List.of(new BsonDocument("_id", new BsonInt32(1))));
        target.getCollection("products").insertOne(new Document("_id", "old"));

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir, null), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "foreign"));

        // Without a manifest, count and checksum are computed while reading.
        assertThat(result.collection("products").documents()).isEqualTo(20);
        assertThat(result.collection("products").checksum()).isEqualTo(productsDigest.checksum());
        assertThat(ManifestVerifier.digest(target, "products").checksum()).isEqualTo(productsDigest.checksum());
        assertThat(target.getCollection("cafés").countDocuments()).isEqualTo(2);
        assertThat(target.getCollection("orphan").countDocuments()).isEqualTo(1);
        assertThat(TestData.indexes(target, "products")).containsKeys("sku_1", "color_1_price_-1");
        assertThat(TestData.indexes(target, "products").get("sku_1").getBoolean("unique").getValue()).isTrue();
        // mongo-java-server accepts but does not report collection options (listCollections gives options: {}) and
        // has no views (a create with viewOn makes a plain collection): both are checked as the commands the driver
        // sent, i.e. what a real server would receive.
        BsonDocument createProducts = created("products" + MongoRestorer.STAGING_SUFFIX);
        BsonDocument fixtureOptions = CollectionMetadata.read("products", db.resolve("products.metadata.json")).options();
        assertThat(createProducts.getDocument("validator")).isEqualTo(fixtureOptions.getDocument("validator"));
        assertThat(createProducts.getDocument("collation")).isEqualTo(fixtureOptions.getDocument("collation"));
        assertThat(createProducts.getString("validationLevel").getValue()).isEqualTo("strict");
        BsonDocument createView = created("productsByColor");
        assertThat(createView.getString("viewOn").getValue()).isEqualTo("products");
        assertThat(createView.getArray("pipeline")).hasSize(1);
        assertThat(result.collection("productsByColor").type()).isEqualTo(CollectionMetadata.VIEW);
    }

    @Test
    void restore_shouldRefuseTimeseries_beforeWritingAnything() {
        Path db = Dumps.copyResource("mongodump/timeseries/metrics", dir.resolve("metrics"));
        Dumps.writeBson(db.resolve("system.buckets.readings.bson"), List.of(new BsonDocument("_id", new BsonInt32(1))));
        DumpDirectory dump = DumpDirectory.read(dir, null);
        assertThat(dump.entries()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("readings");
            assertThat(c.metadata().isTimeseries()).isTrue();
            assertThat(c.dataFile().getFileName().toString()).isEqualTo("system.buckets.readings.bson");
        });
        mongo.resetWrites();

        assertThatThrownBy(() -> new MongoRestorer().restore(dump, target, MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "ts")))
                .isInstanceOf(MongoEngineException.class).hasMessageContaining("collection readings")
                .hasMessageContaining("time-series");
        assertThat(mongo.writesTo("shop_copy")).isZero();
        assertThat(mongo.commands).noneMatch(c -> c.containsKey("create"));
    }

    private BsonDocument created(String name) {
        return mongo.commands.stream().filter(c -> c.containsKey("create") && c.getString("create").getValue().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no create command for " + name + " in " + mongo.commands));
    }
}
