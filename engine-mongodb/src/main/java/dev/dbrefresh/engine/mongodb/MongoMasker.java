package dev.dbrefresh.engine.mongodb;

import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.sanitize.PgMasker;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import dev.dbrefresh.runtime.plan.UpdatePipelineFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Applies a plan's masks ({@link SanitizeSettings}) to the staging collections of a {@code replace} restore
 * ({@link MongoRestorer#STAGING_SUFFIX}), before they are renamed over the target's, so no unmasked document is
 * ever visible under a target name. A mask's {@code table:} is the collection ({@link MongoSettings#collectionOf}),
 * a column is a field, dotted for nested fields ({@code profile.phone}; a path through an array is refused by the
 * server and fails the step with {@code MASK_FAILED}). A missing or {@code null} field stays as it is under every
 * mask.
 * <ul>
 *   <li>{@code truncate-table}: {@code deleteMany({})};</li>
 *   <li>{@code null} and {@code fixed: <value>} (the value is stored as a string): one {@code updateMany} with
 *       {@code $set} per collection for all of them (set-based);</li>
 *   <li>{@code hash}, {@code email}, {@code keep-domain}: computed here, as {@link PgMasker} computes them in
 *       PostgreSQL (HMAC-SHA256 of RFC 2104 over the value's text in UTF-8, from {@link PgMasker#keyBlocks}, so
 *       masked keys join across engines): a string becomes the HMAC's hex, an {@code int}/{@code long} the HMAC's
 *       first 64 bits modulo the type's maximum (as PostgreSQL's {@code integer}/{@code bigint}), any other value
 *       the hex of the HMAC of its relaxed extended JSON. Documents are read in {@code _id} order (a projection of
 *       the masked fields only) and written back as unordered bulk {@code updateOne}s by {@code _id}, a batch at a
 *       time, so memory stays bounded whatever the collection's size.</li>
 *   <li>{@code pipeline: <file>}: the file's update pipeline ({@link UpdatePipelineFile}, re-checked just before)
 *       as one {@code updateMany({}, pipeline)}, after the field masks. {@link #verify} checks on every document the
 *       fields it sets to a constant or unsets ({@link #constants}); anything else it does is reported as applied
 *       only.</li>
 * </ul>
 * Use: {@link #check} (every masked collection is in the dump and staged, every masked field exists in a
 * non-empty collection; before anything changes), {@link #sample}, {@link #apply}, {@link #verify}. Messages name
 * collections and fields, never a value or the key.
 * The {@code docdb} engine masks a restored cluster's live collections in place: {@link #checkInPlace} instead
 * of {@link #check}.
 */
public final class MongoMasker {

    /** How many original values per masked field {@link #sample} keeps for {@link #verify}. */
    public static final int SAMPLE_SIZE = PgMasker.SAMPLE_SIZE;

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false).bypassDocumentValidation(true);
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private final SanitizeSettings settings;
    private final byte[] inner;
    private final byte[] outer;
    private final int batchDocuments;

    /**
     * @param settings       the plan's masks
     * @param key            the HMAC key, or {@code null} when no mask is keyed; copied into the key blocks, not
     *                       kept; the caller clears it
     * @param batchDocuments most updates in one bulk write, at least 1
     * @throws IllegalArgumentException when a keyed mask has no key
     */
    public MongoMasker(SanitizeSettings settings, char[] key, int batchDocuments) {
        this.settings = Objects.requireNonNull(settings, "settings");
        boolean keyed = settings.masks().stream().flatMap(m -> m.columns().stream()).anyMatch(c -> c.type().keyed());
        if (keyed && (key == null || key.length == 0)) {
            throw new IllegalArgumentException("masks hash, email and keep-domain need a key: sanitize.key-secret"
                    + " resolved to nothing");
        }
        byte[][] blocks = PgMasker.keyBlocks(key);
        this.inner = blocks[0];
        this.outer = blocks[1];
        this.batchDocuments = Math.max(1, batchDocuments);
    }

    /**
     * One masked collection as found.
     *
     * @param mask    its masks
     * @param name    the collection's name
     * @param staging the staging collection masked
     */
    public record Target(TableMask mask, String name, String staging) {
    }

    /**
     * @param db      the target database holding the staging collections
     * @param dumped  the collections of the dump that are not views (the ones staged)
     * @param views   the views of the dump
     * @return one target per mask, in plan order
     * @throws SanitizeException {@code MASK_TARGET_MISSING} naming every collection not in the snapshot (or a
     *                                view) and every field no document of a non-empty collection has
     */
    public List<Target> check(MongoDatabase db, Set<String> dumped, Set<String> views) {
        return check(db, dumped, views, MongoRestorer.STAGING_SUFFIX, "Nothing was masked or renamed; the old target"
                + " collections were kept");
    }

    /**
     * The masks applied in place, to the live collections of {@code db} (a restored DocumentDB cluster, which nobody
     * but dbrefresh can reach yet): each {@link Target#staging()} is the collection itself. Collections and views are
     * those {@code listCollections} returns ({@code system.*} ignored).
     *
     * @param db the restored database
     * @return one target per mask, in plan order
     * @throws SanitizeException {@code MASK_TARGET_MISSING} as {@link #check}: naming every collection the database
     *                                does not have (or that is a view) and every field no document has
     */
    public List<Target> checkInPlace(MongoDatabase db) {
        Set<String> collections = new TreeSet<>();
        Set<String> views = new TreeSet<>();
        for (Document c : db.listCollections()) {
            String name = c.getString("name");
            if (name != null && !name.startsWith("system.")) {
                ("view".equals(c.getString("type")) ? views : collections).add(name);
            }
        }
        return check(db, collections, views, "", "Nothing was masked; no user was created");
    }

    private List<Target> check(MongoDatabase db, Set<String> dumped, Set<String> views, String suffix, String kept) {
        List<String> missing = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        for (TableMask m : settings.masks()) {
            String name = MongoSettings.collectionOf(m);
            if (!dumped.contains(name)) {
                missing.add("collection '" + name + "'" + (views.contains(name) ? " (a view: mask the collection it"
                        + " reads)" : " (not in the snapshot)"));
                continue;
            }
            String staging = name + suffix;
            MongoCollection<BsonDocument> c = db.getCollection(staging, BsonDocument.class);
            if (!m.truncate() && c.find().limit(1).first() != null) {
                for (ColumnMask col : m.columns()) {
                    if (c.find(Filters.exists(col.column())).projection(Projections.include("_id")).limit(1).first()
                            == null) {
                        missing.add("field '" + col.column() + "' of collection '" + name + "' (no document has it)");
                    }
                }
            }
            targets.add(new Target(m, name, staging));
        }
        if (!missing.isEmpty()) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_TARGET_MISSING, "sanitize.masks name"
                    + " what the snapshot does not have: " + String.join(", ", missing) + ". " + kept
                    + ". Fix the plan's sanitize.masks");
        }
        return targets;
    }

    /**
     * @param db      the target database
     * @param targets from {@link #check}
     * @return per {@code collection.field} of a keyed mask, up to {@value #SAMPLE_SIZE} original non-null values
     *         (first in {@code _id} order); kept in memory only, never logged
     */
    public Map<String, List<BsonValue>> sample(MongoDatabase db, List<Target> targets) {
        Map<String, List<BsonValue>> samples = new LinkedHashMap<>();
        for (Target t : targets) {
            for (ColumnMask col : t.mask().columns()) {
                if (!col.type().keyed()) {
                    continue;
                }
                List<BsonValue> values = new ArrayList<>();
                for (BsonDocument d : db.getCollection(t.staging(), BsonDocument.class).find(Filters.ne(col.column(), null))
                        .projection(Projections.include(col.column())).sort(Sorts.ascending("_id")).limit(SAMPLE_SIZE)) {
                    BsonValue v = get(d, col.column());
                    if (v != null && !v.isNull()) {
                        values.add(v);
                    }
                }
                samples.put(t.name() + "." + col.column(), values);
            }
        }
        return samples;
    }

    /**
     * @param db      the target database
     * @param targets from {@link #check}
     * @return per collection what was done, e.g. {@code users: 3 fields (email email, name hash), 100000 documents}
     * @throws SanitizeException {@code MASK_FAILED} naming the collection when the server refuses a write
     */
    public List<String> apply(MongoDatabase db, List<Target> targets) {
        List<String> done = new ArrayList<>();
        for (Target t : targets) {
            MongoCollection<BsonDocument> c = db.getCollection(t.staging(), BsonDocument.class);
            try {
                if (t.mask().truncate()) {
                    long deleted = c.deleteMany(new BsonDocument()).getDeletedCount();
                    done.add(t.name() + ": truncated (" + deleted + " documents deleted)");
                    continue;
                }
                for (ColumnMask col : t.mask().columns()) {
                    if (!col.type().keyed()) {
                        // One updateMany per field: a field set to null must not match the next field's filter.
                        c.updateMany(Filters.ne(col.column(), null), Updates.set(col.column(),
                                col.type() == MaskType.NULL ? BsonNull.VALUE : new BsonString(col.value())));
                    }
                }
                long computed = computed(c, t.mask().columns());
                String fields = t.mask().columns().isEmpty() ? "" : t.mask().columns().size() + " fields ("
                        + t.mask().columns().stream().map(col -> col.column() + " " + col.type().id())
                        .reduce((a, b) -> a + ", " + b).orElse("") + ")"
                        + (computed > 0 ? ", " + computed + " documents rewritten by _id" : "");
                String piped = t.mask().pipeline() == null ? "" : pipeline(c, t);
                done.add(t.name() + ": " + fields + (fields.isEmpty() || piped.isEmpty() ? "" : ", ") + piped);
            } catch (MongoException e) {
                throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "masking collection '"
                        + t.name() + "'" + (t.mask().pipeline() == null ? "" : " (pipeline file "
                        + t.mask().pipeline() + ")") + " failed: " + e.getMessage() + " (code " + e.getCode()
                        + "). Nothing was renamed; the old target collections were kept");
            }
        }
        return done;
    }

    /** Runs a {@code pipeline:} mask's file as one {@code updateMany({}, pipeline)}; re-checks the file first. */
    private String pipeline(MongoCollection<BsonDocument> c, Target t) {
        List<BsonDocument> stages = stages(t);
        long modified = c.updateMany(new BsonDocument(), stages).getModifiedCount();
        return "pipeline " + t.mask().pipeline().getFileName() + " (" + stages.size() + " stages, " + modified
                + " documents modified)";
    }

    private static List<BsonDocument> stages(Target t) {
        Path file = t.mask().pipeline();
        try {
            List<BsonDocument> stages = new ArrayList<>();
            for (BsonValue v : BsonArray.parse(UpdatePipelineFile.read(file))) {
                stages.add(v.asDocument());
            }
            return stages;
        } catch (RuntimeException e) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "pipeline file " + file
                    + " of collection '" + t.name() + "' cannot be run: " + e.getMessage() + ". Nothing was renamed;"
                    + " the old target collections were kept");
        }
    }

    /**
     * What {@link #verify} can check of a pipeline: fields a top-level {@code $set}/{@code $addFields} stage sets to a
     * constant (a string not starting with {@code $}, a number, boolean or {@code null}, or {@code {$literal: v}}) and
     * fields an {@code $unset} stage removes, when no later stage names the same field and no later stage is a
     * {@code $project}, {@code $replaceWith} or {@code $replaceRoot}.
     *
     * @return field to its constant ({@code null} for an unset field: it must be absent)
     */
    static Map<String, BsonValue> constants(List<BsonDocument> stages) {
        Map<String, BsonValue> out = new LinkedHashMap<>();
        for (BsonDocument stage : stages) {
            String name = stage.getFirstKey();
            BsonValue body = stage.get(name);
            switch (name) {
                case "$set", "$addFields" -> body.asDocument().forEach((field, v) -> {
                    out.remove(field);
                    BsonValue constant = v.isDocument() && v.asDocument().size() == 1 && v.asDocument()
                            .containsKey("$literal") ? v.asDocument().get("$literal")
                            : v.isString() && v.asString().getValue().startsWith("$") || v.isDocument() || v.isArray()
                            ? null : v;
                    if (constant != null) {
                        out.put(field, constant);
                    }
                });
                case "$unset" -> (body.isArray() ? body.asArray().getValues() : List.of(body)).forEach(f -> {
                    out.remove(f.asString().getValue());
                    out.put(f.asString().getValue(), null);
                });
                default -> out.clear();
            }
        }
        return out;
    }

    /** Streams the documents with a keyed field in {@code _id} order and writes the masked values back in batches. */
    private long computed(MongoCollection<BsonDocument> c, List<ColumnMask> columns) {
        List<ColumnMask> keyed = columns.stream().filter(col -> col.type().keyed()).toList();
        if (keyed.isEmpty()) {
            return 0;
        }
        Bson filter = Filters.or(keyed.stream().map(col -> Filters.ne(col.column(), null)).toList());
        Bson projection = Projections.include(keyed.stream().map(ColumnMask::column).toList());
        List<WriteModel<BsonDocument>> batch = new ArrayList<>();
        long written = 0;
        try (MongoCursor<BsonDocument> it = c.find(filter).projection(projection).sort(Sorts.ascending("_id"))
                .batchSize(batchDocuments).iterator()) {
            while (it.hasNext()) {
                BsonDocument d = it.next();
                List<Bson> sets = new ArrayList<>();
                for (ColumnMask col : keyed) {
                    BsonValue v = get(d, col.column());
                    if (v != null && !v.isNull()) {
                        sets.add(Updates.set(col.column(), mask(col.type(), v)));
                    }
                }
                batch.add(new UpdateOneModel<>(Filters.eq("_id", d.get("_id")), Updates.combine(sets)));
                if (batch.size() >= batchDocuments) {
                    c.bulkWrite(batch, UNORDERED);
                    written += batch.size();
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            c.bulkWrite(batch, UNORDERED);
            written += batch.size();
        }
        return written;
    }

    /**
     * @param db      the target database
     * @param targets from {@link #check}
     * @param samples from {@link #sample}, taken before {@link #apply}
     * @return per masked field what was checked
     * @throws SanitizeException {@code MASK_FAILED} naming each collection and field that still holds a sampled
     *                                original value, a {@code fixed} field holding another value, a {@code null}
     *                                field holding a value, or a truncated collection holding documents
     */
    public List<String> verify(MongoDatabase db, List<Target> targets, Map<String, List<BsonValue>> samples) {
        List<String> failed = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Target t : targets) {
            MongoCollection<BsonDocument> c = db.getCollection(t.staging(), BsonDocument.class);
            if (t.mask().truncate()) {
                long left = c.countDocuments();
                if (left > 0) {
                    failed.add(t.name() + " is truncated but holds " + left + " documents");
                } else {
                    checked.add(t.name() + " empty");
                }
                continue;
            }
            if (t.mask().pipeline() != null) {
                Map<String, BsonValue> constants = constants(stages(t));
                for (Map.Entry<String, BsonValue> e : constants.entrySet()) {
                    String name = t.name() + "." + e.getKey();
                    long left = c.countDocuments(e.getValue() == null ? Filters.exists(e.getKey())
                            : Filters.ne(e.getKey(), e.getValue()));
                    if (left > 0) {
                        failed.add(name + " (" + left + " documents differ from what pipeline "
                                + t.mask().pipeline().getFileName() + " sets)");
                    } else {
                        checked.add(name + (e.getValue() == null ? " unset" : " set to a constant")
                                + " by pipeline (every document)");
                    }
                }
                checked.add(t.name() + ": pipeline " + t.mask().pipeline().getFileName() + " applied" + (constants
                        .isEmpty() ? " (it sets no field to a constant: nothing more to check)" : ""));
            }
            for (ColumnMask col : t.mask().columns()) {
                String name = t.name() + "." + col.column();
                long left = switch (col.type()) {
                    case NULL -> c.countDocuments(Filters.ne(col.column(), null));
                    case FIXED -> c.countDocuments(Filters.nin(col.column(), BsonNull.VALUE, new BsonString(col.value())));
                    default -> {
                        List<BsonValue> values = samples.getOrDefault(name, List.of());
                        yield values.isEmpty() ? 0 : c.countDocuments(Filters.in(col.column(), values));
                    }
                };
                if (left > 0) {
                    failed.add(name + " (" + left + " documents)");
                } else {
                    checked.add(name + " " + col.type().id() + (col.type().keyed() ? " (" + samples.getOrDefault(name,
                            List.of()).size() + " sampled values gone)" : " (every document)"));
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new SanitizeException(StepName.VERIFY_MASKS, ErrorCode.MASK_FAILED, "masked fields still hold"
                    + " unmasked values: " + String.join("; ", failed) + ". Nothing was renamed; the old target"
                    + " collections were kept");
        }
        return checked;
    }

    /**
     * @param type a keyed mask
     * @param v    a non-null value
     * @return the masked value, as {@link PgMasker} computes it for a text or integer column
     */
    BsonValue mask(MaskType type, BsonValue v) {
        String text = v.isString() ? v.asString().getValue() : v.isInt32() || v.isInt64() ? String.valueOf(v.isInt32()
                ? v.asInt32().getValue() : v.asInt64().getValue()) : new BsonDocument("v", v).toJson(RELAXED);
        String hex = hmacHex(text);
        return switch (type) {
            case HASH -> v.isInt32() ? new BsonInt32((int) (first64(hex) % Integer.MAX_VALUE))
                    : v.isInt64() ? new BsonInt64(first64(hex) % Long.MAX_VALUE) : new BsonString(hex);
            case EMAIL -> new BsonString("u" + hex.substring(0, 16) + "@" + PgMasker.EMAIL_DOMAIN);
            case KEEP_DOMAIN -> new BsonString(text.indexOf('@') < 0 ? hex.substring(0, 16)
                    : hex.substring(0, 16) + "@" + text.substring(text.lastIndexOf('@') + 1));
            default -> throw new IllegalArgumentException(type.id() + " is not computed per document");
        };
    }

    /** {@code sha256(k XOR opad || sha256(k XOR ipad || m))} in hex: HMAC-SHA256 (RFC 2104), as {@link PgMasker}. */
    String hmacHex(String text) {
        try {
            MessageDigest in = MessageDigest.getInstance("SHA-256");
            in.update(inner);
            byte[] h = in.digest(text.getBytes(StandardCharsets.UTF_8));
            MessageDigest out = MessageDigest.getInstance("SHA-256");
            out.update(outer);
            return HexFormat.of().formatHex(out.digest(h));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** PostgreSQL's {@code ('x' || left(hex, 16))::bit(64)::bigint}: the first 64 bits, signed. */
    private static long first64(String hex) {
        return Long.parseUnsignedLong(hex.substring(0, 16), 16);
    }

    /** @return the value at a dotted path, or {@code null} where a part is missing or not a document */
    static BsonValue get(BsonDocument d, String path) {
        BsonValue v = d;
        for (String part : path.split("\\.", -1)) {
            if (!(v instanceof BsonDocument doc) || !doc.containsKey(part)) {
                return null;
            }
            v = doc.get(part);
        }
        return v;
    }
}
