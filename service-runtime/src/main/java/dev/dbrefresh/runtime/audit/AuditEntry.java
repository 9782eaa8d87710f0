package dev.dbrefresh.runtime.audit;

import dev.dbrefresh.contracts.StepName;
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
 * @param step       step name ({@link StepName#id()}, or {@code <id>:<instance>}), e.g. {@code restore}
 * @param status     an {@link AuditStatus#id()}: {@code started}, {@code succeeded}, {@code failed}, {@code skipped},
 *                   {@code waiting}, {@code planned} (dry-run: a change that was not made), {@code ignored},
 *                   {@code recorded} or {@code rejected}
 * @param durationMs duration of the step in milliseconds for {@code succeeded}/{@code failed}, else 0
 * @param details    human-readable details (never secrets)
 * @param errorCode  error code for {@code failed}/{@code rejected}, else {@code null}
 * @param eventId    id of the event the step handled
 * @param plan       plan name, when known
 */
public record AuditEntry(String runId, String sortKey, Instant at, String service, String step, String status,
        long durationMs, String details, String errorCode, String eventId, String plan) {

    /**
     * @param status a status
     * @return whether this entry has it
     */
    public boolean is(AuditStatus status) {
        return status.id().equals(this.status);
    }

    /**
     * @param step a step
     * @return whether this entry is of that step (for a step made per instance, of any instance)
     */
    public boolean isStep(StepName step) {
        return step.names(this.step);
    }
}
