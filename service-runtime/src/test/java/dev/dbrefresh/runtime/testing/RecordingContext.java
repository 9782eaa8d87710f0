package dev.dbrefresh.runtime.testing;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.StepContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real {@link StepContext} over in-memory fakes of the audit log and the publisher, so a test can
 * read back every step, skip, wait and planned call an engine recorded.
 */
public final class RecordingContext {

    /** Every audit entry recorded, in order. */
    public final List<AuditEntry> audit = new CopyOnWriteArrayList<>();
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
        AuditLog log = new AuditLog(null, "audit") {
            @Override
            public boolean record(AuditEntry entry) {
                audit.add(entry);
                return true;
            }
        };
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
        ctx = new StepContext(envelope, plan, "test-service", 1, log, publisher, Clock.systemUTC());
    }

    /** @return the details of the entries with that status, in order */
    public List<String> details(AuditStatus status) {
        return audit.stream().filter(e -> e.is(status)).map(e -> e.step() + ": " + e.details()).toList();
    }
}
