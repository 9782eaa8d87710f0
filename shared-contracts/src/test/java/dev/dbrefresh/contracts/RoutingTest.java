package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RoutingTest {

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyType_shouldHaveARoute_andAtMostOneConsumerQueue(EventType type) {
        assertThat(Routing.queuesFor(type)).isNotNull().hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void everyServiceQueue_shouldReceiveSomething() {
        Routing.serviceQueues().forEach(q -> assertThat(Routing.typesFor(q)).as(q).isNotEmpty());
    }

    @Test
    void pollMessages_shouldReturnToTheQueueOfTheirProducer() {
        assertThat(Routing.queuesFor(EventType.SNAPSHOT_COPY_POLL)).containsExactly(Routing.SNAPSHOT_QUEUE);
        assertThat(Routing.queuesFor(EventType.CLUSTER_RESTORE_POLL)).containsExactly(Routing.CLUSTER_QUEUE);
    }

    @Test
    void filterPolicy_shouldBeJsonListingExactlyTheQueuesTypes() throws Exception {
        JsonNode policy = EventCodec.mapper().readTree(Routing.filterPolicy(Routing.NOTIFIER_QUEUE));

        assertThat(policy.get("type")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("dbrefresh.users.applied.v1", "dbrefresh.refresh.failed.v1");
    }
}
