package dev.dbrefresh.engine.rds.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.mongodb.MongoMasker;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonValue;
import org.bson.Document;

/**
 * The {@code docdb} engine's {@code sanitize} and {@code verify-masks} steps, run by users-service on the restored
 * cluster's database after {@code isolate} and before the plan's users are created ({@link MongoMasker} on the
 * live collections, {@link MongoMasker#checkInPlace}).
 *
 * <p>Once per run, recorded by a marker document in the restored cluster itself: database {@value #MARKER_DATABASE},
 * collection {@value #MARKER_COLLECTION}, {@code _id} the run id, {@code state} {@value #MASKING} (written before the
 * first masked write) then {@value #MASKED} (after {@code verify-masks} passed). A redelivery that finds
 * {@value #MASKED} masks nothing again; one that finds {@value #MASKING} (an earlier delivery stopped while masking)
 * re-applies the masks only when none is keyed ({@code null}, {@code fixed}, {@code truncate-table} give the same
 * result twice) and otherwise refuses with {@code MASK_FAILED}: hashing a hashed value changes it, and which
 * documents were rewritten is not known. Why a marker in the data rather than the audit log alone, as
 * {@code aurora-mysql} does: MySQL masks in one transaction, so a delivery that stopped left nothing masked; here
 * the masks are many bulk writes outside a transaction, and the audit entry is written only after they all
 * returned, so a delivery stopped in between would leave masked documents and no record of them. The marker is
 * written to the same cluster as the data it describes, before the data changes. It stays in the refreshed copy
 * (it holds the run id, the database and times, no value and no key).
 */
public final class DocDbMasking {

    /** The database of the marker documents. */
    public static final String MARKER_DATABASE = "dbrefresh";
    /** The collection of the marker documents. */
    public static final String MARKER_COLLECTION = "masking";
    /** Marker state: masks are being applied. */
    public static final String MASKING = "masking";
    /** Marker state: masks applied and verified. */
    public static final String MASKED = "masked";

    private static final int BATCH_DOCUMENTS = 1000;

    private final SecretResolver secrets;

    /** @param secrets resolves {@code sanitize.key-secret} (the key is cleared after use, never logged) */
    public DocDbMasking(SecretResolver secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /**
     * @param client   a client connected as the master user
     * @param database the plan's {@code target.database}, or {@code null}
     * @param s        the plan's sanitize settings
     * @param ctx      this delivery
     * @throws SanitizeException {@code DATABASE_MISSING} when the plan has masks and no database,
     *                           {@code MASK_TARGET_MISSING} when a masked collection or field does not exist (nothing
     *                           masked), {@code MASK_FAILED} when a write or the verification fails, or an earlier
     *                           delivery stopped while applying keyed masks
     * @throws Exception         what a step threw otherwise
     */
    public void apply(MongoClient client, String database, SanitizeSettings s, StepContext ctx) throws Exception {
        if (!s.masking()) {
            ctx.skipped(StepName.SANITIZE, "the plan has no sanitize.masks: nothing was masked");
            return;
        }
        if (database == null) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.DATABASE_MISSING, "sanitize.masks of a docdb"
                    + " plan need target.database, the database whose collections are masked; nothing was masked and"
                    + " no user was created");
        }
        MongoCollection<Document> markers = client.getDatabase(MARKER_DATABASE).getCollection(MARKER_COLLECTION);
        Document marker = markers.find(Filters.eq("_id", ctx.runId())).first();
        String state = marker == null ? null : marker.getString("state");
        if (MASKED.equals(state)) {
            ctx.skipped(StepName.SANITIZE, "already masked in this run (marker " + MARKER_DATABASE + "."
                    + MARKER_COLLECTION + " " + marker.get("at") + "); masks are not applied twice");
            ctx.skipped(StepName.VERIFY_MASKS, "verified by the delivery of this run that masked");
            return;
        }
        boolean keyed = s.masks().stream().flatMap(m -> m.columns().stream()).anyMatch(c -> c.type().keyed());
        if (MASKING.equals(state) && keyed) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "an earlier delivery of this run"
                    + " stopped while masking database " + database + " (marker " + MARKER_DATABASE + "."
                    + MARKER_COLLECTION + " since " + marker.get("at") + "): hash, email and keep-domain may have"
                    + " rewritten part of the documents, and applying them again would change masked values. Nothing"
                    + " more was masked and no user was created; start a new refresh to restore a fresh copy");
        }
        char[] key = s.keySecret() == null ? null : secrets.resolve(s.keySecret());
        try {
            MongoMasker masker = new MongoMasker(s, key, BATCH_DOCUMENTS);
            MongoDatabase db = client.getDatabase(database);
            Masked masked = ctx.step(StepName.SANITIZE, () -> {
                List<MongoMasker.Target> targets = masker.checkInPlace(db);
                Map<String, List<BsonValue>> samples = masker.sample(db, targets);
                markers.replaceOne(Filters.eq("_id", ctx.runId()), new Document("_id", ctx.runId())
                        .append("database", database).append("state", MASKING).append("at", Instant.now().toString()),
                        new ReplaceOptions().upsert(true));
                ctx.markChanged();
                return new Masked(targets, samples, masker.apply(db, targets));
            }, m -> "masked database " + database + " in place before its users: " + String.join("; ", m.done()));
            ctx.step(StepName.VERIFY_MASKS, () -> masker.verify(db, masked.targets(), masked.samples()),
                    d -> "no unmasked value left: " + String.join("; ", d));
            markers.updateOne(Filters.eq("_id", ctx.runId()), Updates.combine(Updates.set("state", MASKED),
                    Updates.set("at", Instant.now().toString())));
        } finally {
            if (key != null) {
                Arrays.fill(key, '\0');
            }
        }
    }

    private record Masked(List<MongoMasker.Target> targets, Map<String, List<BsonValue>> samples, List<String> done) {
    }
}
