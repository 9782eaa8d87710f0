package dev.dbrefresh.snapshot;

import io.micronaut.runtime.Micronaut;

/** snapshot-service: picks, takes and copies the snapshot, updates the "latest" parameter. */
public final class SnapshotServiceApplication {

    private SnapshotServiceApplication() {
    }

    /** @param args command-line arguments, passed to Micronaut */
    public static void main(String[] args) {
        Micronaut.run(SnapshotServiceApplication.class, args);
    }
}
