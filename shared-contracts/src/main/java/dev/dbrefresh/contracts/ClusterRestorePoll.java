package dev.dbrefresh.contracts;

import java.time.Instant;

/**
 * {@code dbrefresh.cluster.restore-poll.v1}: cluster-service's delayed message to itself while the
 * old target is being renamed out of the way or the new one restored.
 *
 * @param plan       plan name
 * @param snapshotId snapshot being restored
 * @param phase      what is awaited: {@code renaming} or {@code restoring}; {@code deleting} is still accepted
 *                   from versions that deleted the old target first (handled like {@code renaming})
 * @param attempt    1 for the first poll; drives the exponential backoff
 * @param deadline   when to give up waiting and fail the run
 */
public record ClusterRestorePoll(String plan, String snapshotId, String phase, int attempt, Instant deadline)
        implements DbRefreshEvent {
}
