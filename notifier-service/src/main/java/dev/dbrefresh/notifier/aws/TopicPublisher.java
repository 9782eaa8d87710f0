package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.notifier.domain.Notification;
import jakarta.inject.Singleton;
import java.util.Map;
import dev.dbrefresh.runtime.messaging.EventPublisher;

/**
 * Publishes a run's notification to the plan's SNS topic ({@code notifications.topic-arn}) with
 * <a href="https://docs.aws.amazon.com/sns/latest/api/API_Publish.html">SNS Publish</a>: the message is
 * the {@link Notification} JSON, with message attributes {@code result} and {@code runId} (type
 * {@code String}) so subscriptions can filter, e.g. only failures. At-least-once: a redelivered event
 * publishes again, and subscribers tell duplicates apart by {@code runId} and {@code result}. The call itself is
 * {@link EventPublisher#publishToTopic}, dbrefresh's one SNS adapter.
 */
@Singleton
public class TopicPublisher {

    private final EventPublisher publisher;

    /** @param publisher the messaging layer's publisher (SNS) */
    public TopicPublisher(EventPublisher publisher) {
        this.publisher = publisher;
    }

    /**
     * @param topicArn     the topic
     * @param notification the notification
     * @return SNS's message id
     * @throws software.amazon.awssdk.services.sns.model.SnsException when SNS refuses (e.g. {@code NotFound},
     *                                                                {@code AuthorizationError}); retried by the consumer
     */
    public String publish(String topicArn, Notification notification) {
        return publisher.publishToTopic(topicArn, EventCodec.toJson(notification),
                Map.of("result", notification.result(), "runId", notification.runId()));
    }
}
