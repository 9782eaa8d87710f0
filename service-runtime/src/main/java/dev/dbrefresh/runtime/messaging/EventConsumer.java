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
}
