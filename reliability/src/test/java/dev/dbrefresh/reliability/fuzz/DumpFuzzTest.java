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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Dumps that come from elsewhere: a MongoDB dump in mongodump's layout ({@code .bson} data files read by
 * {@link BsonFileReader}, {@code .metadata.json} by {@link CollectionMetadata}, the directory by
 * {@link DumpDirectory}, dbrefresh's own {@link DumpManifest}) and the postgres snapshot store's
 * {@code manifest.json} ({@link SnapshotStore}). For any bytes the readers give documents, metadata and manifests with
 * every required part, or their documented error: {@link DumpFormatException} (mongodb), {@link IllegalStateException}
 * (snapshot store) — never a NullPointerException later, a StackOverflowError on deep nesting, or an endless read.
 */
@AddLifecycleHook(FuzzSeed.class)
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

    @Property(tries = 10_000)
    void anyBsonFile_givesFramedDocuments_orADumpFormatException(@ForAll("bsonFiles") byte[] content,
            @ForAll boolean gzip) throws IOException {
        Path file = DIR.resolve(gzip ? "c.bson.gz" : "c.bson");
        Files.write(file, gzip ? gzip(content) : content);
        Long documents = Fuzz.expect("mongo-bson-file", () -> {
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

    @Property(tries = 10_000)
    void anyMetadataFile_givesMetadata_orADumpFormatException(@ForAll("metadataTexts") String text) throws IOException {
        Path file = DIR.resolve("people.metadata.json");
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        CollectionMetadata m = Fuzz.expect("mongo-metadata", () -> CollectionMetadata.read("people", file),
                DumpFormatException.class);
        if (m != null) {
            assertThat(m.collectionName()).isNotNull();
            assertThat(m.secondaryIndexes()).allSatisfy(i -> assertThat(i.containsKey("ns")).isFalse());
            m.toJson();
        }
    }

    @Property(tries = 10_000)
    void anyDumpDirectory_readsWithManifest_orADumpFormatException(@ForAll("manifestTexts") String manifest,
            @ForAll("fileStems") List<String> stems, @ForAll("metadataTexts") String metadata) throws IOException {
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

    @Property(tries = 10_000)
    void anySnapshotStoreManifest_givesACompleteManifest_orAnIllegalStateException(
            @ForAll("pgManifestTexts") String text) throws IOException {
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

    @Provide
    Arbitrary<byte[]> bsonFiles() {
        Arbitrary<byte[]> flipped = Combinators.combine(Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.bytes(), Arbitraries.integers().between(0, 3)).as((at, b, kind) -> {
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
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        return Arbitraries.frequencyOf(Tuple.of(6, flipped), Tuple.of(3, random),
                Tuple.of(1, Arbitraries.of(new byte[0], new byte[] {5, 0, 0, 0, 0}, new byte[] {(byte) 0xff, (byte) 0xff,
                        (byte) 0xff, 0x7f}, new byte[] {0, 0, 0, 1, 0})));
    }

    @Provide
    Arbitrary<String> metadataTexts() {
        Arbitrary<String> mutated = Fuzz.mutated(tree(METADATA)).map(JsonNode::toString);
        Arbitrary<String> ext = Arbitraries.of("{\"uuid\": {\"$binary\": {\"base64\": \"AAAA\", \"subType\": \"04\"}}}",
                "{\"options\": {\"$date\": \"x\"}}", "{\"indexes\": {\"$numberLong\": \"1\"}}", "{\"options\": {\"capped\":"
                + " {\"$numberDecimal\": \"NaN\"}}}", "{\"indexes\": [{\"$oid\": \"zz\"}]}", "{\"type\": {\"$regex\": \"(\"}}",
                "{\"collectionName\": {\"$symbol\": \"x\"}}", "{\"options\": {\"viewOn\": 1}}");
        return Arbitraries.frequencyOf(Tuple.of(6, mutated), Tuple.of(2, Fuzz.damaged(mutated)), Tuple.of(2, ext),
                Tuple.of(1, Fuzz.randomBytes()), Tuple.of(1, Fuzz.deeplyNested()),
                Tuple.of(1, Fuzz.hugeOrDeepInside(Arbitraries.just(METADATA))), Tuple.of(1, Fuzz.json(3).map(JsonNode::toString)));
    }

    @Provide
    Arbitrary<String> manifestTexts() {
        Arbitrary<String> mutated = Fuzz.mutated(tree(MANIFEST)).map(JsonNode::toString);
        return Arbitraries.frequencyOf(Tuple.of(6, mutated), Tuple.of(2, Fuzz.damaged(mutated)),
                Tuple.of(1, Fuzz.randomBytes()), Tuple.of(1, Fuzz.deeplyNested()), Tuple.of(2, Arbitraries.just(null)),
                Tuple.of(1, Fuzz.hugeOrDeepInside(Arbitraries.just(MANIFEST))));
    }

    @Provide
    Arbitrary<List<String>> fileStems() {
        Arbitrary<String> stem = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of("people", "orders", "system.views",
                "system.buckets.ts", "ts", "$admin", "people%2Ex", "%", "%4", "%zz", "a%C3", "%00", "%2F..%2F")),
                Tuple.of(2, Fuzz.hostile().map(h -> h.replace("/", "").replace("\0", ""))),
                Tuple.of(1, Fuzz.hostile().map(h -> DumpLayout.escape(h.length() > 20 ? h.substring(0, 20) : h))));
        return stem.filter(s -> !s.isEmpty() && s.length() < 200).list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<String> pgManifestTexts() {
        Arbitrary<String> mutated = Fuzz.mutated(tree(PG_MANIFEST)).map(JsonNode::toString);
        return Arbitraries.frequencyOf(Tuple.of(8, mutated), Tuple.of(2, Fuzz.damaged(mutated)),
                Tuple.of(1, Fuzz.randomBytes()), Tuple.of(1, Fuzz.deeplyNested()),
                Tuple.of(1, Fuzz.hugeOrDeepInside(Arbitraries.just(PG_MANIFEST))), Tuple.of(1, Arbitraries.of("null", "[]", "{}", "1")));
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
