package dev.dbrefresh.contracts;

/**
 * {@code dbrefresh.snapshot.ready.v1}: the snapshot is available on the target side.
 *
 * @param plan             plan name
 * @param engine           engine id, e.g. {@code postgres}, {@code aurora-postgresql}
 * @param snapshotId       id of the snapshot to restore on the target side (the copy)
 * @param sourceSnapshotId id of the snapshot it was copied from
 * @param sizeBytes        snapshot size in bytes
 * @param checksum         {@code sha256:<hex>} of the snapshot content, where the engine has one
 * @param copied           {@code true} when this run made the copy, {@code false} when it existed
 * @param dryRun           the run only reads and checks; later steps must change nothing
 */
public record SnapshotReady(String plan, String engine, String snapshotId, String sourceSnapshotId, long sizeBytes,
        String checksum, boolean copied, boolean dryRun) implements DbRefreshEvent {
}
