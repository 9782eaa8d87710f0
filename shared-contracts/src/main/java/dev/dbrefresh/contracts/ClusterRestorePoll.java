package dev.dbrefresh.contracts;

import java.time.Instant;

/**
 * {@code dbrefresh.cluster.restore-poll.v1}: cluster-service's delayed message to itself while the
 * target is being deleted or restored.
 *
 * @param plan       plan name
 * @param snapshotId snapshot being restored
 * @param phase      what is awaited: {@code deleting} or {@code restoring}
 * @param attempt    1 for the first poll; drives the exponential backoff
 * @param deadline   when to give up waiting and fail the run
 */
public record ClusterRestorePoll(String plan, String snapshotId, String phase, int attempt, Instant deadline)
        implements DbRefreshEvent {
}
