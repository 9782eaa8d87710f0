package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mongodb engine's snapshot, both restore modes and checksums, written once against {@link #server()}:
 * {@link MongoEngineInProcessTest} runs it here on mongo-java-server, {@link MongoEngineContainerTest} on a real
 * {@code mongod} 7 replica set where Docker exists. Every test uses its own two databases (a random suffix) and drops
 * them afterwards, so the subclasses may share one server.
 */
abstract class MongoEngineBehaviour {

    /**
     * The server under test.
     *
     * @param client        a client on it, allowed to create and drop databases
     * @param snapshotReads whether it supports snapshot reads (a replica set of MongoDB 5.0 or later)
     */
    record Server(MongoClient client, boolean snapshotReads) {
    }

    /** @return the server the behaviours run against (the only thing a subclass provides) */
    protected abstract Server server();

    @TempDir
    Path dir;
    @TempDir
    Path sortDir;
    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final String sourceName = "shop_production_" + suffix;
    private MongoDatabase source;
    private MongoDatabase target;

    @BeforeEach
    void open() {
        source = server().client().getDatabase(sourceName);
        target = server().client().getDatabase("shop_acceptance_" + suffix);
    }

    @AfterEach
    void dropDatabases() {
        source.drop();
        target.drop();
    }

    private DumpManifest dump(String name) {
        return new MongoSnapshotter().dump(server().client(), sourceName, dir.resolve(name),
                MongoSnapshotter.Options.defaults());
    }

    private DumpDirectory read(String name) {
        return DumpDirectory.read(dir.resolve(name), null);
    }

    @Test
    void snapshot_shouldRecordCountsAndChecksumsOfEveryCollection_andItsPointInTime() {
        TestData.seedShop(source, 300);

        DumpManifest manifest = dump("one");

        assertThat(manifest.collections()).extracting(DumpManifest.Entry::name, DumpManifest.Entry::documents)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("customers", 300L),
                        org.assertj.core.groups.Tuple.tuple("orders", 600L),
                        org.assertj.core.groups.Tuple.tuple("events", 150L));
        for (DumpManifest.Entry e : manifest.collections()) {
            assertThat(e.checksum()).as(e.name()).isEqualTo(ManifestVerifier.digest(source, e.name()).checksum());
        }
        assertThat(manifest.pointInTime()).isEqualTo(server().snapshotReads() ? DumpManifest.SNAPSHOT : DumpManifest.NONE);
        assertThat(source.getCollection("customers").countDocuments()).as("the source is not changed").isEqualTo(300);
    }

    @Test
    void replace_shouldMakeTargetEqualSource_andDropWhatTheSourceLacks() {
        TestData.seedShop(source, 300);
        target.getCollection("customers").insertOne(new Document("_id", -1).append("old", true));
        target.getCollection("legacy").insertOne(new Document("_id", 1));
        DumpManifest manifest = dump("one");

        MongoRestorer.Result result = new MongoRestorer().restore(read("one"), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "replace-" + suffix));

        assertThat(result.collection("customers").inserted()).isEqualTo(300);
        assertThat(result.dropped()).containsExactly("legacy");
        assertThat(new ManifestVerifier().verify(target, manifest).ok()).isTrue();
        for (String c : List.of("customers", "orders", "events")) {
            assertThat(ManifestVerifier.digest(target, c).checksum()).as(c)
                    .isEqualTo(ManifestVerifier.digest(source, c).checksum());
            assertThat(TestData.indexes(target, c)).as(c).isEqualTo(TestData.indexes(source, c));
        }
        assertThat(target.listCollectionNames().into(new ArrayList<>()))
                .containsExactlyInAnyOrder("customers", "orders", "events");
        assertThat(target.getCollection("customers").countDocuments(Filters.eq("_id", -1))).isZero();
    }

    @Test
    void delta_shouldApplyOnlyTheChanges_andNothingOnASecondRun() {
        TestData.seedShop(source, 1000);
        dump("first");
        new MongoRestorer().restore(read("first"), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "first-" + suffix));
        for (int i = 0; i < 10; i++) {
            source.getCollection("customers").updateOne(Filters.eq("_id", i * 50 + 1),
                    new Document("$set", new Document("score", -1.0)));
        }
        for (int i = 0; i < 5; i++) {
            source.getCollection("customers").deleteOne(Filters.eq("_id", i * 50 + 2));
            source.getCollection("customers").insertOne(new Document("_id", 100_000 + i)
                    .append("email", "new" + i + "@example.com"));
        }
        DumpManifest second = dump("second");
        MongoRestorer.Options delta = MongoRestorer.Options.of(MongoRestorer.Mode.DELTA, "delta-" + suffix)
                .withSort(64 * 1024, sortDir);

        MongoRestorer.Result result = new MongoRestorer().restore(read("second"), target, delta);

        CollectionResult customers = result.collection("customers");
        assertThat(customers.replaced()).isEqualTo(10);
        assertThat(customers.deleted()).isEqualTo(5);
        assertThat(customers.inserted()).isEqualTo(5);
        assertThat(customers.unchanged()).isEqualTo(1000 - 15);
        assertThat(result.collection("orders").unchanged()).isEqualTo(2000);
        assertThat(new ManifestVerifier().verify(target, second).ok()).isTrue();

        MongoRestorer.Result again = new MongoRestorer().restore(read("second"), target,
                MongoRestorer.Options.of(MongoRestorer.Mode.DELTA, "delta-again-" + suffix).withSort(64 * 1024, sortDir));
        assertThat(again.collection("customers").unchanged()).isEqualTo(1000);
        assertThat(again.collection("customers").replaced() + again.collection("customers").inserted()
                + again.collection("customers").deleted()).isZero();
    }

    @Test
    void checksums_shouldNameTheChangedCollection_andTheUnexpectedOne() {
        TestData.seedShop(source, 100);
        DumpManifest manifest = dump("one");
        new MongoRestorer().restore(read("one"), target, MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "v-" + suffix));
        target.getCollection("orders").updateOne(Filters.eq("customer", 3), new Document("$set", new Document("total", 0)));
        target.getCollection("stray").insertOne(new Document());

        ManifestVerifier.Report report = new ManifestVerifier().verify(target, manifest);

        assertThat(report.mismatched()).containsExactly("orders");
        assertThat(report.unexpected()).containsExactly("stray");
        assertThat(report.ok()).isFalse();
    }
}
