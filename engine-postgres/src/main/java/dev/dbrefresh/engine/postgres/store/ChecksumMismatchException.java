package dev.dbrefresh.engine.postgres.store;

/**
 * A copied dump file does not have the {@code sha256:} checksum its manifest records: the source file was
 * changed or damaged after the snapshot was taken, or the copy was corrupted. Nothing is committed.
 */
public class ChecksumMismatchException extends RuntimeException {

    /** @param message names the snapshot id, both checksums and the source file */
    public ChecksumMismatchException(String message) {
        super(message);
    }
}
