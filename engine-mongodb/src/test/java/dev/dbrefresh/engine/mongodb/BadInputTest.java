package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad dumps end in a {@link DumpFormatException} naming the collection and the file, in both modes, and the
 * target's collections are as they were.
 */
class BadInputTest {

    @TempDir
    Path dir;
    private final InProcessMongo mongo = new InProcessMongo();
    private final MongoDatabase source = mongo.db("shop_production");
    private final MongoDatabase target = mongo.db("shop_acceptance");
    private Map<String, String> before;

    @BeforeEach
    void seed() {
        TestData.seedShop(source, 300);
        new MongoSnapshotter().dump(mongo.client, "shop_production", dir, MongoSnapshotter.Options.defaults());
        target.getCollection("customers").insertOne(new Document("_id", -1).append("old", true));
        target.getCollection("orders").insertOne(new Document("_id", "old-order"));
        before = ReplaceRestoreTest.checksums(target);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private void restore(MongoRestorer.Mode mode) {
        new MongoRestorer().restore(DumpDirectory.read(dir, null), target, MongoRestorer.Options.of(mode, "bad").withParallelism(1));
    }

    private void assertTargetUntouched() {
        Map<String, String> after = ReplaceRestoreTest.checksums(target);
        assertThat(after).containsAllEntriesOf(before);
        assertThat(after.keySet()).noneMatch(n -> n.startsWith("orders") && n.endsWith(MongoRestorer.STAGING_SUFFIX));
    }

    @ParameterizedTest
    @EnumSource(MongoRestorer.Mode.class)
    void restore_shouldNameCollectionAndFile_whenTheBsonFileIsTruncated(MongoRestorer.Mode mode) throws Exception {
        Path orders = dir.resolve("shop_production/orders.bson");
        try (FileChannel ch = FileChannel.open(orders, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }

        assertThatThrownBy(() -> restore(mode)).isInstanceOf(DumpFormatException.class)
                .hasMessageContaining("collection orders").hasMessageContaining(orders.toString())
                .hasMessageContaining("truncated: document #600")
                .satisfies(e -> assertThat(((DumpFormatException) e).file()).isEqualTo(orders));
        assertTargetUntouched();
    }

    @ParameterizedTest
    @EnumSource(MongoRestorer.Mode.class)
    void restore_shouldRefuse_aDocumentOver16MiBInAForeignDump(MongoRestorer.Mode mode) throws Exception {
        Files.delete(dir.resolve(DumpLayout.MANIFEST_FILE)); // a foreign dump: no manifest
        Path big = dir.resolve("shop_production/orders.bson");
        Dumps.writeBson(big, List.of(new BsonDocument("_id", new BsonInt32(1)),
                new BsonDocument("_id", new BsonInt32(2)).append("blob", new BsonBinary(new byte[17 * 1024 * 1024]))));

        assertThatThrownBy(() -> restore(mode)).isInstanceOf(DumpFormatException.class)
                .hasMessageContaining("collection orders").hasMessageContaining(big.toString())
                .hasMessageContaining("document #2").hasMessageContaining("16 MiB");
        assertTargetUntouched();
    }

    @ParameterizedTest
    @EnumSource(MongoRestorer.Mode.class)
    void restore_shouldRefuse_documentsThatDoNotMatchTheManifest(MongoRestorer.Mode mode) throws Exception {
        // Same length, one byte of one string changed: the file still parses, only the checksum tells.
        Path orders = dir.resolve("shop_production/orders.bson");
        byte[] bytes = Files.readAllBytes(orders);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("S17");
        bytes[at + 1] = '8';
        Files.write(orders, bytes);

        assertThatThrownBy(() -> restore(mode)).isInstanceOf(DumpFormatException.class)
                .hasMessageContaining("collection orders").hasMessageContaining("do not match the manifest");
        assertTargetUntouched();
    }

    @org.junit.jupiter.api.Test
    void read_shouldRefuse_aManifestOfAnotherDatabase() throws Exception {
        Files.move(dir.resolve("shop_production"), dir.resolve("shop_other"));

        assertThatThrownBy(() -> DumpDirectory.read(dir, "shop_other")).isInstanceOf(DumpFormatException.class)
                .hasMessageContaining("the manifest describes database shop_production, not shop_other");
    }

    @ParameterizedTest
    @EnumSource(MongoRestorer.Mode.class)
    void read_shouldRefuse_aManifestCollectionWithoutFiles(MongoRestorer.Mode mode) throws Exception {
        Files.delete(dir.resolve("shop_production/events.bson"));
        Files.delete(dir.resolve("shop_production/events.metadata.json"));

        assertThatThrownBy(() -> restore(mode)).isInstanceOf(DumpFormatException.class)
                .hasMessageContaining("collection events").hasMessageContaining("the manifest lists the collection");
        assertTargetUntouched();
    }
}
