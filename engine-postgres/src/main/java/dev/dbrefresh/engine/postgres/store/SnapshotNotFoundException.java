package dev.dbrefresh.engine.postgres.store;

/** A snapshot id has no complete snapshot (directory with {@code manifest.json}) in a {@link SnapshotStore}. */
public class SnapshotNotFoundException extends RuntimeException {

    /** @param message names the snapshot id and the store's root directory */
    public SnapshotNotFoundException(String message) {
        super(message);
    }
}
