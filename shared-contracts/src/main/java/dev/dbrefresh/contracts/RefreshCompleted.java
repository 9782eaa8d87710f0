package dev.dbrefresh.contracts;

/**
 * {@code dbrefresh.refresh.completed.v1}: the run finished successfully; published by
 * notifier-service for whoever subscribes to the outcome.
 *
 * @param plan         plan name
 * @param snapshotId   snapshot restored
 * @param endpoint     endpoint of the refreshed target
 * @param rowsVerified rows verified against the snapshot manifest
 */
public record RefreshCompleted(String plan, String snapshotId, String endpoint, long rowsVerified)
        implements DbRefreshEvent {
}
