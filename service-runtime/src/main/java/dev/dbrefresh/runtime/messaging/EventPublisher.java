package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import jakarta.inject.Singleton;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Publishes events. In {@code sns} mode every event goes to one SNS topic with a {@code type} message
 * attribute, and the service queues receive what their subscription filter policies select
 * ({@link Routing#filterPolicy(String)}); in {@code local} mode the same routing table sends the event
 * straight into the ElasticMQ queues. Delayed self-messages always go straight to a queue: SNS has no
 * delivery delay. The reliability suite can make the sends to the service queues duplicated, delayed and out of
 * order ({@link FaultyDelivery}, off by default).
 */
@Singleton
public class EventPublisher {

    /** SQS caps {@code DelaySeconds} at 900 (15 minutes). */
    public static final int MAX_DELAY_SECONDS = 900;

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final SqsClient sqs;
    private final SnsClient sns;
    private final QueueUrls queueUrls;
    private final MessagingSettings settings;
    private final FaultyDelivery faults;

    /**
     * A publisher without fault injection.
     *
     * @param sqs       SQS client
     * @param sns       SNS client
     * @param queueUrls queue URL cache
     * @param settings  messaging settings
     */
    public EventPublisher(SqsClient sqs, SnsClient sns, QueueUrls queueUrls, MessagingSettings settings) {
        this(sqs, sns, queueUrls, settings, FaultyDelivery.OFF);
    }

    /**
     * The bean.
     *
     * @param sqs       SQS client
     * @param sns       SNS client
     * @param queueUrls queue URL cache
     * @param settings  messaging settings
     * @param faults    the reliability suite's fault injection on sends to the service queues (off unless
     *                  configured, see {@link FaultyDelivery})
     */
    @jakarta.inject.Inject
    public EventPublisher(SqsClient sqs, SnsClient sns, QueueUrls queueUrls, MessagingSettings settings,
            FaultyDelivery faults) {
        this.sqs = sqs;
        this.sns = sns;
        this.queueUrls = queueUrls;
        this.settings = settings;
        this.faults = faults;
    }

    /**
     * Publishes an event to every consumer of its type.
     *
     * @param event the event
     * @throws software.amazon.awssdk.core.exception.SdkException when SQS/SNS refuse it (the caller's
     *                                                            handler fails and is retried)
     */
    public void publish(EventEnvelope event) {
        String body = EventCodec.encode(event);
        if ("sns".equals(settings.getMode())) {
            publishToTopic(settings.getTopicArn(), body, Map.of("type", event.type()));
            return;
        }
        EventType type = EventType.fromTypeName(event.type()).orElseThrow();
        for (String queue : Routing.queuesFor(type)) {
            send(queue, body, event.id(), event.type(), 0);
        }
        LOG.debug("published {} {} for run {}", event.type(), event.id(), event.runId());
    }

    /**
     * Sends an event to one queue after a delay: the wait of a long step lives in the queue, not in a
     * thread, so a restart loses nothing.
     *
     * @param queue        queue name
     * @param event        the event (usually a poll message)
     * @param delaySeconds delay in seconds, clamped to 0..{@value #MAX_DELAY_SECONDS}
     */
    public void sendDelayed(String queue, EventEnvelope event, int delaySeconds) {
        send(queue, EventCodec.encode(event), event.id(), event.type(),
                Math.max(0, Math.min(MAX_DELAY_SECONDS, delaySeconds)));
    }

    /**
     * Publishes a body to an SNS topic with
     * <a href="https://docs.aws.amazon.com/sns/latest/api/API_Publish.html">SNS Publish</a>: the one place dbrefresh
     * calls SNS (the events' topic, and the plans' notification topics).
     *
     * @param topicArn   the topic's ARN
     * @param body       message body
     * @param attributes message attributes, all of data type {@code String} (what subscriptions filter on)
     * @return SNS's message id
     * @throws software.amazon.awssdk.services.sns.model.SnsException when SNS refuses (e.g. {@code NotFound},
     *                                                                {@code AuthorizationError})
     */
    public String publishToTopic(String topicArn, String body, Map<String, String> attributes) {
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> attrs = new java.util.TreeMap<>();
        attributes.forEach((k, v) -> attrs.put(k, software.amazon.awssdk.services.sns.model.MessageAttributeValue
                .builder().dataType("String").stringValue(v).build()));
        return sns.publish(r -> r.topicArn(topicArn).message(body).messageAttributes(attrs)).messageId();
    }

    /**
     * Sends a raw body to a queue (notifications, dead letters).
     *
     * @param queue      queue name
     * @param body       message body
     * @param attributes string message attributes
     */
    public void sendRaw(String queue, String body, Map<String, String> attributes) {
        Map<String, MessageAttributeValue> attrs = new java.util.HashMap<>();
        attributes.forEach((k, v) -> attrs.put(k, MessageAttributeValue.builder().dataType("String").stringValue(v).build()));
        sqs.sendMessage(r -> r.queueUrl(queueUrls.url(queue)).messageBody(body).messageAttributes(attrs));
    }

    private void send(String queue, String body, String eventId, String type, int delaySeconds) {
        for (int delay : faults.copies(queue, eventId, type, delaySeconds)) {
            sqs.sendMessage(r -> r.queueUrl(queueUrls.url(queue)).messageBody(body).delaySeconds(delay)
                    .messageAttributes(Map.of("type", MessageAttributeValue.builder().dataType("String")
                            .stringValue(type).build())));
        }
    }
}
