package dev.dbrefresh.engine.mongodb;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Sorts a stream of documents by {@code _id} ({@link IdOrder}) with bounded memory: documents are gathered into
 * runs of at most {@code runBytes} bytes, each run is sorted in memory and written to a temporary file as
 * concatenated BSON, and the runs are merged with one document per run in memory (an external merge sort). Memory
 * in use is about {@code runBytes} while sorting and one document per run while merging (or the one run, kept in
 * memory, when everything fit into it). The sorted documents can be iterated more than once. Temporary files are
 * deleted on {@link #close()}.
 */
final class ExternalSorter implements Closeable {

    private final Path tempDir;
    private final long runBytes;
    private final String collection;
    private final List<Path> runs = new ArrayList<>();
    private final List<BsonFileReader> readers = new ArrayList<>();
    private List<Keyed> memory;

    /**
     * @param tempDir    directory for the run files
     * @param runBytes   largest run held in memory, in bytes
     * @param collection the collection sorted (error messages)
     */
    ExternalSorter(Path tempDir, long runBytes, String collection) {
        this.tempDir = tempDir;
        this.runBytes = runBytes;
        this.collection = collection;
    }

    private record Keyed(BsonValue id, RawBsonDocument doc) {
    }

    /**
     * Reads and sorts the input; afterwards {@link #iterator()} may be called as often as needed.
     *
     * @param input documents in any order; each must have an {@code _id}
     * @throws MongoEngineException when a document has no {@code _id}
     */
    void load(Iterator<RawBsonDocument> input) {
        List<Keyed> run = new ArrayList<>();
        long bytes = 0;
        while (input.hasNext()) {
            RawBsonDocument d = input.next();
            BsonValue id = d.get("_id");
            if (id == null) {
                throw new MongoEngineException(collection, null, "a document has no _id: " + abbreviate(d), null);
            }
            run.add(new Keyed(id, d));
            bytes += d.getByteBuffer().remaining();
            if (bytes >= runBytes) {
                writeRun(run);
                run.clear();
                bytes = 0;
            }
        }
        if (runs.isEmpty()) {
            run.sort((a, b) -> IdOrder.INSTANCE.compare(a.id, b.id));
            memory = run;
        } else if (!run.isEmpty()) {
            writeRun(run);
        }
    }

    /**
     * @return the loaded documents in {@code _id} order (a new pass over them each time); valid until
     *         {@link #close()}
     * @throws MongoEngineException while iterating, when two documents have the same {@code _id}
     */
    Iterator<RawBsonDocument> iterator() {
        if (memory != null) {
            return unique(memory.stream().map(Keyed::doc).iterator());
        }
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> IdOrder.INSTANCE.compare(a.id, b.id));
        for (Path p : runs) {
            BsonFileReader r = new BsonFileReader(collection, p);
            readers.add(r);
            if (r.hasNext()) {
                heads.add(new Head(r));
            }
        }
        return unique(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public RawBsonDocument next() {
                Head h = heads.poll();
                if (h == null) {
                    throw new NoSuchElementException();
                }
                RawBsonDocument d = h.doc;
                if (h.reader.hasNext()) {
                    heads.add(new Head(h.reader));
                }
                return d;
            }
        });
    }

    /**
     * {@link #load} then {@link #iterator()}.
     *
     * @param input documents in any order
     * @return them in {@code _id} order
     */
    Iterator<RawBsonDocument> sort(Iterator<RawBsonDocument> input) {
        load(input);
        return iterator();
    }

    private static final class Head {
        final BsonFileReader reader;
        final RawBsonDocument doc;
        final BsonValue id;

        Head(BsonFileReader reader) {
            this.reader = reader;
            this.doc = reader.next();
            this.id = doc.get("_id");
        }
    }

    private Iterator<RawBsonDocument> unique(Iterator<RawBsonDocument> sorted) {
        return new Iterator<>() {
            BsonValue last;

            @Override
            public boolean hasNext() {
                return sorted.hasNext();
            }

            @Override
            public RawBsonDocument next() {
                RawBsonDocument d = sorted.next();
                BsonValue id = d.get("_id");
                if (last != null && IdOrder.INSTANCE.compare(last, id) == 0) {
                    throw new MongoEngineException(collection, null, "two documents have the _id " + id, null);
                }
                last = id;
                return d;
            }
        };
    }

    private void writeRun(List<Keyed> run) {
        run.sort((a, b) -> IdOrder.INSTANCE.compare(a.id, b.id));
        try {
            Path p = Files.createTempFile(tempDir, "dbrefresh-sort-", ".bson");
            runs.add(p);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 16)) {
                for (Keyed k : run) {
                    ByteBuffer b = k.doc.getByteBuffer().asNIO();
                    out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                }
            }
        } catch (IOException e) {
            throw new MongoEngineException(collection, tempDir, "cannot write a sort run: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(RawBsonDocument d) {
        String s = d.toJson();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** @return run files written so far (0 when everything fit in memory) */
    int runs() {
        return runs.size();
    }

    /** Closes and deletes the run files. */
    @Override
    public void close() {
        readers.forEach(BsonFileReader::close);
        for (Path p : runs) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete sort run " + p, e);
            }
        }
    }
}
