package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.ErrorCode;

/**
 * Thrown by a handler when a well-formed event does not fit its plan: it names another database,
 * endpoint, cluster, table, engine or snapshot than the plan (with the run's allowed values) derives.
 * Such an event is not trusted to be the run's own, so it neither changes anything nor ends the run:
 * {@link SqsConsumer} moves it to the queue's DLQ with the reason as its {@code reason} attribute and
 * writes a {@code rejected} audit entry with code {@link #ERROR_CODE}.
 */
public class EventRejectedException extends RuntimeException {

    /** Audit error code of a rejected event. */
    public static final ErrorCode ERROR_CODE = ErrorCode.EVENT_NOT_OF_PLAN;

    /** @param reason what in the event differs from the plan, and what the plan says instead */
    public EventRejectedException(String reason) {
        super(reason);
    }
}
