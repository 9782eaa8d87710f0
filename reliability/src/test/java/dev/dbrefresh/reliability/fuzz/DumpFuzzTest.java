package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableChecksum;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.engine.mongodb.BsonFileReader;
import dev.dbrefresh.engine.mongodb.CollectionMetadata;
import dev.dbrefresh.engine.mongodb.DumpDirectory;
import dev.dbrefresh.engine.mongodb.DumpFormatException;
import dev.dbrefresh.engine.mongodb.DumpLayout;
import dev.dbrefresh.engine.mongodb.DumpManifest;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

/**
 * Dumps that come from elsewhere: a MongoDB dump in mongodump's layout ({@code .bson} data files read by
 * {@link BsonFileReader}, {@code .metadata.json} by {@link CollectionMetadata}, the directory by
 * {@link DumpDirectory}, dbrefresh's own {@link DumpManifest}) and the postgres snapshot store's
 * {@code manifest.json} ({@link SnapshotStore}). For any bytes the readers give documents, metadata and manifests with
 * every required part, or their documented error: {@link DumpFormatException} (mongodb), {@link IllegalStateException}
 * (snapshot store) — never a NullPointerException later, a StackOverflowError on deep nesting, or an endless read.
 */
class DumpFuzzTest {

    private static final Path DIR = Fuzz.tempDir("dbrefresh-fuzz-dumps");
    private static final byte[] BSON = bson();
    private static final String METADATA = "{\"options\": {\"validationLevel\": \"strict\"}, \"indexes\": [{\"v\": 2,"
            + " \"key\": {\"_id\": 1}, \"name\": \"_id_\"}, {\"v\": 2, \"key\": {\"email\": 1}, \"name\": \"email_1\","
            + " \"unique\": true}], \"uuid\": \"0123456789abcdef0123456789abcdef\", \"collectionName\": \"people\","
            + " \"type\": \"collection\"}";
    private static final String MANIFEST = new DumpManifest("crm", Instant.parse("2026-12-01T00:00:00Z"),
            DumpManifest.NONE, "standalone", false, List.of(new DumpManifest.Entry("people", "collection", 3, BSON.length,
            "sum64:0")), List.of("system.profile"), "mongodb://x/crm").toDocument().toJson();
    private static final String PG_MANIFEST = EventCodec.toJson(new SnapshotManifest("shop-1", "postgres",
            "postgres://127.0.0.1:5432/shop", Instant.parse("2026-12-01T00:00:00Z"), "pg_dump-custom", "dump.pgdump", 10,
            "sha256:00", List.of(new TableRowCount("public", "t", 1)), "pg", "postgres://1/shop",
            List.of(new TableChecksum("public", "t", 1, "abc"))));

    @Test
    void anyBsonFile_givesFramedDocuments_orADumpFormatException() {
        Property.check("anyBsonFile_givesFramedDocuments_orADumpFormatException", 10_000, bsonFiles(), Gen.booleans(),
                this::anyBsonFile_givesFramedDocuments_orADumpFormatException);
    }

    void anyBsonFile_givesFramedDocuments_orADumpFormatException(byte[] content,
            boolean gzip) throws IOException {
        Long documents = Fuzz.expectReading("mongo-bson-file", DIR.resolve(gzip ? "c.bson.gz" : "c.bson"),
                gzip ? gzip(content) : content, file -> {
            long n = 0;
            try (BsonFileReader r = new BsonFileReader("c", file)) {
                while (r.hasNext()) {
                    RawBsonDocument d = r.next();
                    assertThat(d.getByteBuffer().remaining()).isBetween(5, BsonFileReader.MAX_DOCUMENT_BYTES);
                    n++;
                }
            }
            return n;
        }, DumpFormatException.class);
        assertThat(documents == null || documents >= 0).isTrue();
    }

    @Test
    void anyMetadataFile_givesMetadata_orADumpFormatException() {
        Property.check("anyMetadataFile_givesMetadata_orADumpFormatException", 10_000, metadataTexts(),
                this::anyMetadataFile_givesMetadata_orADumpFormatException);
    }

