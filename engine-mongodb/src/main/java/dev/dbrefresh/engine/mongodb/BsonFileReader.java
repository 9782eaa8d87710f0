package dev.dbrefresh.engine.mongodb;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.bson.RawBsonDocument;

/**
 * Streams the documents of a {@code .bson} file (mongodump's data file: BSON documents back to back, each starting
 * with its own little-endian int32 length, https://bsonspec.org/spec.html) one at a time, never the whole file.
 * A {@code .gz} file is gunzipped on the fly. Each document is checked for a length within
 * [5, {@link #MAX_DOCUMENT_BYTES}], for being complete and for its trailing 0 byte; its content is not decoded
 * (the server validates what it stores).
 */
public final class BsonFileReader implements Iterator<RawBsonDocument>, Closeable {

    /** The largest document MongoDB stores: 16 MiB ({@code maxBsonObjectSize}, "BSON Document Size" limit). */
    public static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

    private final String collection;
    private final Path file;
    private final InputStream in;
    private long offset;
    private long documents;
    private RawBsonDocument next;
    private boolean done;

    /**
     * @param collection the collection the file holds (for error messages)
     * @param file       the {@code .bson} or {@code .bson.gz} file
     * @throws DumpFormatException when the file cannot be opened
     */
    public BsonFileReader(String collection, Path file) {
        this.collection = collection;
        this.file = file;
        try {
            this.in = new BufferedInputStream(DumpLayout.open(file), 1 << 16);
        } catch (IOException e) {
            throw new DumpFormatException(collection, file, "cannot open: " + e.getMessage(), e);
        }
    }

    /**
     * @return whether another document follows
     * @throws DumpFormatException when the file is truncated or holds a document of impossible length
     */
    @Override
    public boolean hasNext() {
        if (next == null && !done) {
            next = read();
            done = next == null;
        }
        return next != null;
    }

    /** @return the next document, backed by its own byte array */
    @Override
    public RawBsonDocument next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawBsonDocument d = next;
        next = null;
        return d;
    }

    /** @return documents returned so far */
    public long documents() {
        return documents;
    }

    /** @return bytes of (uncompressed) BSON read so far */
    public long bytes() {
        return offset;
    }

    private RawBsonDocument read() {
        try {
            byte[] head = new byte[4];
            int got = in.readNBytes(head, 0, 4);
            if (got == 0) {
                return null;
            }
            if (got < 4) {
                throw truncated("a document length", 4, got);
            }
            int length = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | (head[3] & 0xff) << 24;
            if (length < 5 || length > MAX_DOCUMENT_BYTES) {
                throw new DumpFormatException(collection, file, "document #" + (documents + 1) + " at byte offset "
                        + offset + " has length " + Integer.toUnsignedString(length) + ", outside [5, "
                        + MAX_DOCUMENT_BYTES + "] (MongoDB's 16 MiB document limit)", null);
            }
            byte[] bytes = new byte[length];
            System.arraycopy(head, 0, bytes, 0, 4);
            int body = in.readNBytes(bytes, 4, length - 4);
            if (body < length - 4) {
                throw truncated("document #" + (documents + 1), length, body + 4);
            }
            if (bytes[length - 1] != 0) {
                throw new DumpFormatException(collection, file, "document #" + (documents + 1) + " at byte offset "
                        + offset + " does not end with a 0 byte: the file is corrupt", null);
            }
            offset += length;
            documents++;
            return new RawBsonDocument(bytes);
        } catch (IOException e) {
            throw new DumpFormatException(collection, file, "read failed at byte offset " + offset + ": "
                    + e.getMessage(), e);
        }
    }

    private DumpFormatException truncated(String what, int wanted, int got) {
        return new DumpFormatException(collection, file, "truncated: " + what + " at byte offset " + offset
                + " needs " + wanted + " bytes, the file ends after " + got, null);
    }

    /** Closes the file. */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
