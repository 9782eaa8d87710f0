package dev.dbrefresh.engine.mongodb;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bson.RawBsonDocument;

/**
 * An order-independent digest of a collection's documents: the count, the bytes, and the sum modulo 2^64 of the
 * first 8 bytes (big-endian) of the SHA-256 of each document's raw BSON. Two collections holding the same
 * documents byte for byte, in any order, have the same digest; a changed, missing or added document changes the
 * sum (up to a 2^-64 chance). Field order and numeric types count: {@code {a:1}} and {@code {a:1.0}} differ.
 * Not thread-safe: one digest per reader; {@link #add(DocumentDigest)} merges.
 */
public final class DocumentDigest {

    /** Name of the algorithm, recorded in the manifest so a later change of it is detected, not mistaken. */
    public static final String ALGORITHM = "sum64(sha256[0..8])";

    private final MessageDigest sha;
    private long count;
    private long bytes;
    private long sum;

    /** An empty digest. */
    public DocumentDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * @param document a document as stored
     * @return this
     */
    public DocumentDigest add(RawBsonDocument document) {
        ByteBuffer buf = document.getByteBuffer().asNIO();
        int size = buf.remaining();
        sha.update(buf);
        byte[] h = sha.digest();
        long prefix = 0;
        for (int i = 0; i < 8; i++) {
            prefix = prefix << 8 | (h[i] & 0xff);
        }
        sum += prefix;
        count++;
        bytes += size;
        return this;
    }

    /**
     * @param other another digest, e.g. of another part of the same collection
     * @return this, now also covering the other's documents
     */
    public DocumentDigest add(DocumentDigest other) {
        sum += other.sum;
        count += other.count;
        bytes += other.bytes;
        return this;
    }

    /** @return documents added */
    public long count() {
        return count;
    }

    /** @return bytes of raw BSON added */
    public long bytes() {
        return bytes;
    }

    /** @return the checksum as 16 lower-case hex digits */
    public String checksum() {
        return String.format("%016x", sum);
    }
}
