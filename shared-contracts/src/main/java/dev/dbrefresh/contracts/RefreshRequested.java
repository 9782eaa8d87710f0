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
 * @param values     plan values for this run, by plan key (e.g. {@code target.instance-class}); they come
 *                   first in the resolution order (event, earlier events, environment, parameter store,
 *                   plans file); {@code null} or empty for none. Guards, engine and users cannot be set here.
 */
public record RefreshRequested(String plan, String snapshotId, LocalDate date, boolean dryRun, String trigger,
        java.util.Map<String, String> values) implements DbRefreshEvent {

    /**
     * A start request without plan values.
     *
     * @param plan       plan name
     * @param snapshotId snapshot to restore, or {@code null}
     * @param date       snapshot date, or {@code null}
     * @param dryRun     read and check only
     * @param trigger    what started the run
     */
    public RefreshRequested(String plan, String snapshotId, LocalDate date, boolean dryRun, String trigger) {
        this(plan, snapshotId, date, dryRun, trigger, null);
    }
}
