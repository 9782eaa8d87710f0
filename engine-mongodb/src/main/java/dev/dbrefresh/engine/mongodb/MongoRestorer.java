package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoException;
import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.RenameCollectionOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Restores one database of a dump ({@link DumpDirectory}: written by {@link MongoSnapshotter} or by mongodump) into a
 * target database, in one of two {@link Mode}s. Directories with and without a manifest take the same path; with
 * one, every collection's count and checksum are checked as its file is read, before that collection replaces or
 * changes anything of the target.
 *
 * <h2>{@link Mode#REPLACE}</h2>
 * Each collection is loaded into a staging collection {@code <name>}{@value #STAGING_SUFFIX} (created with the
 * dump's options; documents in unordered bulk inserts bounded by count and bytes), checked against the manifest,
 * indexed, and counted. Only when every collection is staged are they renamed over the target's collections
 * ({@code renameCollection} with {@code dropTarget}), views re-created ({@code create} with {@code viewOn} and
 * {@code pipeline}), and then the target's collections that the dump does not have dropped. A failure before the
 * renames leaves every collection of the target as it was (the failed collection's staging collection is dropped;
 * those already staged stay, for a resumed run). The renames are one command per collection, not one transaction:
 * a crash between two renames leaves some collections new and some old until the restore is resumed. Views are
 * re-created after the renames, so a view that cannot be created fails the restore with the collections already
 * replaced. A resumed restore must read the same dump: the restore id is meant to be one run's id.
 *
 * <h2>{@link Mode#DELTA}</h2>
 * Brings each collection to the dump's content with the fewest writes: the dump's documents and the target's are
 * each sorted by {@code _id} with bounded memory ({@link ExternalSorter}; sorting both sides with one order avoids
 * depending on the server's collation-dependent sort) and merge-joined: documents whose raw BSON differs are
 * replaced, new ones inserted, those gone deleted, equal ones left alone. Indexes are reconciled (dropped when
 * gone or changed, created when new or changed). A collection whose options (capped, collation, validator, ...)
 * differ from the dump's is refused with a {@link MongoEngineException}: use {@link Mode#REPLACE}. Writes are not
 * ordered within a batch; all deletes are sent before the first insert or replacement, so a new document may take
 * a unique-index value a deleted one held, but two kept documents that swap such values in the same restore fail
 * with a duplicate key error naming the collection; {@link Mode#REPLACE} has no such case.
 * Every file of the dump is read and checked (truncation, document size, manifest) before the first write, so bad
 * input leaves the whole target untouched; a failure of the server mid-way leaves the collections done so far
 * brought to the dump, the failed one partly changed, and the rest untouched (resume with the same restore id).
 *
 * <h2>Both</h2>
 * Collections are restored in parallel ({@link Options#parallelism()} threads), and a staging collection takes up to
 * {@link Options#insertionWorkers()} bulk inserts in flight at once while its file is read on; memory is bounded by
 * the batch and sort-run sizes (at most {@code parallelism * (insertionWorkers + 1)} batches), never a whole
 * collection. A staging collection's documents are checked against the server's acknowledged inserts and its count
 * ({@code count}, not a scan: the collection was just created by this restore) before it is indexed and renamed. Progress is recorded per collection in the target's
 * {@value ProgressStore#COLLECTION} collection under {@link Options#restoreId()}: a restore restarted with the same
 * id after a crash continues with the collections not yet done; the markers are removed when it completes.
 * Inserts bypass document validation (as the dump's documents were valid at the source), which requires the
 * {@code bypassDocumentValidation} action (the built-in {@code restore} role has it). Time-series collections are
 * refused before anything is written (their buckets cannot be staged and renamed; not supported yet).
 */
public final class MongoRestorer {

    /** Suffix of the staging collections of {@link Mode#REPLACE}. */
    public static final String STAGING_SUFFIX = "__dbrefresh_restore";

    /** How a restore brings the target to the dump. */
    public enum Mode {
        /** Staging collections renamed over the target's. */
        REPLACE,
        /** The fewest writes: a merge join by {@code _id}. */
        DELTA
    }

    /**
     * Settings of a restore.
     *
     * @param mode             replace or delta
     * @param restoreId        names the progress markers; a restore restarted with the same id resumes (e.g. the
     *                         run id)
     * @param parallelism      collections restored at the same time (at least 1)
     * @param batchDocuments   most operations in one bulk write (at least 1)
     * @param batchBytes       most bytes of documents in one bulk write (at least 1)
     * @param sortRunBytes     most bytes of documents sorted in memory at once by {@link Mode#DELTA}, per
     *                         collection and side
     * @param tempDir          directory for the sort runs of {@link Mode#DELTA}
     * @param dropMissing      whether the target's collections that the dump does not have are dropped at the end
     * @param insertionWorkers bulk inserts in flight at once per staging collection of {@link Mode#REPLACE} (at
     *                         least 1; mongorestore's {@code --numInsertionWorkersPerCollection}): while the server
     *                         stores one batch the next is read from the dump. Capped collections always get 1,
     *                         as their insertion order is their content; {@link Mode#DELTA} always sends one batch
     *                         at a time (its deletes must be applied before its inserts)
     */
    public record Options(Mode mode, String restoreId, int parallelism, int batchDocuments, long batchBytes,
            long sortRunBytes, Path tempDir, boolean dropMissing, int insertionWorkers) {
        /** Checks the components. */
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(restoreId, "restoreId");
            Objects.requireNonNull(tempDir, "tempDir");
            if (parallelism < 1 || batchDocuments < 1 || batchBytes < 1 || sortRunBytes < 1 || insertionWorkers < 1) {
                throw new IllegalArgumentException("parallelism, insertion workers, batch sizes and sort run size must"
                        + " be positive");
            }
        }

        /**
         * @param mode      replace or delta
         * @param restoreId names the progress markers
         * @return 2 collections in parallel with 2 insertion workers each, batches of 1000 documents or 8 MiB, sort
         *         runs of 64 MiB in {@code java.io.tmpdir}, collections not in the dump dropped
         */
        public static Options of(Mode mode, String restoreId) {
            return new Options(mode, restoreId, 2, 1000, 8L << 20, 64L << 20,
                    Path.of(System.getProperty("java.io.tmpdir")), true, 2);
        }

        /**
         * @param n collections restored at the same time
         * @return these options with that parallelism
         */
        public Options withParallelism(int n) {
            return new Options(mode, restoreId, n, batchDocuments, batchBytes, sortRunBytes, tempDir, dropMissing,
                    insertionWorkers);
        }

        /**
         * @param n bulk inserts in flight at once per staging collection
         * @return these options with that many insertion workers
         */
        public Options withInsertionWorkers(int n) {
            return new Options(mode, restoreId, parallelism, batchDocuments, batchBytes, sortRunBytes, tempDir,
                    dropMissing, n);
        }

        /**
         * @param documents most operations in one bulk write
         * @param bytes     most bytes of documents in one bulk write
         * @return these options with those batch bounds
         */
        public Options withBatch(int documents, long bytes) {
            return new Options(mode, restoreId, parallelism, documents, bytes, sortRunBytes, tempDir, dropMissing,
                    insertionWorkers);
        }

        /**
         * @param runBytes most bytes sorted in memory at once, per collection and side
         * @param dir      directory for the sort runs
         * @return these options with that sort run size and directory
         */
        public Options withSort(long runBytes, Path dir) {
            return new Options(mode, restoreId, parallelism, batchDocuments, batchBytes, runBytes, dir, dropMissing,
                    insertionWorkers);
        }
    }

    /**
     * Observes a restore's steps, e.g. to write audit entries. Called on the restoring threads; an exception thrown
     * here ends the restore as a crash there would (nothing after it runs), which the tests use to interrupt one.
     */
    public interface Listener {
        /**
         * A collection is staged ({@link Mode#REPLACE}) or brought to the dump ({@link Mode#DELTA}).
         *
         * @param result what was done to it
         */
        default void collectionDone(CollectionResult result) {
        }

        /**
         * A staging collection was renamed over the target's collection ({@link Mode#REPLACE}).
         *
         * @param collection the collection's name
         */
        default void renamed(String collection) {
        }

        /**
         * Every collection is staged ({@link Mode#REPLACE}), before the first rename: the place to change the staged
         * documents (masks), so nobody sees them unchanged under a target name. An exception thrown here ends the
         * restore with every target collection as it was. A redelivered restore calls it again with the collections
         * not yet renamed (re-staged ones hold the dump's documents again; the listener keeps its own record of
         * what it already did).
         *
         * @param target  the target database
         * @param pending the collections whose staging collection ({@link #STAGING_SUFFIX}) is not yet renamed
         */
        default void beforeRenames(MongoDatabase target, List<String> pending) {
        }
    }

    /**
     * The outcome of a restore.
     *
     * @param database    the target database
     * @param mode        the mode used
     * @param collections one result per collection and view of the dump, ordered by name
     * @param dropped     collections of the target dropped because the dump does not have them
     */
    public record Result(String database, Mode mode, List<CollectionResult> collections, List<String> dropped) {
        /**
         * @param name a collection
         * @return its result
         * @throws IllegalArgumentException when the dump has no such collection
         */
        public CollectionResult collection(String name) {
            return collections.stream().filter(c -> c.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no collection " + name + " in the result"));
        }
    }

    private static final Listener NO_LISTENER = new Listener() {
    };

    /**
     * @param dump    the dump's database to restore
     * @param target  the database to restore into (created by the first write when it does not exist)
     * @param options mode, restore id, parallelism, bounds
     * @return what was done per collection
     * @throws DumpFormatException  naming collection and file when a file is truncated, holds a document over
     *                              16 MiB, or its documents do not match the manifest
     * @throws MongoEngineException naming the collection when the server refuses a step
     */
    public Result restore(DumpDirectory dump, MongoDatabase target, Options options) {
        return restore(dump, target, options, NO_LISTENER);
    }

    /**
     * As {@link #restore(DumpDirectory, MongoDatabase, Options)}, reporting steps to a listener.
     *
     * @param dump     the dump's database to restore
     * @param target   the database to restore into
     * @param options  mode, restore id, parallelism, bounds
     * @param listener told of every collection done and renamed
     * @return what was done per collection
     */
    public Result restore(DumpDirectory dump, MongoDatabase target, Options options, Listener listener) {
        for (DumpDirectory.Collection c : dump.entries()) {
            if (c.metadata().isTimeseries()) {
                throw new MongoEngineException(c.name(), c.dataFile(), "time-series collections cannot be restored "
                        + "by this engine yet (their buckets cannot be staged and renamed); nothing was written", null);
            }
        }
        ProgressStore progress = new ProgressStore(target, options.restoreId());
        List<DumpDirectory.Collection> data = dump.entries().stream().filter(c -> !c.metadata().isView()).toList();
        if (options.mode() == Mode.DELTA) {
            // A delta changes the target in place: read every file once before the first write, so that a
            // truncated file, an oversized document or a checksum mismatch leaves every collection untouched.
            checkFiles(dump);
        }
        Map<String, CollectionResult> results = new LinkedHashMap<>();
        int threads = Math.min(options.parallelism(), Math.max(1, data.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // The bulk inserts of the staging collections: at most insertionWorkers in flight per collection.
        ExecutorService writers = Executors.newFixedThreadPool(threads * options.insertionWorkers());
        // The target's collections before this restore: a staging collection that is not there needs no drop.
        Set<String> existing = names(target);
        try {
            List<Future<CollectionResult>> futures = new ArrayList<>();
            // After the first failure no further collection is started: the restore stops as soon as it can.
            AtomicBoolean failed = new AtomicBoolean();
            for (DumpDirectory.Collection c : data) {
                futures.add(pool.submit(() -> {
                    if (failed.get()) {
                        return null;
                    }
                    try {
                        CollectionResult r = options.mode() == Mode.REPLACE
                                ? stage(dump, c, target, options, progress, existing, writers)
                                : delta(dump, c, target, options, progress);
                        listener.collectionDone(r);
                        return r;
                    } catch (RuntimeException e) {
                        failed.set(true);
                        throw e;
                    }
                }));
            }
            RuntimeException failure = null;
            for (Future<CollectionResult> f : futures) {
                try {
                    CollectionResult r = f.get();
                    if (r != null) {
                        results.put(r.name(), r);
                    }
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re
                                : new MongoEngineException(null, null, e.getCause().toString(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MongoEngineException(null, null, "interrupted", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdownNow();
            writers.shutdownNow();
        }
        if (options.mode() == Mode.REPLACE) {
            listener.beforeRenames(target, data.stream().map(DumpDirectory.Collection::name)
                    .filter(n -> !ProgressStore.RENAMED.equals(state(progress, n))).toList());
            for (DumpDirectory.Collection c : data) {
                if (!ProgressStore.RENAMED.equals(state(progress, c.name()))) {
                    rename(target, c.name());
                    progress.mark(c.name(), ProgressStore.RENAMED, results.get(c.name()));
                    listener.renamed(c.name());
                }
            }
        }
        for (DumpDirectory.Collection c : dump.entries()) {
            if (c.metadata().isView()) {
                results.put(c.name(), recreateView(target, c));
            }
        }
        List<String> dropped = options.dropMissing() ? dropMissing(dump, target) : List.of();
        progress.clear();
        List<CollectionResult> ordered = new ArrayList<>(results.values());
        ordered.sort((a, b) -> a.name().compareTo(b.name()));
        return new Result(target.getName(), options.mode(), ordered, dropped);
    }

    /**
     * Drops what an abandoned restore left: staging collections of the dump's collections and the restore's
     * progress markers. The target's own collections are not touched.
     *
     * @param dump      the dump the abandoned restore read
     * @param target    its target
     * @param restoreId its restore id
     */
    public void discard(DumpDirectory dump, MongoDatabase target, String restoreId) {
        for (DumpDirectory.Collection c : dump.entries()) {
            target.getCollection(c.name() + STAGING_SUFFIX).drop();
        }
        new ProgressStore(target, restoreId).clear();
    }

    private static String state(ProgressStore progress, String collection) {
        return progress.marker(collection).map(m -> m.getString("state").getValue()).orElse(null);
    }

    private static CollectionResult resumed(DumpDirectory.Collection c, BsonDocument marker) {
        return new CollectionResult(c.name(), c.metadata().type(), marker.getInt64("inserted").getValue(),
                marker.getInt64("replaced").getValue(), marker.getInt64("deleted").getValue(),
                marker.getInt64("unchanged").getValue(), -1, null, true);
    }

    private CollectionResult stage(DumpDirectory dump, DumpDirectory.Collection c, MongoDatabase target, Options options,
            ProgressStore progress, Set<String> existing, ExecutorService writers) {
        String staging = c.name() + STAGING_SUFFIX;
        var marker = progress.marker(c.name());
        // A collection whose masking was interrupted holds some masked documents: it is staged again. The resumed
        // count is an exact one (countDocuments): the server may have stopped uncleanly since.
        if (marker.isPresent() && (ProgressStore.RENAMED.equals(marker.get().getString("state").getValue())
                || !ProgressStore.MASKING.equals(marker.get().getString("state").getValue())
                && (names(target).contains(staging) && target.getCollection(staging).countDocuments()
                        == marker.get().getInt64("inserted").getValue()))) {
            return resumed(c, marker.get());
        }
        try {
            if (existing.contains(staging) || marker.isPresent()) {
                target.getCollection(staging).drop();
            }
            create(target, staging, c.metadata().options());
            MongoCollection<RawBsonDocument> collection = target.getCollection(staging, RawBsonDocument.class);
            // A capped collection keeps its documents in insertion order: one batch at a time, in the dump's order.
            boolean capped = c.metadata().options().getBoolean("capped", org.bson.BsonBoolean.FALSE).getValue();
            BulkWriter writer = new BulkWriter(collection, options.batchDocuments(), options.batchBytes(), writers,
                    capped ? 1 : options.insertionWorkers());
            DocumentDigest digest = new DocumentDigest();
            try (BsonFileReader reader = new BsonFileReader(c.name(), c.dataFile())) {
                while (reader.hasNext()) {
                    RawBsonDocument d = reader.next();
                    digest.add(d);
                    writer.insert(d);
                }
            } catch (RuntimeException e) {
                // No batch may still be on its way when the staging collection is dropped below.
                writer.awaitInFlight();
                throw e;
            }
            writer.finish();
            checkManifest(dump, c, digest);
            createIndexes(target, staging, c.name(), c.metadata().secondaryIndexes());
            // Every document was acknowledged by the server as inserted (unordered bulk writes report each failed
            // one), and the collection holds as many as the dump: its count, not a scan of the collection.
            long acknowledged = writer.acknowledgedInserts();
            long stored = collection.estimatedDocumentCount();
            if (acknowledged != digest.count() || stored != digest.count()) {
                throw new MongoEngineException(c.name(), c.dataFile(), "the staging collection holds " + stored
                        + " documents (" + acknowledged + " inserts acknowledged), the dump " + digest.count(), null);
            }
            CollectionResult r = new CollectionResult(c.name(), c.metadata().type(), digest.count(), 0, 0, 0,
                    digest.count(), digest.checksum(), false);
            progress.mark(c.name(), ProgressStore.STAGED, r);
            return r;
        } catch (RuntimeException e) {
            try {
                target.getCollection(staging).drop();
            } catch (MongoException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw wrap(c, e);
        }
    }

    private CollectionResult delta(DumpDirectory dump, DumpDirectory.Collection c, MongoDatabase target, Options options,
            ProgressStore progress) {
        var marker = progress.marker(c.name());
        if (marker.isPresent() && ProgressStore.DONE.equals(marker.get().getString("state").getValue())) {
            return resumed(c, marker.get());
        }
        try {
            BsonDocument existing = listing(target, c.name());
            if (existing == null) {
                create(target, c.name(), c.metadata().options());
            } else if (!existing.getDocument("options", new BsonDocument()).equals(c.metadata().options())) {
                throw new MongoEngineException(c.name(), null, "the target's collection options "
                        + existing.getDocument("options", new BsonDocument()).toJson() + " differ from the dump's "
                        + c.metadata().options().toJson() + "; a delta restore does not change options, use replace", null);
            }
            MongoCollection<RawBsonDocument> collection = target.getCollection(c.name(), RawBsonDocument.class);
            DocumentDigest digest = new DocumentDigest();
            long unchanged = 0;
            BulkWriter writer = new BulkWriter(collection, options.batchDocuments(), options.batchBytes());
            try (BsonFileReader reader = new BsonFileReader(c.name(), c.dataFile());
                    ExternalSorter dumpSort = new ExternalSorter(options.tempDir(), options.sortRunBytes(), c.name());
                    ExternalSorter targetSort = new ExternalSorter(options.tempDir(), options.sortRunBytes(), c.name());
                    MongoCursor<RawBsonDocument> cursor = collection.find().batchSize(1000).iterator()) {
                dumpSort.load(new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return reader.hasNext();
                    }

                    @Override
                    public RawBsonDocument next() {
                        return digestOf(digest, reader.next());
                    }
                });
                // The whole file has been read (and sorted) here: check it again, it may have changed since.
                checkManifest(dump, c, digest);
                // A pass without writes first: two dump documents with one _id fail here, before any write.
                dumpSort.iterator().forEachRemaining(d -> { });
                targetSort.load(cursor);
                // Two passes: every delete is sent before the first insert or replacement, so a document may take
                // over a unique-index value that a deleted document held.
                merge(dumpSort.iterator(), targetSort.iterator(), writer, true);
                writer.flush();
                unchanged = merge(dumpSort.iterator(), targetSort.iterator(), writer, false);
            }
            writer.flush();
            reconcileIndexes(target, c);
            CollectionResult r = new CollectionResult(c.name(), c.metadata().type(), writer.inserted(),
                    writer.replaced(), writer.deleted(), unchanged, digest.count(), digest.checksum(), false);
            progress.mark(c.name(), ProgressStore.DONE, r);
            return r;
        } catch (RuntimeException e) {
            throw wrap(c, e);
        }
    }

    /**
     * One merge join of the dump's and the target's documents, both in {@code _id} order.
     *
     * @param deletes {@code true}: send only the deletes; {@code false}: only the inserts and replacements
     * @return documents equal on both sides
     */
    private static long merge(Iterator<RawBsonDocument> wanted, Iterator<RawBsonDocument> present, BulkWriter writer,
            boolean deletes) {
        long unchanged = 0;
        RawBsonDocument a = wanted.hasNext() ? wanted.next() : null;
        RawBsonDocument b = present.hasNext() ? present.next() : null;
        while (a != null || b != null) {
            int cmp = a == null ? 1 : b == null ? -1 : IdOrder.INSTANCE.compare(a.get("_id"), b.get("_id"));
            if (cmp > 0) {
                if (deletes) {
                    writer.delete(b.get("_id"));
                }
            } else if (!deletes) {
                if (cmp < 0) {
                    writer.insert(a);
                } else if (a.getByteBuffer().asNIO().equals(b.getByteBuffer().asNIO())) {
                    unchanged++;
                } else {
                    // The target's own _id value: equal by value to the dump's, maybe of another numeric type.
                    writer.replace(b.get("_id"), a);
                }
            }
            if (cmp <= 0) {
                a = wanted.hasNext() ? wanted.next() : null;
            }
            if (cmp >= 0) {
                b = present.hasNext() ? present.next() : null;
            }
        }
        return unchanged;
    }

    private static RawBsonDocument digestOf(DocumentDigest digest, RawBsonDocument d) {
        digest.add(d);
        return d;
    }

    /**
     * Reads every data file of a dump once and checks it: whole documents of at most 16 MiB, and, where the dump
     * has a manifest, each collection's count and checksum. Nothing is written anywhere.
     *
     * @param dump a dump's database
     * @throws DumpFormatException naming collection and file at the first file that fails
     */
    public static void checkFiles(DumpDirectory dump) {
        for (DumpDirectory.Collection c : dump.entries()) {
            if (c.metadata().isView()) {
                continue;
            }
            DocumentDigest digest = new DocumentDigest();
            try (BsonFileReader reader = new BsonFileReader(c.name(), c.dataFile())) {
                reader.forEachRemaining(digest::add);
            }
            checkManifest(dump, c, digest);
        }
    }

    private static void checkManifest(DumpDirectory dump, DumpDirectory.Collection c, DocumentDigest digest) {
        if (dump.manifest().isEmpty()) {
            return;
        }
        DumpManifest.Entry e = dump.manifest().get().entry(c.name()).orElseThrow(() -> new DumpFormatException(c.name(),
                c.dataFile(), "the dump has the collection, its manifest does not", null));
        if (e.documents() != digest.count() || !e.checksum().equals(digest.checksum())) {
            throw new DumpFormatException(c.name(), c.dataFile(), "the documents do not match the manifest: "
                    + digest.count() + " documents, checksum " + digest.checksum() + "; the manifest says "
                    + e.documents() + " documents, checksum " + e.checksum(), null);
        }
    }

    private static MongoEngineException wrap(DumpDirectory.Collection c, RuntimeException e) {
        if (e instanceof MongoEngineException m) {
            return m;
        }
        String code = e instanceof MongoException m ? " (code " + m.getCode() + ")" : "";
        return new MongoEngineException(c.name(), c.dataFile(), e.getMessage() + code, e);
    }

    private static void create(MongoDatabase target, String name, BsonDocument options) {
        BsonDocument command = new BsonDocument("create", new BsonString(name));
        options.forEach(command::append);
        target.runCommand(command);
    }

    private static void createIndexes(MongoDatabase target, String collection, String forCollection,
            List<BsonDocument> indexes) {
        if (indexes.isEmpty()) {
            return;
        }
        try {
            target.runCommand(new BsonDocument("createIndexes", new BsonString(collection))
                    .append("indexes", new BsonArray(new ArrayList<BsonValue>(indexes))));
        } catch (MongoException e) {
            throw new MongoEngineException(forCollection, null, "cannot build the indexes " + names(indexes) + ": "
                    + e.getMessage() + " (code " + e.getCode() + ")", e);
        }
    }

    private static List<String> names(List<BsonDocument> indexes) {
        return indexes.stream().map(i -> i.getString("name", new BsonString("?")).getValue()).toList();
    }

    private static Set<String> names(MongoDatabase db) {
        return db.listCollectionNames().into(new HashSet<>());
    }

    private static BsonDocument listing(MongoDatabase db, String name) {
        return db.listCollections(BsonDocument.class).filter(new BsonDocument("name", new BsonString(name))).first();
    }

    /** Index specifications compared without the fields that do not change what the index is. */
    private static BsonDocument comparable(BsonDocument spec) {
        BsonDocument d = spec.clone();
        d.remove("v");
        d.remove("ns");
        d.remove("background");
        return d;
    }

    private static void reconcileIndexes(MongoDatabase target, DumpDirectory.Collection c) {
        MongoCollection<BsonDocument> collection = target.getCollection(c.name(), BsonDocument.class);
        Map<String, BsonDocument> present = new LinkedHashMap<>();
        for (BsonDocument i : collection.listIndexes(BsonDocument.class)) {
            present.put(i.getString("name").getValue(), i);
        }
        Map<String, BsonDocument> wanted = new LinkedHashMap<>();
        c.metadata().secondaryIndexes().forEach(i -> wanted.put(i.getString("name").getValue(), i));
        List<BsonDocument> create = new ArrayList<>();
        for (Map.Entry<String, BsonDocument> p : present.entrySet()) {
            BsonDocument w = wanted.get(p.getKey());
            if (!p.getKey().equals("_id_") && (w == null || !comparable(w).equals(comparable(p.getValue())))) {
                collection.dropIndex(p.getKey());
            }
        }
        for (Map.Entry<String, BsonDocument> w : wanted.entrySet()) {
            BsonDocument p = present.get(w.getKey());
            if (p == null || !comparable(w.getValue()).equals(comparable(p))) {
                create.add(w.getValue());
            }
        }
        createIndexes(target, c.name(), c.name(), create);
    }

    private static void rename(MongoDatabase target, String name) {
        try {
            target.getCollection(name + STAGING_SUFFIX).renameCollection(new MongoNamespace(target.getName(), name),
                    new RenameCollectionOptions().dropTarget(true));
        } catch (MongoException e) {
            throw new MongoEngineException(name, null, "cannot rename the staging collection over the target's: "
                    + e.getMessage() + " (code " + e.getCode() + ")", e);
        }
    }

    private static CollectionResult recreateView(MongoDatabase target, DumpDirectory.Collection c) {
        try {
            BsonDocument existing = listing(target, c.name());
            boolean same = existing != null && CollectionMetadata.VIEW.equals(existing.getString("type", new BsonString("")).getValue())
                    && existing.getDocument("options", new BsonDocument()).equals(c.metadata().options());
            if (!same) {
                target.getCollection(c.name()).drop();
                create(target, c.name(), c.metadata().options());
            }
            return new CollectionResult(c.name(), CollectionMetadata.VIEW, same ? 0 : 1, 0, 0, same ? 1 : 0, 0,
                    new DocumentDigest().checksum(), false);
        } catch (MongoException e) {
            throw new MongoEngineException(c.name(), null, "cannot re-create the view: " + e.getMessage(), e);
        }
    }

    private static List<String> dropMissing(DumpDirectory dump, MongoDatabase target) {
        Set<String> keep = new HashSet<>();
        dump.entries().forEach(c -> keep.add(c.name()));
        List<String> dropped = new ArrayList<>();
        for (String n : names(target)) {
            if (!keep.contains(n) && !n.startsWith("system.") && !n.equals(ProgressStore.COLLECTION)
                    && !n.endsWith(STAGING_SUFFIX)) {
                target.getCollection(n).drop();
                dropped.add(n);
            }
        }
        dropped.sort(null);
        return dropped;
    }
}