    void anyMetadataFile_givesMetadata_orADumpFormatException(String text) {
        CollectionMetadata m = Fuzz.expectReading("mongo-metadata", DIR.resolve("people.metadata.json"),
                text.getBytes(StandardCharsets.UTF_8), file -> CollectionMetadata.read("people", file),
                DumpFormatException.class);
        if (m != null) {
            assertThat(m.collectionName()).isNotNull();
            assertThat(m.secondaryIndexes()).allSatisfy(i -> assertThat(i.containsKey("ns")).isFalse());
            m.toJson();
        }
    }

    @Test
    void anyDumpDirectory_readsWithManifest_orADumpFormatException() {
        Property.check("anyDumpDirectory_readsWithManifest_orADumpFormatException", 10_000, manifestTexts(), fileStems(), metadataTexts(),
                this::anyDumpDirectory_readsWithManifest_orADumpFormatException);
    }

    void anyDumpDirectory_readsWithManifest_orADumpFormatException(String manifest,
            List<String> stems, String metadata) throws IOException {
        Path root = Files.createTempDirectory(DIR, "dump");
        try {
            Path db = Files.createDirectories(root.resolve("crm"));
            if (manifest != null) {
                Files.write(root.resolve(DumpLayout.MANIFEST_FILE), manifest.getBytes(StandardCharsets.UTF_8));
            }
            for (String stem : stems) {
                try {
                    Files.write(db.resolve(stem + DumpLayout.BSON_SUFFIX), BSON);
                    Files.write(db.resolve(stem + DumpLayout.METADATA_SUFFIX), metadata.getBytes(StandardCharsets.UTF_8));
                } catch (IOException | java.nio.file.InvalidPathException notAFileName) {
                    // a name this file system cannot hold is no dump file
                }
            }
            DumpDirectory d = Fuzz.expect("mongo-dump-directory", () -> DumpDirectory.read(root, "crm"),
                    DumpFormatException.class);
            if (d != null) {
                d.entries().forEach(c -> assertThat(c.name()).isNotNull());
                d.manifest().ifPresent(m -> assertThat(m.collections()).allSatisfy(e -> assertThat(e.name()).isNotNull()));
            }
        } finally {
            SnapshotStore.deleteTree(root);
        }
    }

    @Test
    void anySnapshotStoreManifest_givesACompleteManifest_orAnIllegalStateException() {
        Property.check("anySnapshotStoreManifest_givesACompleteManifest_orAnIllegalStateException", 10_000, pgManifestTexts(),
                this::anySnapshotStoreManifest_givesACompleteManifest_orAnIllegalStateException);
    }

    void anySnapshotStoreManifest_givesACompleteManifest_orAnIllegalStateException(
            String text) throws IOException {
        Path root = DIR.resolve("store");
        Files.createDirectories(root.resolve("shop-1"));
        Files.write(root.resolve("shop-1").resolve(SnapshotStore.MANIFEST_FILE), text.getBytes(StandardCharsets.UTF_8));
        SnapshotStore store = new SnapshotStore(root);
        var found = Fuzz.expect("pg-snapshot-manifest", () -> store.find("shop-1"), IllegalStateException.class);
        if (found != null) {
            SnapshotManifest m = found.orElseThrow();
            // what the restore and the verification read without checking again
            assertThat(m.createdAt()).isNotNull();
            assertThat(m.engine()).isNotNull();
            assertThat(m.checksum()).isNotNull();
            assertThat(m.tables()).isNotNull().doesNotContainNull();
            m.totalRows();
            store.dumpFile(m);
            assertThat(store.newest()).contains(m);
        }
    }

