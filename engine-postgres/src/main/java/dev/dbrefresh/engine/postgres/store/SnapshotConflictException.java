package dev.dbrefresh.engine.postgres.store;

/**
 * Two stores hold different snapshots under the same id (their dump checksums differ), so a copy would
 * either silently keep the wrong data or overwrite a committed snapshot. Neither is done.
 */
public class SnapshotConflictException extends RuntimeException {

    /** @param message names the snapshot id, both stores and both checksums */
    public SnapshotConflictException(String message) {
        super(message);
    }
}
