package dev.dbrefresh.contracts;

import java.time.Instant;

/**
 * {@code dbrefresh.snapshot.copy-poll.v1}: snapshot-service's delayed message to itself while a
 * snapshot copy is in progress (SQS {@code DelaySeconds} of at most 900 seconds per hop).
 *
 * @param plan       plan name
 * @param snapshotId id of the copy being waited for
 * @param attempt    1 for the first poll; drives the exponential backoff
 * @param deadline   when to give up waiting and fail the run
 */
public record SnapshotCopyPoll(String plan, String snapshotId, int attempt, Instant deadline)
        implements DbRefreshEvent {
}
