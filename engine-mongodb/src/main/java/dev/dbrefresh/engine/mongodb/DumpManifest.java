package dev.dbrefresh.engine.mongodb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * dbrefresh's own manifest of a mongodb dump, {@value DumpLayout#MANIFEST_FILE} in the dump's root directory
 * (relaxed extended JSON; mongorestore does not read it). It lets a restore and a verification check every
 * collection's documents without trusting the dump files.
 *
 * @param database          the source database
 * @param createdAt         when the dump started
 * @param pointInTime       {@link #SNAPSHOT} when every collection was read at one cluster time (a snapshot read
 *                          concern on a replica set or sharded cluster), {@link #NONE} when each collection was
 *                          read by its own cursor at its own time (standalone server, or no snapshot support)
 * @param pointInTimeDetail the cluster time read at ({@code SNAPSHOT}), or why there is none ({@code NONE})
 * @param gzip              whether the dump files are gzipped
 * @param collections       collections, views and time-series collections dumped, ordered by name
 * @param skipped           {@code system.*} collections of the source that were not dumped, ordered by name
 * @param sourceIdentity    the source's identity as its server stated it when the dump was taken (the
 *                          {@code mongodb} engine's {@code MongoIdentity} key), or {@code null} for a dump that does
 *                          not record one (written by this class before it did, or outside a plan)
 */
public record DumpManifest(String database, Instant createdAt, String pointInTime, String pointInTimeDetail,
        boolean gzip, List<Entry> collections, List<String> skipped, String sourceIdentity) {

    /** Format tag written into the manifest. */
    public static final String FORMAT = "dbrefresh-mongodb-manifest/1";
    /** {@link #pointInTime()}: one snapshot for the whole dump. */
    public static final String SNAPSHOT = "snapshot";
    /** {@link #pointInTime()}: no common point in time. */
    public static final String NONE = "none";

    /**
     * One dumped collection.
     *
     * @param name      collection name
     * @param type      {@link CollectionMetadata#COLLECTION}, {@code VIEW} or {@code TIMESERIES}
     * @param documents documents dumped (buckets for a time-series collection; 0 for a view)
     * @param bytes     bytes of raw BSON dumped (uncompressed)
     * @param checksum  {@link DocumentDigest#checksum()} of the documents dumped
     */
    public record Entry(String name, String type, long documents, long bytes, String checksum) {
        /** Checks the components. */
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(checksum, "checksum");
        }
    }

    /** Checks and copies the components. */
    public DumpManifest {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(pointInTime, "pointInTime");
        collections = List.copyOf(collections);
        skipped = List.copyOf(skipped);
    }

    /**
     * A manifest that records no source identity.
     *
     * @param database          the source database
     * @param createdAt         when the dump started
     * @param pointInTime       {@link #SNAPSHOT} or {@link #NONE}
     * @param pointInTimeDetail the cluster time read at, or why there is none
     * @param gzip              whether the dump files are gzipped
     * @param collections       collections dumped, ordered by name
     * @param skipped           {@code system.*} collections not dumped
     */
    public DumpManifest(String database, Instant createdAt, String pointInTime, String pointInTimeDetail,
            boolean gzip, List<Entry> collections, List<String> skipped) {
        this(database, createdAt, pointInTime, pointInTimeDetail, gzip, collections, skipped, null);
    }

    /**
     * @param identity a source identity key
     * @return whether this dump was taken of that source (false where the manifest records none)
     */
    public boolean isOf(String identity) {
        return sourceIdentity != null && sourceIdentity.equals(identity);
    }

    /** @return the sum of the collections' documents */
    public long totalDocuments() {
        return collections.stream().mapToLong(Entry::documents).sum();
    }

    /** @return the sum of the collections' raw BSON bytes (uncompressed) */
    public long totalBytes() {
        return collections.stream().mapToLong(Entry::bytes).sum();
    }

    /**
     * @param name a collection name
     * @return its entry, if it was dumped
     */
    public Optional<Entry> entry(String name) {
        return collections.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** @return the manifest as a document, in the layout {@link #read} reads */
    public BsonDocument toDocument() {
        BsonArray cs = new BsonArray();
        for (Entry e : collections) {
            cs.add(new BsonDocument("name", new BsonString(e.name())).append("type", new BsonString(e.type()))
                    .append("documents", new BsonInt64(e.documents())).append("bytes", new BsonInt64(e.bytes()))
                    .append("checksum", new BsonString(e.checksum())));
        }
        BsonArray sk = new BsonArray();
        skipped.forEach(s -> sk.add(new BsonString(s)));
        BsonDocument d = new BsonDocument("format", new BsonString(FORMAT)).append("database", new BsonString(database))
                .append("createdAt", new BsonString(createdAt.toString()))
                .append("pointInTime", new BsonString(pointInTime))
                .append("pointInTimeDetail", new BsonString(pointInTimeDetail == null ? "" : pointInTimeDetail))
                .append("gzip", BsonBoolean.valueOf(gzip))
                .append("checksumAlgorithm", new BsonString(DocumentDigest.ALGORITHM))
                .append("collections", cs).append("skippedSystemCollections", sk);
        if (sourceIdentity != null) {
            d.append("sourceIdentity", new BsonString(sourceIdentity));
        }
        return d;
    }

    /**
     * @param root the dump's root directory
     * @throws IOException when the manifest cannot be written
     */
    public void write(Path root) throws IOException {
        String json = toDocument().toJson(JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).indent(true).build());
        Files.writeString(root.resolve(DumpLayout.MANIFEST_FILE), json, StandardCharsets.UTF_8);
    }

    /**
     * @param root a dump's root directory
     * @return its manifest, or empty when there is none (a directory written by mongodump)
     * @throws DumpFormatException when the manifest exists but is unreadable, of another format, or made with
     *                             another checksum algorithm
     */
    public static Optional<DumpManifest> read(Path root) {
        Path file = root.resolve(DumpLayout.MANIFEST_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            String json = Files.readString(file, StandardCharsets.UTF_8);
            DumpLayout.requireShallow(json);
            BsonDocument d = BsonDocument.parse(json);
            if (!FORMAT.equals(d.getString("format", new BsonString("")).getValue())) {
                throw new IllegalArgumentException("format is not " + FORMAT);
            }
            if (!DocumentDigest.ALGORITHM.equals(d.getString("checksumAlgorithm").getValue())) {
                throw new IllegalArgumentException("checksum algorithm " + d.getString("checksumAlgorithm").getValue()
                        + " is not " + DocumentDigest.ALGORITHM);
            }
            List<Entry> entries = new ArrayList<>();
            for (BsonValue v : d.getArray("collections")) {
                BsonDocument e = v.asDocument();
                entries.add(new Entry(e.getString("name").getValue(), e.getString("type").getValue(),
                        e.getNumber("documents").longValue(), e.getNumber("bytes").longValue(),
                        e.getString("checksum").getValue()));
            }
            List<String> skipped = new ArrayList<>();
            d.getArray("skippedSystemCollections").forEach(v -> skipped.add(v.asString().getValue()));
            return Optional.of(new DumpManifest(d.getString("database").getValue(),
                    Instant.parse(d.getString("createdAt").getValue()), d.getString("pointInTime").getValue(),
                    d.getString("pointInTimeDetail").getValue(), d.getBoolean("gzip").getValue(), entries, skipped,
                    d.containsKey("sourceIdentity") ? d.getString("sourceIdentity").getValue() : null));
        } catch (IOException | RuntimeException e) {
            throw new DumpFormatException(null, file, "cannot read the manifest: " + e.getMessage(), e);
        }
    }
}
