package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.notifier.domain.Notification;
import jakarta.inject.Singleton;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Publishes a run's notification to the plan's SNS topic ({@code notifications.topic-arn}) with
 * <a href="https://docs.aws.amazon.com/sns/latest/api/API_Publish.html">SNS Publish</a>: the message is
 * the {@link Notification} JSON, with message attributes {@code result} and {@code runId} (type
 * {@code String}) so subscriptions can filter, e.g. only failures. At-least-once: a redelivered event
 * publishes again, and subscribers tell duplicates apart by {@code runId} and {@code result}.
 */
@Singleton
public class TopicPublisher {

    private final SnsClient sns;

    /** @param sns the SNS client */
    public TopicPublisher(SnsClient sns) {
        this.sns = sns;
    }

    /**
     * @param topicArn     the topic
     * @param notification the notification
     * @return SNS's message id
     * @throws software.amazon.awssdk.services.sns.model.SnsException when SNS refuses (e.g. {@code NotFound},
     *                                                                {@code AuthorizationError}); retried by the consumer
     */
    public String publish(String topicArn, Notification notification) {
        return sns.publish(r -> r.topicArn(topicArn).message(EventCodec.toJson(notification))
                .messageAttributes(Map.of(
                        "result", MessageAttributeValue.builder().dataType("String").stringValue(notification.result()).build(),
                        "runId", MessageAttributeValue.builder().dataType("String").stringValue(notification.runId()).build())))
                .messageId();
    }
}