    Gen<byte[]> bsonFiles() {
        Gen<byte[]> flipped = Gen.combine(Gen.integers(0, 1 << 20),
                Gen.bytes(), Gen.integers(0, 3)).as((at, b, kind) -> {
                    byte[] c = BSON.clone();
                    int i = at % c.length;
                    switch (kind) {
                        case 0 -> c[i] = b;
                        case 1 -> {
                            return java.util.Arrays.copyOf(c, i);
                        }
                        case 2 -> ByteBuffer.wrap(c).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, at * 31 - 1000);
                        default -> {
                            byte[] d = java.util.Arrays.copyOf(c, c.length + 4);
                            ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(c.length, at);
                            return d;
                        }
                    }
                    return c;
                });
        Gen<byte[]> random = Gen.bytes(600);
        return Gen.frequencyOf(Gen.weighted(6, flipped), Gen.weighted(3, random),
                Gen.weighted(1, Gen.of(new byte[0], new byte[] {5, 0, 0, 0, 0}, new byte[] {(byte) 0xff, (byte) 0xff,
                        (byte) 0xff, 0x7f}, new byte[] {0, 0, 0, 1, 0})));
    }

    Gen<String> metadataTexts() {
        Gen<String> mutated = Fuzz.mutated(tree(METADATA)).map(JsonNode::toString);
        Gen<String> ext = Gen.of("{\"uuid\": {\"$binary\": {\"base64\": \"AAAA\", \"subType\": \"04\"}}}",
                "{\"options\": {\"$date\": \"x\"}}", "{\"indexes\": {\"$numberLong\": \"1\"}}", "{\"options\": {\"capped\":"
                + " {\"$numberDecimal\": \"NaN\"}}}", "{\"indexes\": [{\"$oid\": \"zz\"}]}", "{\"type\": {\"$regex\": \"(\"}}",
                "{\"collectionName\": {\"$symbol\": \"x\"}}", "{\"options\": {\"viewOn\": 1}}");
        return Gen.frequencyOf(Gen.weighted(6, mutated), Gen.weighted(2, Fuzz.damaged(mutated)), Gen.weighted(2, ext),
                Gen.weighted(1, Fuzz.randomBytes()), Gen.weighted(1, Fuzz.deeplyNested()),
                Gen.weighted(1, Fuzz.hugeOrDeepInside(Gen.just(METADATA))), Gen.weighted(1, Fuzz.json(3).map(JsonNode::toString)));
    }

    Gen<String> manifestTexts() {
        Gen<String> mutated = Fuzz.mutated(tree(MANIFEST)).map(JsonNode::toString);
        return Gen.frequencyOf(Gen.weighted(6, mutated), Gen.weighted(2, Fuzz.damaged(mutated)),
                Gen.weighted(1, Fuzz.randomBytes()), Gen.weighted(1, Fuzz.deeplyNested()), Gen.weighted(2, Gen.just(null)),
                Gen.weighted(1, Fuzz.hugeOrDeepInside(Gen.just(MANIFEST))));
    }

    Gen<List<String>> fileStems() {
        Gen<String> stem = Gen.frequencyOf(Gen.weighted(3, Gen.of("people", "orders", "system.views",
                "system.buckets.ts", "ts", "$admin", "people%2Ex", "%", "%4", "%zz", "a%C3", "%00", "%2F..%2F")),
                Gen.weighted(2, Fuzz.hostile().map(h -> h.replace("/", "").replace("\0", ""))),
                Gen.weighted(1, Fuzz.hostile().map(h -> DumpLayout.escape(h.length() > 20 ? h.substring(0, 20) : h))));
        return stem.filter(s -> !s.isEmpty() && s.length() < 200).list(3);
    }

    Gen<String> pgManifestTexts() {
        Gen<String> mutated = Fuzz.mutated(tree(PG_MANIFEST)).map(JsonNode::toString);
        return Gen.frequencyOf(Gen.weighted(8, mutated), Gen.weighted(2, Fuzz.damaged(mutated)),
                Gen.weighted(1, Fuzz.randomBytes()), Gen.weighted(1, Fuzz.deeplyNested()),
                Gen.weighted(1, Fuzz.hugeOrDeepInside(Gen.just(PG_MANIFEST))), Gen.weighted(1, Gen.of("null", "[]", "{}", "1")));
    }

    private static byte[] bson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            BsonDocument d = new BsonDocument("_id", new BsonInt32(i)).append("email", new BsonString("p" + i + "@x.org"))
                    .append("nested", new BsonDocument("a", new BsonString("b")));
            ByteBuffer b = new RawBsonDocument(d, new BsonDocumentCodec()).getByteBuffer().asNIO();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(content);
        }
        return out.toByteArray();
    }

    private static JsonNode tree(String json) {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
