package dev.dbrefresh.engine.mongodb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonWriterSettings;

/**
 * One {@code <collection>.metadata.json} of mongodump's layout: the document mongodump 100.x writes
 * (mongo-tools {@code mongodump/metadata_dump.go}, struct {@code Metadata}) in canonical extended JSON
 * (https://www.mongodb.com/docs/manual/reference/mongodb-extended-json/):
 * <pre>{"options": {...}, "indexes": [{"v": 2, "key": {...}, "name": "...", ...}], "uuid": "&lt;32 hex&gt;",
 *  "collectionName": "...", "type": "collection" | "view" | "timeseries"}</pre>
 * {@code options} are the collection's {@code listCollections} options as the server gives them (validator,
 * validationLevel/Action, capped/size/max, collation, viewOn/pipeline for views, timeseries/expireAfterSeconds for
 * time-series, ...) and are omitted when empty; {@code indexes} is always present (empty for views); {@code uuid}
 * and {@code type} are omitted where the server did not report them (older dumps have neither).
 *
 * @param collectionName the collection's name
 * @param type           {@code collection}, {@code view} or {@code timeseries}
 * @param options        collection options as for the {@code create} command; never {@code null}
 * @param indexes        index specifications as {@code listIndexes} returns them; never {@code null}
 * @param uuid           the collection's UUID as 32 hex digits, or {@code null}
 */
