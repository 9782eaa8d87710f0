package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MongoRestorer.Mode#DELTA} against mongo-java-server: after 1% of the source changed, only those documents
 * are written (counted from the commands the server received), indexes are reconciled, and a crashed delta resumes.
 */
class DeltaRestoreTest {

    @TempDir
    Path dir;
    @TempDir
    Path sortDir;
    private final InProcessMongo mongo = new InProcessMongo();
    private final MongoDatabase source = mongo.db("shop_production");
    private final MongoDatabase target = mongo.db("shop_acceptance");

    @AfterEach
    void stop() {
        mongo.close();
    }

    private DumpManifest dump(String name) {
        return new MongoSnapshotter().dump(mongo.client, "shop_production", dir.resolve(name), MongoSnapshotter.Options.defaults());
    }

    private DumpDirectory dumpFirst() {
        dump("first");
        return DumpDirectory.read(dir.resolve("first"), null);
    }

    private MongoRestorer.Options delta(String id) {
        // Small sort runs so the external merge sort really spills to several run files.
        return MongoRestorer.Options.of(MongoRestorer.Mode.DELTA, id).withSort(64 * 1024, sortDir).withBatch(100, 1 << 20);
    }

    @Test
    void delta_shouldWriteOnlyTheChangedDocuments_afterOnePercentChanged() throws Exception {
        TestData.seedShop(source, 5000);
        new MongoRestorer().restore(dumpFirst(), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "first"));
        // 1% of customers (50): 30 changed, 10 deleted, 10 new; orders and events untouched.
        for (int i = 0; i < 30; i++) {
            source.getCollection("customers").updateOne(Filters.eq("_id", i * 100 + 1), new Document("$set", new Document("score", -1.0)));
        }
        for (int i = 0; i < 10; i++) {
            source.getCollection("customers").deleteOne(Filters.eq("_id", i * 100 + 2));
            source.getCollection("customers").insertOne(new Document("_id", 100_000 + i).append("email", "new" + i + "@example.com"));
        }
        source.getCollection("customers").createIndex(Indexes.ascending("vip"), new IndexOptions().name("vip_1"));
        source.getCollection("orders").dropIndex("customer_1");
        DumpManifest second = dump("second");
        mongo.resetWrites();

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir.resolve("second"), null), target,
                delta("delta-1"));

        CollectionResult customers = result.collection("customers");
        assertThat(customers.replaced()).isEqualTo(30);
        assertThat(customers.deleted()).isEqualTo(10);
        assertThat(customers.inserted()).isEqualTo(10);
        assertThat(customers.unchanged()).isEqualTo(5000 - 40);
        assertThat(result.collection("orders").unchanged()).isEqualTo(10_000);
        assertThat(mongo.writes("shop_acceptance.customers", "update")).isEqualTo(30);
        assertThat(mongo.writes("shop_acceptance.customers", "delete")).isEqualTo(10);
        assertThat(mongo.writes("shop_acceptance.customers", "insert")).isEqualTo(10);
        assertThat(mongo.writesTo("shop_acceptance")).isEqualTo(50);
        // Indexes: only the changed ones are touched.
        assertThat(mongo.commands).filteredOn(c -> c.containsKey("createIndexes"))
                .extracting(c -> c.getString("createIndexes").getValue() + ":" + c.getArray("indexes").size())
                .containsExactly("customers:1");
        assertThat(mongo.commands).filteredOn(c -> c.containsKey("dropIndexes"))
                .extracting(c -> c.getString("dropIndexes").getValue() + ":" + c.get("index"))
                .containsExactly("orders:BsonString{value='customer_1'}");
        assertThat(new ManifestVerifier().verify(target, second).ok()).isTrue();
        assertThat(TestData.indexes(target, "customers")).isEqualTo(TestData.indexes(source, "customers"));
        assertThat(TestData.indexes(target, "orders")).isEqualTo(TestData.indexes(source, "orders")).doesNotContainKey("customer_1");
        try (var files = Files.list(sortDir)) {
            assertThat(files).isEmpty(); // sort runs are deleted
        }

        mongo.resetWrites();
        MongoRestorer.Result again = new MongoRestorer().restore(DumpDirectory.read(dir.resolve("second"), null), target, delta("delta-2"));
        assertThat(mongo.writesTo("shop_acceptance")).isZero();
        assertThat(again.collection("customers").unchanged()).isEqualTo(5000);
    }

    @Test
    void delta_shouldCreateMissingCollections_andDropThoseGone() {
        TestData.seedShop(source, 200);
        target.getCollection("legacy").insertOne(new Document("_id", 1));
        DumpManifest manifest = dump("one");

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir.resolve("one"), null), target, delta("d"));

        assertThat(result.collection("orders").inserted()).isEqualTo(400);
        assertThat(result.dropped()).containsExactly("legacy");
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
        assertThat(TestData.indexes(target, "events")).isEqualTo(TestData.indexes(source, "events"));
    }

    @Test
    void delta_shouldResume_afterACrash() {
        TestData.seedShop(source, 300);
        DumpManifest manifest = dump("one");
        DumpDirectory dump = DumpDirectory.read(dir.resolve("one"), null);
        MongoRestorer.Options options = delta("crash").withParallelism(1);

        assertThatThrownBy(() -> new MongoRestorer().restore(dump, target, options, new MongoRestorer.Listener() {
            @Override
            public void collectionDone(CollectionResult r) {
                throw new IllegalStateException("simulated crash after " + r.name());
            }
        })).hasMessageContaining("simulated crash after customers");
        mongo.resetWrites();

        MongoRestorer.Result resumed = new MongoRestorer().restore(dump, target, options);

        assertThat(resumed.collection("customers").resumed()).isTrue();
        assertThat(mongo.writes("shop_acceptance.customers", "insert")).isZero();
        assertThat(mongo.writes("shop_acceptance.orders", "insert")).isEqualTo(600);
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
        assertThat(target.listCollectionNames().into(new java.util.ArrayList<>())).doesNotContain(ProgressStore.COLLECTION);
    }

    @Test
    void delta_shouldLetANewDocumentTakeTheUniqueValueOfADeletedOne() {
        // The new document's _id sorts before the deleted one's: in one _id-ordered pass the insert would come first.
        source.getCollection("users").insertOne(new Document("_id", 1).append("email", "a@example.com"));
        source.getCollection("users").createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_1"));
        target.getCollection("users").insertOne(new Document("_id", 2).append("email", "a@example.com"));
        target.getCollection("users").createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_1"));
        DumpManifest manifest = dump("one");

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir.resolve("one"), null), target, delta("uniq"));

        assertThat(result.collection("users").inserted()).isEqualTo(1);
        assertThat(result.collection("users").deleted()).isEqualTo(1);
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
    }

    @Test
    void delta_shouldRefuseDuplicateIdsInTheDump_beforeAnyWrite() {
        target.getCollection("n").insertOne(new Document("_id", 5));
        Path db = dir.resolve("foreign/shop_production");
        Dumps.writeBson(mkdirs(db).resolve("n.bson"), List.of(new org.bson.BsonDocument("_id", new org.bson.BsonInt32(1)),
                new org.bson.BsonDocument("_id", new org.bson.BsonInt64(1))));
        mongo.resetWrites();

        assertThatThrownBy(() -> new MongoRestorer().restore(DumpDirectory.read(dir.resolve("foreign"), null), target, delta("dup")))
                .isInstanceOf(MongoEngineException.class).hasMessageContaining("collection n")
                .hasMessageContaining("two documents have the _id");
        assertThat(mongo.writesTo("shop_acceptance")).isZero();
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void delta_shouldReplaceNotReinsert_whenTheIdIsEqualByValueOfAnotherNumericType() {
        source.getCollection("n").insertMany(List.of(new Document("_id", 1L).append("v", "new"), new Document("_id", 2.0)));
        target.getCollection("n").insertMany(List.of(new Document("_id", 1).append("v", "old"), new Document("_id", 2)));
        dump("one");

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir.resolve("one"), null), target, delta("num"));

        CollectionResult n = result.collection("n");
        assertThat(n.replaced()).isEqualTo(2);
        assertThat(n.inserted()).isZero();
        assertThat(n.deleted()).isZero();
        assertThat(target.getCollection("n").find(Filters.eq("_id", 1)).first()).containsEntry("v", "new");
    }
}
