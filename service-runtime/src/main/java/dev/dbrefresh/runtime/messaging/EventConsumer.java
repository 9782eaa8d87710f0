package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import java.util.Set;

/**
 * A service's handler of the event types routed to its queue. Implementations map the event and
 * delegate to the domain; the {@link SqsConsumer} around them does duplicate detection, audit of
 * failures, acknowledgement, backoff and dead-lettering.
 *
 * <p>Contract: return normally when the event is handled (including a domain refusal reported with
 * {@link StepContext#fail}); throw for a failure that a retry may fix (a database or AWS call that
 * failed). The handler may run more than once for one event (a crash before acknowledgement): every
 * step must detect its own earlier effect.
 */
public interface EventConsumer {

    /** @return the event types this consumer handles */
    Set<EventType> eventTypes();

    /**
     * @param envelope the event's envelope
     * @param event    its decoded payload
     * @param context  audit, publishing and failure reporting for this delivery
     * @throws Exception a failure worth retrying
     */
    void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception;

    /**
     * Called once when the {@link SqsConsumer} gives up on an event: the last receive its queue's redrive
     * policy allows failed too, the failure is in the audit log, and SQS moves the message to the DLQ next.
     * For any event but {@code refresh.failed} the consumer has also published {@code refresh.failed}; for a
     * {@code refresh.failed} it publishes nothing (the failure path must not loop, issue 7 property 11), so
     * this is where a consumer of failures frees what the run holds. The default does nothing.
     *
     * @param envelope the event's envelope
     * @param event    its decoded payload
     * @param context  audit and publishing for this (last) delivery
     * @param failure  what the last attempt threw
     * @throws Exception when the clean-up fails; it is logged, the message still goes to the DLQ
     */
    default void gaveUp(EventEnvelope envelope, DbRefreshEvent event, StepContext context, Exception failure)
            throws Exception {
    }
}
