package dev.dbrefresh.notifier.messaging;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.notifier.domain.NotifyStep;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import jakarta.inject.Singleton;
import java.util.Set;

/** Consumes the outcome of runs: {@code users.applied} (success) and {@code refresh.failed}. */
@Singleton
public class OutcomeConsumer implements EventConsumer {

    private final NotifyStep step;

    /** @param step the notify step */
    public OutcomeConsumer(NotifyStep step) {
        this.step = step;
    }

    @Override
    public Set<EventType> eventTypes() {
        return Set.of(EventType.USERS_APPLIED, EventType.REFRESH_FAILED);
    }

    @Override
    public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
        if (event instanceof UsersApplied applied) {
            step.completed(applied, context);
        } else {
            step.failed((RefreshFailed) event, context);
        }
    }

    /**
     * A failure notification that could not be sent ends the run here: nothing else would release its lease.
     * A completion that could not be sent needs nothing: the consumer publishes {@code refresh.failed} for it.
     */
    @Override
    public void gaveUp(EventEnvelope envelope, DbRefreshEvent event, StepContext context, Exception failure)
            throws Exception {
        if (event instanceof RefreshFailed failed) {
            step.failureUndeliverable(failed, context, failure);
        }
    }
}
