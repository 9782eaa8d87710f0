package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;

/** What a {@link SnapshotEngine} step ended with. */
public sealed interface SnapshotProgress {

    /**
     * The snapshot is available on the target side.
     *
     * @param snapshotId       id of the snapshot to restore (the copy)
     * @param sourceSnapshotId id it was copied from
     * @param sizeBytes        size in bytes, 0 where the engine does not know it
     * @param checksum         {@code sha256:<hex>} or {@code null}
     * @param copied           whether this run made the copy
     */
    record Ready(String snapshotId, String sourceSnapshotId, long sizeBytes, String checksum, boolean copied)
            implements SnapshotProgress {
    }

    /**
     * A copy is in progress; check again later.
     *
     * @param snapshotId id of the copy awaited
     * @param what       what is awaited, for the audit log
     */
    record Waiting(String snapshotId, String what) implements SnapshotProgress {
    }

    /**
     * The run cannot go on; nothing more is attempted.
     *
     * @param step      step that refused, e.g. {@link StepName#COPY}
     * @param errorCode stable error code, e.g. {@link ErrorCode#SNAPSHOT_NOT_FOUND}
     * @param message   what was wrong and what to do
     */
    record Refused(StepName step, ErrorCode errorCode, String message) implements SnapshotProgress {
    }
}
