package dev.dbrefresh.snapshot.messaging;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.snapshot.domain.SnapshotStep;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Consumes the start queue: {@code refresh.requested} starts a run; {@code snapshot.copy-poll} is
 * snapshot-service's own delayed check of a copy in progress.
 */
@Singleton
public class RefreshRequestConsumer implements EventConsumer {

    private final SnapshotStep step;

    /** @param step the snapshot step */
    public RefreshRequestConsumer(SnapshotStep step) {
        this.step = step;
    }

    @Override
    public Set<EventType> eventTypes() {
        return Set.of(EventType.REFRESH_REQUESTED, EventType.SNAPSHOT_COPY_POLL);
    }

    @Override
    public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
        if (event instanceof SnapshotCopyPoll poll) {
            step.poll(poll, context);
        } else {
            step.handle((RefreshRequested) event, context);
        }
    }
}
