package dev.dbrefresh.engine.mongodb;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Collects inserts, replacements and deletes for one collection and sends them as unordered bulk writes, a batch
 * at a time: a batch is sent when it holds {@code maxDocuments} operations or {@code maxBytes} bytes of documents,
 * so memory stays bounded whatever the collection's size. Unordered: the server may apply a batch in any order and
 * in parallel, which is right because no two operations of a batch touch the same {@code _id}.
 */
final class BulkWriter {

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false).bypassDocumentValidation(true);

    private final MongoCollection<RawBsonDocument> collection;
    private final int maxDocuments;
    private final long maxBytes;
    private final List<WriteModel<RawBsonDocument>> batch = new ArrayList<>();
    private long batchBytes;
    private long inserted;
    private long replaced;
    private long deleted;

    BulkWriter(MongoCollection<RawBsonDocument> collection, int maxDocuments, long maxBytes) {
        this.collection = collection;
        this.maxDocuments = maxDocuments;
        this.maxBytes = maxBytes;
    }

    void insert(RawBsonDocument d) {
        inserted++;
        add(new InsertOneModel<>(d), d.getByteBuffer().remaining());
    }

    void replace(BsonValue id, RawBsonDocument d) {
        replaced++;
        add(new ReplaceOneModel<>(Filters.eq("_id", id), d), d.getByteBuffer().remaining());
    }

    void delete(BsonValue id) {
        deleted++;
        add(new DeleteOneModel<>(new BsonDocument("_id", id)), 32);
    }

    private void add(WriteModel<RawBsonDocument> model, long bytes) {
        batch.add(model);
        batchBytes += bytes;
        if (batch.size() >= maxDocuments || batchBytes >= maxBytes) {
            flush();
        }
    }

    /** Sends what is collected. */
    void flush() {
        if (!batch.isEmpty()) {
            collection.bulkWrite(batch, UNORDERED);
            batch.clear();
            batchBytes = 0;
        }
    }

    long inserted() {
        return inserted;
    }

    long replaced() {
        return replaced;
    }

    long deleted() {
        return deleted;
    }
}
