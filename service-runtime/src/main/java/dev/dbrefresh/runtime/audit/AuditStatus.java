package dev.dbrefresh.runtime.audit;

import java.util.Arrays;
import java.util.Optional;

/**
 * The status of an audit entry ({@link AuditEntry#status()}): the only place the status strings are spelled.
 * The audit log stores {@link #id()}; code compares these constants ({@link AuditEntry#is}).
 */
public enum AuditStatus {
    /** A step began ({@code StepContext.step}); its end follows as {@link #SUCCEEDED} or {@link #FAILED}. */
    STARTED("started"),
    /** A step finished, with its duration and details. */
    SUCCEEDED("succeeded"),
    /** A step failed (with the exception), or the run ended there ({@code StepContext.fail}, with the error code). */
    FAILED("failed"),
    /** A step had nothing to do (e.g. the copy exists already). */
    SKIPPED("skipped"),
    /** A long step is not finished yet; a delayed poll message checks again. */
    WAITING("waiting"),
    /** A change a dry-run would have made, e.g. the AWS call with its parameters. */
    PLANNED("planned"),
    /** A foreign message (e.g. an AWS Backup notification) that started nothing. */
    IGNORED("ignored"),
    /** Data a step recorded for later reading (e.g. every table's verified count). */
    RECORDED("recorded"),
    /** A message refused before any step (malformed, unknown type, not of its plan); it is in the DLQ. */
    REJECTED("rejected"),
    /**
     * An attempt whose worker stopped (killed, or its heartbeat stopped) in the middle of a step; written by the
     * attempt that took its claim over and resumed the event, with the interrupted attempt's seen duration.
     */
    INTERRUPTED("interrupted");

    private final String id;

    AuditStatus(String id) {
        this.id = id;
    }

    /** @return the status as stored in the audit log, e.g. {@code succeeded} */
    public String id() {
        return id;
    }

    /**
     * @param id a status from the audit log; {@code null} gives empty
     * @return the status with that id, or empty
     */
    public static Optional<AuditStatus> of(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }
}
