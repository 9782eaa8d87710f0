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
 * @param mode       {@code null} or {@value #MODE_REFRESH}: a refresh from a snapshot as above; {@value #MODE_RESET}:
 *                   replace the target with its pristine copy (plans with {@code fast-path: template}): the snapshot
 *                   is the one the pristine copy on the target server holds, read there by the engine, so a reset
 *                   names neither {@code snapshotId} nor {@code date} (refused with {@code RESET_NOT_AVAILABLE} when
 *                   the plan keeps no pristine copy, none exists yet, or a snapshot or date is given too)
 */
public record RefreshRequested(String plan, String snapshotId, LocalDate date, boolean dryRun, String trigger,
        java.util.Map<String, String> values, String mode) implements DbRefreshEvent {

    /** {@link #mode()} of a refresh from a snapshot (the default, also when {@code mode} is absent). */
    public static final String MODE_REFRESH = "refresh";

    /** {@link #mode()} of a reset of the target from its pristine copy. */
    public static final String MODE_RESET = "reset";

    /**
     * A refresh (no {@code mode}) with plan values.
     *
     * @param plan       plan name
     * @param snapshotId snapshot to restore, or {@code null}
     * @param date       snapshot date, or {@code null}
     * @param dryRun     read and check only
     * @param trigger    what started the run
     * @param values     plan values of the run, or {@code null}
     */
    public RefreshRequested(String plan, String snapshotId, LocalDate date, boolean dryRun, String trigger,
            java.util.Map<String, String> values) {
        this(plan, snapshotId, date, dryRun, trigger, values, null);
    }

    /**
     * A reset request: the target replaced by its pristine copy.
     *
     * @param plan    plan name (a postgres plan with {@code fast-path: template})
     * @param trigger what started the run
     * @return a request with {@link #mode()} {@value #MODE_RESET}, no snapshot, date or values
     */
    public static RefreshRequested reset(String plan, String trigger) {
        return new RefreshRequested(plan, null, null, false, trigger, java.util.Map.of(), MODE_RESET);
    }

    /** @return whether this request is a reset ({@link #mode()} is {@value #MODE_RESET}) */
    public boolean resetMode() {
        return MODE_RESET.equals(mode);
    }

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
        this(plan, snapshotId, date, dryRun, trigger, null, null);
    }
}
