package dev.dbrefresh.snapshot.messaging;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.snapshot.domain.SnapshotStep;
import jakarta.inject.Singleton;
import java.util.Set;

/** Consumes the start queue: {@code refresh.requested} starts a run. */
@Singleton
public class RefreshRequestConsumer implements EventConsumer {

    private final SnapshotStep step;

    /** @param step the snapshot step */
    public RefreshRequestConsumer(SnapshotStep step) {
        this.step = step;
    }

    @Override
    public Set<EventType> eventTypes() {
        return Set.of(EventType.REFRESH_REQUESTED);
    }

    @Override
    public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
        step.handle((RefreshRequested) event, context);
    }
}
