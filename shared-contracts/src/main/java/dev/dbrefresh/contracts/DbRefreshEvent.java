package dev.dbrefresh.contracts;

/**
 * Every payload dbrefresh puts on the wire. Sealed so a {@code switch} over events is checked by the
 * compiler; the type name of each record is given by {@link EventType}.
 */
public sealed interface DbRefreshEvent
        permits RefreshRequested, SnapshotReady, SnapshotCopyPoll, ClusterRestored, ClusterRestorePoll,
        UsersApplied, RefreshCompleted, RefreshFailed {

    /** @return the name of the refresh plan the run executes */
    String plan();
}
