package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dump then {@link MongoRestorer.Mode#REPLACE} restore against mongo-java-server: counts, checksums and indexes of
 * the target equal the source's; failures before the renames leave the old collections; a crashed restore resumes.
 */
class ReplaceRestoreTest {

    @TempDir
    Path dir;
    private final InProcessMongo mongo = new InProcessMongo();
    private final MongoDatabase source = mongo.db("shop_production");
    private final MongoDatabase target = mongo.db("shop_acceptance");

    @AfterEach
    void stop() {
        mongo.close();
    }

    private void seedOldTarget() {
        target.getCollection("customers").insertOne(new Document("_id", -1).append("old", true));
        target.getCollection("orders").insertOne(new Document("_id", "old-order"));
        target.getCollection("legacy").insertOne(new Document("_id", 1));
    }

    private DumpManifest dump(boolean gzip) {
        return new MongoSnapshotter().dump(mongo.client, "shop_production", dir,
                new MongoSnapshotter.Options(CollectionSelector.all(), gzip, MongoSnapshotter.PointInTime.PREFER));
    }

    private List<String> targetCollections() {
        return target.listCollectionNames().into(new ArrayList<>());
    }

    @Test
    void replace_shouldMakeTargetEqualSource_countsChecksumsIndexes() {
        TestData.seedShop(source, 3000);
        seedOldTarget();
        DumpManifest manifest = dump(false);

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir, null), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-1").withParallelism(3).withBatch(250, 1 << 20));

        assertThat(result.collection("customers").inserted()).isEqualTo(3000);
        assertThat(result.collection("orders").inserted()).isEqualTo(6000);
        assertThat(result.dropped()).containsExactly("legacy");
        ManifestVerifier.Report report = new ManifestVerifier().verify(target, manifest);
        assertThat(report.mismatched()).isEmpty();
        assertThat(report.ok()).isTrue();
        for (String c : List.of("customers", "orders", "events")) {
            assertThat(ManifestVerifier.digest(target, c).checksum()).isEqualTo(ManifestVerifier.digest(source, c).checksum());
            assertThat(TestData.indexes(target, c)).isEqualTo(TestData.indexes(source, c));
        }
        assertThat(TestData.indexes(target, "customers")).containsKeys("email_unique", "name.last_1_since_-1");
        assertThat(targetCollections()).containsExactlyInAnyOrder("customers", "orders", "events");
        assertThat(mongo.writes("shop_acceptance.customers__dbrefresh_restore", "insert")).isEqualTo(3000);
        // unordered bulk inserts bounded by the batch's count (250)
        assertThat(mongo.batches("shop_acceptance.customers__dbrefresh_restore", "insert")).hasSize(12)
                .allSatisfy(n -> assertThat(n).isEqualTo(250));
        assertThat(mongo.unordered.get()).isPositive();
    }

    @Test
    void replace_shouldRoundTripGzippedDump() throws Exception {
        TestData.seedShop(source, 500);
        DumpManifest manifest = dump(true);

        assertThat(dir.resolve("shop_production/customers.bson.gz")).exists();
        assertThat(dir.resolve("shop_production/customers.metadata.json.gz")).exists();
        assertThat(dir.resolve("shop_production/customers.bson")).doesNotExist();
        try (var in = Files.newInputStream(dir.resolve("shop_production/orders.bson.gz"))) {
            byte[] magic = in.readNBytes(2);
            assertThat(magic).containsExactly(0x1f, 0x8b); // a whole-file gzip stream, as mongodump --gzip writes
        }
        new MongoRestorer().restore(DumpDirectory.read(dir, "shop_production"), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-gz"));

        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
        assertThat(manifest.gzip()).isTrue();
    }

    @Test
    void replace_shouldLeaveOldCollections_whenACollectionFailsMidway() throws Exception {
        TestData.seedShop(source, 300);
        // Two customers share an email: the unique index cannot be built on the staging collection.
        source.getCollection("customers").dropIndex("email_unique");
        source.getCollection("customers").updateOne(Filters.eq("_id", 7), new Document("$set", new Document("email", "c8@example.com")));
        source.getCollection("customers").createIndex(Indexes.ascending("email"), new IndexOptions().name("email_1"));
        dump(false);
        Path metadata = dir.resolve("shop_production/customers.metadata.json");
        Files.writeString(metadata, Files.readString(metadata).replace("\"name\": \"email_1\"", "\"name\": \"email_1\", \"unique\": true"));
        seedOldTarget();
        Map<String, String> before = checksums(target);

        assertThatThrownBy(() -> new MongoRestorer().restore(DumpDirectory.read(dir, null), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-fail").withParallelism(1)))
                .isInstanceOf(MongoEngineException.class)
                .hasMessageContaining("collection customers")
                .hasMessageContaining("email_1")
                .satisfies(e -> assertThat(((MongoEngineException) e).collection()).isEqualTo("customers"));

        assertThat(checksums(target)).containsAllEntriesOf(before);
        assertThat(targetCollections()).doesNotContain("customers__dbrefresh_restore").contains("legacy");
    }

    @Test
    void replace_withSeveralInsertionWorkers_shouldStageEveryDocumentOnce() {
        TestData.seedShop(source, 2000);
        DumpManifest manifest = dump(false);

        MongoRestorer.Result result = new MongoRestorer().restore(DumpDirectory.read(dir, null), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-w").withInsertionWorkers(4).withBatch(100, 1 << 20));

        assertThat(result.collection("orders").inserted()).isEqualTo(4000);
        assertThat(mongo.writes("shop_acceptance.orders__dbrefresh_restore", "insert")).isEqualTo(4000);
        assertThat(mongo.batches("shop_acceptance.orders__dbrefresh_restore", "insert")).hasSize(40)
                .allSatisfy(n -> assertThat(n).isEqualTo(100));
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
    }

    @Test
    void replace_withSeveralInsertionWorkers_shouldStopAndDropTheStagingCollection_whenABatchFails() throws Exception {
        TestData.seedShop(source, 1000);
        dump(false);
        // The dump's orders end with a second copy of its first document: that batch fails with a duplicate _id.
        Path orders = dir.resolve("shop_production/orders.bson");
        byte[] bytes = Files.readAllBytes(orders);
        int first = (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16 | (bytes[3] & 0xff) << 24;
        Files.write(orders, java.util.Arrays.copyOfRange(bytes, 0, first), java.nio.file.StandardOpenOption.APPEND);
        seedOldTarget();
        Map<String, String> before = checksums(target);

        assertThatThrownBy(() -> new MongoRestorer().restore(DumpDirectory.read(dir, null), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-dup").withInsertionWorkers(3).withBatch(50, 1 << 20)))
                .isInstanceOf(MongoEngineException.class)
                .hasMessageContaining("collection orders")
                .hasMessageContaining("E11000");

        // No batch still in flight re-created the dropped staging collection, and the old target is as it was.
        assertThat(targetCollections()).doesNotContain("orders__dbrefresh_restore").contains("legacy");
        assertThat(checksums(target)).containsAllEntriesOf(before);
    }

    @Test
    void replace_shouldResume_afterACrashBetweenCollections() {
        TestData.seedShop(source, 400);
        seedOldTarget();
        DumpManifest manifest = dump(false);
        DumpDirectory dump = DumpDirectory.read(dir, null);
        MongoRestorer.Options options = MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-crash").withParallelism(1);
        Map<String, String> before = checksums(target);

        // The process "dies" right after the first collection is staged: nothing after that point runs.
        assertThatThrownBy(() -> new MongoRestorer().restore(dump, target, options, new MongoRestorer.Listener() {
            @Override
            public void collectionDone(CollectionResult r) {
                throw new IllegalStateException("simulated crash after " + r.name());
            }
        })).hasMessageContaining("simulated crash after customers");
        assertThat(checksums(target)).containsAllEntriesOf(before);
        assertThat(targetCollections()).contains("customers__dbrefresh_restore", ProgressStore.COLLECTION);

        mongo.resetWrites();
        MongoRestorer.Result resumed = new MongoRestorer().restore(dump, target, options);

        assertThat(resumed.collection("customers").resumed()).isTrue();
        assertThat(mongo.writes("shop_acceptance.customers__dbrefresh_restore", "insert")).isZero();
        assertThat(mongo.writes("shop_acceptance.events__dbrefresh_restore", "insert")).isEqualTo(200);
        assertThat(mongo.writes("shop_acceptance.orders__dbrefresh_restore", "insert")).isEqualTo(800);
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
        assertThat(targetCollections()).doesNotContain(ProgressStore.COLLECTION);
    }

    @Test
    void replace_shouldResume_afterACrashBetweenRenames() {
        TestData.seedShop(source, 200);
        DumpManifest manifest = dump(false);
        DumpDirectory dump = DumpDirectory.read(dir, null);
        MongoRestorer.Options options = MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-rename");

        assertThatThrownBy(() -> new MongoRestorer().restore(dump, target, options, new MongoRestorer.Listener() {
            @Override
            public void renamed(String collection) {
                throw new IllegalStateException("simulated crash after renaming " + collection);
            }
        })).hasMessageContaining("simulated crash after renaming customers");
        assertThat(targetCollections()).contains("customers", "events__dbrefresh_restore", "orders__dbrefresh_restore");

        mongo.resetWrites();
        new MongoRestorer().restore(dump, target, options);

        assertThat(mongo.writesTo("shop_acceptance")).isZero();
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
    }

    @Test
    void verify_shouldNameTheCollection_whenADocumentChangedAfterTheRestore() {
        TestData.seedShop(source, 100);
        DumpManifest manifest = dump(false);
        new MongoRestorer().restore(DumpDirectory.read(dir, null), target, MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "v"));
        target.getCollection("orders").updateOne(Filters.eq("customer", 3), new Document("$set", new Document("total", 0)));
        target.getCollection("stray").insertOne(new Document());

        ManifestVerifier.Report report = new ManifestVerifier().verify(target, manifest);

        assertThat(report.mismatched()).containsExactly("orders");
        assertThat(report.unexpected()).containsExactly("stray");
        assertThatThrownBy(report::requireOk).isInstanceOf(MongoEngineException.class)
                .hasMessageContaining("collection orders").hasMessageContaining("not in the manifest: [stray]");
    }

    static Map<String, String> checksums(MongoDatabase db) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (String c : db.listCollectionNames()) {
            out.put(c, ManifestVerifier.digest(db, c).checksum() + "/" + db.getCollection(c).countDocuments());
        }
        return out;
    }
}
