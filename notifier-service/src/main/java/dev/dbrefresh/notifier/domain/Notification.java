package dev.dbrefresh.notifier.domain;

import dev.dbrefresh.contracts.TableRowCount;
import java.time.Instant;
import java.util.List;

/**
 * The notification body sent to the plan's notification queue (and SNS topic where configured), as JSON.
 *
 * @param runId        the run
 * @param plan         plan name
 * @param result       {@code succeeded}, {@code failed} or {@code dry-run}
 * @param snapshotId   snapshot restored (success) or {@code null}
 * @param endpoint     refreshed endpoint (success) or {@code null}
 * @param rowsVerified rows verified against the manifest (success), else 0
 * @param verified     the largest tables verified (success; at most 20, as in {@code users.applied}), else
 *                     empty; every table's count is in the audit log (step {@code verify-counts})
 * @param failedStep   step that failed (failure) or {@code null}
 * @param errorCode    error code (failure) or {@code null}
 * @param message      one line for people
 * @param changed      whether the target was changed before a failure
 * @param steps        the run's steps from the audit log: {@code service/step status durationMs}
 * @param at           when the notification was made
 * @param targetState  what exists of the target now (AWS plans), e.g. {@code "old target intact, renamed as
 *                     acc-old-run-1 (available); new target acc present (restored by this run, available)"}, or
 *                     {@code null}
 */
public record Notification(String runId, String plan, String result, String snapshotId, String endpoint,
        long rowsVerified, List<TableRowCount> verified, String failedStep, String errorCode, String message, boolean changed, List<String> steps,
        Instant at, String targetState) {
}