public record CollectionMetadata(String collectionName, String type, BsonDocument options, List<BsonDocument> indexes,
        String uuid) {

    /** Type of an ordinary collection. */
    public static final String COLLECTION = "collection";
    /** Type of a view. */
    public static final String VIEW = "view";
    /** Type of a time-series collection. */
    public static final String TIMESERIES = "timeseries";

    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    /** Checks the components; a {@code null} type means an ordinary collection. */
    public CollectionMetadata {
        Objects.requireNonNull(collectionName, "collectionName");
        type = type == null ? COLLECTION : type;
        options = options == null ? new BsonDocument() : options.clone();
        indexes = List.copyOf(indexes == null ? List.of() : indexes);
    }

    /**
     * The metadata of a collection as {@code listCollections} and {@code listIndexes} describe it.
     *
     * @param listCollectionsEntry one entry of {@code listCollections} ({@code name}, {@code type}, {@code options},
     *                             {@code info.uuid})
     * @param indexes              the collection's indexes (empty for a view)
     * @return the metadata
     */
    public static CollectionMetadata of(BsonDocument listCollectionsEntry, List<BsonDocument> indexes) {
        String uuid = null;
        BsonDocument info = listCollectionsEntry.getDocument("info", new BsonDocument());
        if (info.isBinary("uuid")) {
            uuid = HexFormat.of().formatHex(info.getBinary("uuid").getData());
        }
        String type = listCollectionsEntry.containsKey("type") ? listCollectionsEntry.getString("type").getValue() : null;
        return new CollectionMetadata(listCollectionsEntry.getString("name").getValue(), type,
                listCollectionsEntry.getDocument("options", new BsonDocument()), indexes, uuid);
    }

    /** @return whether this is a view (metadata only, no data file) */
    public boolean isView() {
        return VIEW.equals(type);
    }

    /** @return whether this is a time-series collection (data in {@code system.buckets.<name>}) */
    public boolean isTimeseries() {
        return TIMESERIES.equals(type) || options.containsKey("timeseries");
    }

    /**
     * @return the indexes to build with {@code createIndexes}: all but {@code _id_} (every collection has it),
     *         without the {@code ns} field that servers before 4.4 put into index specifications
     */
    public List<BsonDocument> secondaryIndexes() {
        List<BsonDocument> out = new ArrayList<>();
        for (BsonDocument index : indexes) {
            if (!"_id_".equals(index.getString("name", new BsonString("")).getValue())) {
                BsonDocument spec = index.clone();
                spec.remove("ns");
                out.add(spec);
            }
        }
        return out;
    }

    /** @return the document mongodump writes, fields in its order */
    public BsonDocument toDocument() {
        BsonDocument d = new BsonDocument();
        if (!options.isEmpty()) {
            d.put("options", options.clone());
        }
        BsonArray ix = new BsonArray();
        indexes.forEach(i -> ix.add(i.clone()));
        d.put("indexes", ix);
        if (uuid != null) {
            d.put("uuid", new BsonString(uuid));
        }
        d.put("collectionName", new BsonString(collectionName));
        d.put("type", new BsonString(type));
        return d;
    }

    /** @return {@link #toDocument()} as canonical extended JSON, the mode mongodump writes */
    public String toJson() {
        return toDocument().toJson(CANONICAL);
    }

    /**
     * @param json           a metadata file's content (canonical or relaxed extended JSON)
     * @param fallbackName   the collection name to use when the document has no {@code collectionName} (dumps
     *                       before mongodump 100.x), i.e. the unescaped file name
     * @return the metadata
     * @throws IllegalArgumentException when the JSON is malformed or nested deeper than
     *                                  {@link DumpLayout#MAX_JSON_DEPTH}, {@code indexes} is not an array of
     *                                  documents each with a string {@code name} and a {@code key} document, or
     *                                  {@code options} is not a document
     */
    public static CollectionMetadata parse(String json, String fallbackName) {
        BsonDocument d;
        try {
            DumpLayout.requireShallow(json);
            d = BsonDocument.parse(json);
        } catch (JsonParseException | org.bson.BSONException | IllegalStateException | NumberFormatException
                | java.time.DateTimeException e) {
            throw new IllegalArgumentException("malformed extended JSON: " + e.getMessage(), e);
        }
        if (d.containsKey("indexes") && !d.isArray("indexes")) {
            throw new IllegalArgumentException("indexes must be an array of documents, found "
                    + d.get("indexes").getBsonType());
        }
        if (d.containsKey("options") && !d.isDocument("options")) {
            throw new IllegalArgumentException("options must be a document, found " + d.get("options").getBsonType());
        }
        List<BsonDocument> indexes = new ArrayList<>();
        for (BsonValue v : d.getArray("indexes", new BsonArray())) {
            if (!v.isDocument()) {
                throw new IllegalArgumentException("indexes must hold documents, found " + v.getBsonType());
            }
            // what createIndexes needs and secondaryIndexes() reads (listIndexes always gives both)
            if (!v.asDocument().isString("name") || !v.asDocument().isDocument("key")) {
                throw new IllegalArgumentException("index " + v.asDocument().get("name") + " needs a string 'name' and"
                        + " a 'key' document");
            }
            indexes.add(v.asDocument());
        }
        String name = d.isString("collectionName") ? d.getString("collectionName").getValue() : fallbackName;
        String type = d.isString("type") ? d.getString("type").getValue() : null;
        BsonValue uuid = d.get("uuid");
        String uuidHex = uuid == null ? null : uuid.isString() ? uuid.asString().getValue()
                : uuid.isBinary() ? HexFormat.of().formatHex(((BsonBinary) uuid).getData()) : null;
        BsonDocument options = d.isDocument("options") ? d.getDocument("options") : new BsonDocument();
        if (type == null && options.containsKey("viewOn")) {
            type = VIEW;
        }
        return new CollectionMetadata(name, type, options, indexes, uuidHex);
    }

    /**
     * @param collection the collection (for error messages)
     * @param file       a {@code .metadata.json} or {@code .metadata.json.gz} file
     * @return its metadata
     * @throws DumpFormatException when the file cannot be read or parsed
     */
    public static CollectionMetadata read(String collection, Path file) {
        try (InputStream in = DumpLayout.open(file)) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), collection);
        } catch (IOException | IllegalArgumentException e) {
            throw new DumpFormatException(collection, file, "cannot read metadata: " + e.getMessage(), e);
        }
    }

    /**
     * @param file the file to write ({@code .gz} suffix: gzipped)
     * @throws IOException when it cannot be written
     */
    public void write(Path file) throws IOException {
        try (OutputStream out = DumpLayout.create(file)) {
            out.write(toJson().getBytes(StandardCharsets.UTF_8));
        }
    }
}
