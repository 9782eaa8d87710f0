package dev.dbrefresh.cluster.messaging;

import dev.dbrefresh.cluster.domain.RestoreStep;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Consumes snapshot-service's events ({@code snapshot.ready} starts the restore) and cluster-service's
 * own delayed {@code cluster.restore-poll} checks of a delete or restore in progress.
 */
@Singleton
public class SnapshotReadyConsumer implements EventConsumer {

    private final RestoreStep step;

    /** @param step the restore step */
    public SnapshotReadyConsumer(RestoreStep step) {
        this.step = step;
    }

    @Override
    public Set<EventType> eventTypes() {
        return Set.of(EventType.SNAPSHOT_READY, EventType.CLUSTER_RESTORE_POLL);
    }

    @Override
    public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
        if (event instanceof ClusterRestorePoll poll) {
            step.poll(poll, context);
        } else {
            step.handle((SnapshotReady) event, context);
        }
    }
}
