package dev.dbrefresh.contracts;

import java.time.LocalDate;

/**
 * {@code dbrefresh.refresh.requested.v1}: start a run of a plan. Sent to the start queue by the
 * command line, a schedule, or an AWS Backup event handler.
 *
 * @param plan       name of a configured refresh plan
 * @param snapshotId restore this snapshot instead of taking/choosing one; {@code null} for the default
 * @param date       pick the snapshot taken on this date (UTC); {@code null} for the newest
 * @param dryRun     perform every read and check, change nothing
 * @param trigger    what started the run: {@code cli}, {@code schedule}, {@code aws-backup}, {@code sqs}
 */
public record RefreshRequested(String plan, String snapshotId, LocalDate date, boolean dryRun, String trigger)
        implements DbRefreshEvent {
}
