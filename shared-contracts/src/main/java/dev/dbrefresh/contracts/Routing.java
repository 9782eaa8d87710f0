package dev.dbrefresh.contracts;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The routing table, defined once: which service queue receives which event types.
 *
 * <p>On AWS it becomes one SNS subscription per queue with a filter policy on the {@code type}
 * message attribute ({@link #filterPolicy(String)}); on the local stack the publisher sends straight
 * into the ElasticMQ queues named here. Every queue has a dead-letter queue named
 * {@link #dlqName(String)}.
 */
public final class Routing {

    /**
     * The SNS topic every event is published to on AWS, with a {@code type} message attribute that the
     * subscriptions' filter policies match
     * (<a href="https://docs.aws.amazon.com/sns/latest/dg/sns-create-topic.html">creating a topic</a>).
     */
    public static final String TOPIC = "dbrefresh-events";
    /** snapshot-service's queue, also the start queue that receives {@code refresh.requested}. */
    public static final String SNAPSHOT_QUEUE = "dbrefresh-snapshot";
    /** cluster-service's queue. */
    public static final String CLUSTER_QUEUE = "dbrefresh-cluster";
    /** users-service's queue. */
    public static final String USERS_QUEUE = "dbrefresh-users";
    /** notifier-service's queue. */
    public static final String NOTIFIER_QUEUE = "dbrefresh-notifier";
    /** Where notifications for people (and their tools) go on the local stack and, per plan, on AWS. */
    public static final String NOTIFICATIONS_QUEUE = "dbrefresh-notifications";

    /**
     * Visibility timeout of every service queue, seconds: the consumer's unit of work. It reads the value from
     * the queue at start, extends a running handler's visibility every half of it, and after a failure sets
     * its own backoff (SQS {@code VisibilityTimeout},
     * <a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html">visibility
     * timeout</a>).
     */
    public static final int VISIBILITY_TIMEOUT_SECONDS = 60;
    /**
     * Receives before SQS moves a message to the queue's DLQ (the redrive policy's {@code maxReceiveCount},
     * <a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html">dead-letter
     * queues</a>); the consumer reads it from the queue and publishes {@code refresh.failed} at the last receive.
     */
    public static final int MAX_RECEIVE_COUNT = 5;
    /**
     * How long a DLQ keeps a message, seconds: 14 days, the SQS maximum ({@code MessageRetentionPeriod},
     * <a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html">SetQueueAttributes</a>).
     */
    public static final int DLQ_RETENTION_SECONDS = 1_209_600;

    private static final Map<EventType, List<String>> ROUTES = new EnumMap<>(EventType.class);

    static {
        ROUTES.put(EventType.REFRESH_REQUESTED, List.of(SNAPSHOT_QUEUE));
        ROUTES.put(EventType.SNAPSHOT_COPY_POLL, List.of(SNAPSHOT_QUEUE));
        ROUTES.put(EventType.SNAPSHOT_READY, List.of(CLUSTER_QUEUE));
        ROUTES.put(EventType.CLUSTER_RESTORE_POLL, List.of(CLUSTER_QUEUE));
        ROUTES.put(EventType.CLUSTER_RESTORED, List.of(USERS_QUEUE));
        ROUTES.put(EventType.USERS_APPLIED, List.of(NOTIFIER_QUEUE));
        ROUTES.put(EventType.REFRESH_FAILED, List.of(NOTIFIER_QUEUE));
        // The outcome is for subscribers outside dbrefresh (SNS topic); no service consumes it.
        ROUTES.put(EventType.REFRESH_COMPLETED, List.of());
    }

    private Routing() {
    }

    /**
     * @param type an event type
     * @return the service queues that receive it (possibly none)
     */
    public static List<String> queuesFor(EventType type) {
        return ROUTES.get(type);
    }

    /**
     * @param queue a service queue name
     * @return the event types routed to it
     */
    public static Set<EventType> typesFor(String queue) {
        var types = java.util.EnumSet.noneOf(EventType.class);
        ROUTES.forEach((type, queues) -> {
            if (queues.contains(queue)) {
                types.add(type);
            }
        });
        return types;
    }

    /** @return the four service queues, in pipeline order */
    public static List<String> serviceQueues() {
        return List.of(SNAPSHOT_QUEUE, CLUSTER_QUEUE, USERS_QUEUE, NOTIFIER_QUEUE);
    }

    /**
     * @param queue a queue name
     * @return its dead-letter queue's name
     */
    public static String dlqName(String queue) {
        return queue + "-dlq";
    }

    /**
     * The SNS subscription filter policy for a service queue
     * (<a href="https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html">SNS
     * filter policies</a>), matching the {@code type} message attribute.
     *
     * @param queue a service queue name
     * @return JSON such as {@code {"type":["dbrefresh.snapshot.ready.v1"]}}
     */
    public static String filterPolicy(String queue) {
        var names = typesFor(queue).stream().map(t -> "\"" + t.typeName() + "\"").toList();
        return "{\"type\":[" + String.join(",", names) + "]}";
    }
}
