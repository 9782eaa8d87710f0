package dev.dbrefresh.contracts;

import java.util.Arrays;
import java.util.Optional;

/**
 * The versioned logical type names of dbrefresh events and the payload record of each. A type name
 * never changes meaning: an incompatible payload gets a new {@code .vN}.
 */
public enum EventType {
    REFRESH_REQUESTED("dbrefresh.refresh.requested.v1", RefreshRequested.class),
    SNAPSHOT_READY("dbrefresh.snapshot.ready.v1", SnapshotReady.class),
    SNAPSHOT_COPY_POLL("dbrefresh.snapshot.copy-poll.v1", SnapshotCopyPoll.class),
    CLUSTER_RESTORED("dbrefresh.cluster.restored.v1", ClusterRestored.class),
    CLUSTER_RESTORE_POLL("dbrefresh.cluster.restore-poll.v1", ClusterRestorePoll.class),
    USERS_APPLIED("dbrefresh.users.applied.v1", UsersApplied.class),
    REFRESH_COMPLETED("dbrefresh.refresh.completed.v1", RefreshCompleted.class),
    REFRESH_FAILED("dbrefresh.refresh.failed.v1", RefreshFailed.class);

    private final String typeName;
    private final Class<? extends DbRefreshEvent> payloadType;

    EventType(String typeName, Class<? extends DbRefreshEvent> payloadType) {
        this.typeName = typeName;
        this.payloadType = payloadType;
    }

    /** @return the CloudEvents {@code type}, e.g. {@code dbrefresh.snapshot.ready.v1} */
    public String typeName() {
        return typeName;
    }

    /** @return the record class of the payload */
    public Class<? extends DbRefreshEvent> payloadType() {
        return payloadType;
    }

    /** @return classpath location of this type's JSON Schema */
    public String schemaResource() {
        return "/dbrefresh/schemas/" + typeName + ".json";
    }

    /** @return classpath location of this type's sample message (a whole envelope) */
    public String sampleResource() {
        return "/dbrefresh/samples/" + typeName + ".json";
    }

    /**
     * @param typeName a CloudEvents {@code type}
     * @return the matching type, or empty for a type dbrefresh does not know
     */
    public static Optional<EventType> fromTypeName(String typeName) {
        return Arrays.stream(values()).filter(t -> t.typeName.equals(typeName)).findFirst();
    }

    /**
     * @param payload an event record
     * @return its type
     */
    public static EventType of(DbRefreshEvent payload) {
        // Java 17 has no pattern matching in switch; the payload class identifies the type exactly.
        return Arrays.stream(values()).filter(t -> t.payloadType == payload.getClass()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no event type for " + payload.getClass()));
    }
}
