package dev.dbrefresh.runtime.testing;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.InMemoryAuditLog;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.StepContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real {@link StepContext} over an {@link InMemoryAuditLog} and an in-memory fake of the publisher, so a test
 * can read back every step, skip, wait and planned call an engine recorded.
 */
public final class RecordingContext {

    /** The audit log the context writes to, with the semantics of the DynamoDB one. */
    public final InMemoryAuditLog auditLog = new InMemoryAuditLog();
    /**
     * Every audit entry recorded, in order ({@link InMemoryAuditLog#written()}): a write of a key already there
     * (a redelivery's) is not in it, and details longer than {@link dev.dbrefresh.runtime.audit.AuditLog#MAX_DETAILS_CHARS} are cut.
     */
    public final List<AuditEntry> audit = auditLog.written();
    /** Every event published or sent delayed, in order. */
    public final List<EventEnvelope> published = new CopyOnWriteArrayList<>();
    /** The context to hand to the code under test. */
    public final StepContext ctx;

    /**
     * @param runId the run id of the incoming envelope
     * @param plan  the plan name
     * @param cause the incoming event
     */
    public RecordingContext(String runId, String plan, DbRefreshEvent cause) {
        EventPublisher publisher = new EventPublisher(null, null, null, null) {
            @Override
            public void publish(EventEnvelope event) {
                published.add(event);
            }

            @Override
            public void sendDelayed(String queue, EventEnvelope event, int delaySeconds) {
                published.add(event);
            }
        };
        EventEnvelope envelope = EventEnvelope.create("test", runId, null, cause, Instant.now());
        ctx = new StepContext(envelope, plan, "test-service", 1, auditLog, publisher, Clock.systemUTC());
    }

    /** @return the details of the entries with that status, in order */
    public List<String> details(AuditStatus status) {
        return audit.stream().filter(e -> e.is(status)).map(e -> e.step() + ": " + e.details()).toList();
    }
}
