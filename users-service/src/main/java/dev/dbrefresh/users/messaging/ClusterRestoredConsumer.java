package dev.dbrefresh.users.messaging;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.users.domain.UsersStep;
import jakarta.inject.Singleton;
import java.util.Set;

/** Consumes cluster-service's events: {@code cluster.restored} starts users and verification. */
@Singleton
public class ClusterRestoredConsumer implements EventConsumer {

    private final UsersStep step;

    /** @param step the users step */
    public ClusterRestoredConsumer(UsersStep step) {
        this.step = step;
    }

    @Override
    public Set<EventType> eventTypes() {
        return Set.of(EventType.CLUSTER_RESTORED);
    }

    @Override
    public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
        step.handle((ClusterRestored) event, context);
    }
}
