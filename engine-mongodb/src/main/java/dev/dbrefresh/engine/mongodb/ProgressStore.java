package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import java.time.Instant;
import java.util.Optional;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * Progress markers of a restore, one document per collection in the target database's
 * {@value #COLLECTION} collection: {@code {_id: "<restoreId>/<collection>", restoreId, collection, state, inserted,
 * replaced, deleted, unchanged, at}}. Written after a collection's step is complete, so a restore restarted with
 * the same restore id after a crash skips what was done and redoes the rest; removed when the restore completes.
 * The markers live with the data they describe, so they survive whatever process dies, and anyone can read how far
 * a restore got.
 */
final class ProgressStore {

    /** The collection holding the markers; never dumped, verified, or dropped as an extra collection. */
    static final String COLLECTION = "__dbrefresh_progress";
    static final String STAGED = "staged";
    static final String RENAMED = "renamed";
    /** Masks are being applied to the staging collection: a restore resumed in this state stages it again. */
    static final String MASKING = "masking";
    /** The staging collection is masked and checked; not masked again. */
    static final String MASKED = "masked";
    static final String DONE = "done";

    private final MongoCollection<BsonDocument> markers;
    private final String restoreId;

    ProgressStore(MongoDatabase target, String restoreId) {
        this.markers = target.getCollection(COLLECTION, BsonDocument.class);
        this.restoreId = restoreId;
    }

    /** @return the marker of a collection, if its step was recorded */
    Optional<BsonDocument> marker(String collection) {
        return Optional.ofNullable(markers.find(Filters.eq("_id", restoreId + "/" + collection)).first());
    }

    /** Records that a collection reached a state. */
    void mark(String collection, String state, CollectionResult result) {
        BsonDocument d = new BsonDocument("_id", new BsonString(restoreId + "/" + collection))
                .append("restoreId", new BsonString(restoreId)).append("collection", new BsonString(collection))
                .append("state", new BsonString(state)).append("inserted", new BsonInt64(result.inserted()))
                .append("replaced", new BsonInt64(result.replaced())).append("deleted", new BsonInt64(result.deleted()))
                .append("unchanged", new BsonInt64(result.unchanged()))
                .append("at", new BsonDateTime(Instant.now().toEpochMilli()));
        markers.replaceOne(Filters.eq("_id", d.get("_id")), d, new ReplaceOptions().upsert(true));
    }

    /** @return the state of a collection's marker, or {@code null} */
    String state(String collection) {
        return marker(collection).map(m -> m.getString("state").getValue()).orElse(null);
    }

    /** Moves an existing marker to another state (its counts kept). */
    void setState(String collection, String state) {
        markers.updateOne(Filters.eq("_id", restoreId + "/" + collection),
                new BsonDocument("$set", new BsonDocument("state", new BsonString(state))
                        .append("at", new BsonDateTime(Instant.now().toEpochMilli()))));
    }

    /** Removes this restore's markers, and the collection when no other restore has any. */
    void clear() {
        markers.deleteMany(Filters.eq("restoreId", restoreId));
        if (markers.countDocuments() == 0) {
            markers.drop();
        }
    }
}
