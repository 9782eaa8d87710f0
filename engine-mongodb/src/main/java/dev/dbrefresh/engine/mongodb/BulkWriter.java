package dev.dbrefresh.engine.mongodb;

import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Collects inserts, replacements and deletes for one collection and sends them as unordered bulk writes, a batch
 * at a time: a batch is sent when it holds {@code maxDocuments} operations or {@code maxBytes} bytes of documents,
 * so memory stays bounded whatever the collection's size. Unordered: the server may apply a batch in any order and
 * in parallel, which is right because no two operations of a batch touch the same {@code _id}.
 *
 * <p>Synchronous by default: {@link #flush()} returns when the server acknowledged the batch. With
 * {@link #BulkWriter(MongoCollection, int, long, Executor, int) workers} above 1 (inserts into a staging
 * collection only, as mongorestore's {@code --numInsertionWorkersPerCollection}), {@link #flush()} hands the batch
 * to the executor and returns as soon as fewer than {@code workers} batches are in flight, so the caller reads the
 * next batch while the server stores the previous ones; {@link #finish()} waits for all of them. Memory is then
 * bounded by {@code workers + 1} batches. The first failed batch fails the next {@link #flush()} or
 * {@link #finish()}, and no further batch is sent after it.
 */
final class BulkWriter {

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false).bypassDocumentValidation(true);

    private final MongoCollection<RawBsonDocument> collection;
    private final int maxDocuments;
    private final long maxBytes;
    private final Executor executor;
    private final int workers;
    private final Semaphore inFlight;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final AtomicLong acknowledgedInserts = new AtomicLong();
    private List<WriteModel<RawBsonDocument>> batch = new ArrayList<>();
    private long batchBytes;
    private long inserted;
    private long replaced;
    private long deleted;

    /**
     * A synchronous writer.
     *
     * @param collection   where the writes go
     * @param maxDocuments most operations in one bulk write
     * @param maxBytes     most bytes of documents in one bulk write
     */
    BulkWriter(MongoCollection<RawBsonDocument> collection, int maxDocuments, long maxBytes) {
        this(collection, maxDocuments, maxBytes, Runnable::run, 1);
    }

    /**
     * @param collection   where the writes go
     * @param maxDocuments most operations in one bulk write
     * @param maxBytes     most bytes of documents in one bulk write
     * @param executor     runs the bulk writes when {@code workers} is above 1
     * @param workers      most batches in flight at once (1: each flush waits for its batch)
     */
    BulkWriter(MongoCollection<RawBsonDocument> collection, int maxDocuments, long maxBytes, Executor executor,
            int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive: " + workers);
        }
        this.collection = collection;
        this.maxDocuments = maxDocuments;
        this.maxBytes = maxBytes;
        this.executor = executor;
        this.workers = workers;
        this.inFlight = new Semaphore(workers);
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

    /**
     * Sends what is collected: synchronously, or (with workers) once a worker is free.
     *
     * @throws RuntimeException the server's error for this or an earlier batch
     */
    void flush() {
        rethrow();
        if (batch.isEmpty()) {
            return;
        }
        List<WriteModel<RawBsonDocument>> send = batch;
        batch = new ArrayList<>(Math.min(maxDocuments, 1024));
        batchBytes = 0;
        if (workers == 1) {
            record(collection.bulkWrite(send, UNORDERED));
            return;
        }
        inFlight.acquireUninterruptibly();
        rethrow(); // a batch that failed while this one waited: send nothing more
        try {
            executor.execute(() -> {
                try {
                    if (failure.get() == null) {
                        record(collection.bulkWrite(send, UNORDERED));
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    inFlight.release();
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.release();
            throw e;
        }
    }

    /**
     * Sends what is collected and waits until every batch is acknowledged.
     *
     * @throws RuntimeException the server's error for the first batch that failed
     */
    void finish() {
        try {
            flush();
        } finally {
            awaitInFlight();
        }
        rethrow();
    }

    /** Waits until no batch is in flight, without sending what is collected or throwing a batch's error. */
    void awaitInFlight() {
        inFlight.acquireUninterruptibly(workers);
        inFlight.release(workers);
    }

    private void record(BulkWriteResult result) {
        acknowledgedInserts.addAndGet(result.getInsertedCount());
    }

    private void rethrow() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    long inserted() {
        return inserted;
    }

    /** @return documents the server acknowledged as inserted (valid after {@link #finish()}) */
    long acknowledgedInserts() {
        return acknowledgedInserts.get();
    }

    long replaced() {
        return replaced;
    }

    long deleted() {
        return deleted;
    }
}
