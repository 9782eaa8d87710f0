package dev.dbrefresh.runtime.audit;

import java.time.Instant;

/**
 * One step transition of a run, as stored in the audit log.
 *
 * @param runId      the run
 * @param sortKey    {@code <trigger event time>#<service>#<event id>#<step>#<status>#<attempt>}: deterministic
 *                   for a given event and attempt, so a redelivered event cannot add a second copy (the
 *                   write is conditional on the key being new)
 * @param at         when the transition happened (UTC)
 * @param service    service that wrote it, e.g. {@code cluster-service}
 * @param step       step name, e.g. {@code restore}
 * @param status     {@code started}, {@code succeeded}, {@code failed}, {@code skipped}, {@code waiting},
 *                   {@code planned} (dry-run: a change that was not made), {@code ignored} or {@code rejected}
 * @param durationMs duration of the step in milliseconds for {@code succeeded}/{@code failed}, else 0
 * @param details    human-readable details (never secrets)
 * @param errorCode  error code for {@code failed}/{@code rejected}, else {@code null}
 * @param eventId    id of the event the step handled
 * @param plan       plan name, when known
 */
public record AuditEntry(String runId, String sortKey, Instant at, String service, String step, String status,
        long durationMs, String details, String errorCode, String eventId, String plan) {

    /** Status of a step that began. */
    public static final String STARTED = "started";
    /** Status of a step that finished. */
    public static final String SUCCEEDED = "succeeded";
    /** Status of a step that failed. */
    public static final String FAILED = "failed";
    /** Status of a step with nothing to do (e.g. copy already exists). */
    public static final String SKIPPED = "skipped";
    /** Status of a long step that is not finished yet; a delayed poll message checks again. */
    public static final String WAITING = "waiting";
    /** Status of a change a dry-run would have made. */
    public static final String PLANNED = "planned";
    /** Status of a foreign message (e.g. an AWS Backup notification) that started nothing. */
    public static final String IGNORED = "ignored";
    /** Status of data a step recorded for later reading (e.g. every table's verified count). */
    public static final String RECORDED = "recorded";
    /** Status of a message refused before any step (malformed, unknown type). */
    public static final String REJECTED = "rejected";
}
