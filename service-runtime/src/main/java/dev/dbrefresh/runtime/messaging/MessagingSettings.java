package dev.dbrefresh.runtime.messaging;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code dbrefresh.messaging.*}: how this service consumes and publishes.
 */
@ConfigurationProperties("dbrefresh.messaging")
public interface MessagingSettings {

    /** @return the queue this service consumes, e.g. {@code dbrefresh-cluster} */
    String getQueue();

    /** @return this service's name, the {@code source} of its events and the consumer id of its idempotency keys */
    String getService();

    /** @return {@code local}: route by the routing table straight into the queues; {@code sns}: publish to {@link #getTopicArn()} */
    @Bindable(defaultValue = "local")
    String getMode();

    /** @return the SNS topic ARN all events are published to in {@code sns} mode */
    @Bindable(defaultValue = "")
    String getTopicArn();

    /** @return consumer worker threads, each long-polling one message at a time */
    @Bindable(defaultValue = "2")
    int getWorkers();

    /** @return long-poll wait, seconds (SQS {@code WaitTimeSeconds}, 0..20) */
    @Bindable(defaultValue = "20")
    int getWaitTimeSeconds();

    /** @return first retry delay after a handler failure, seconds; doubles per receive */
    @Bindable(defaultValue = "5")
    int getBackoffBaseSeconds();

    /** @return retry delay cap, seconds (SQS allows at most 43200) */
    @Bindable(defaultValue = "300")
    int getBackoffMaxSeconds();

    /** @return whether the consumer starts with the application (off in some tests) */
    @Bindable(defaultValue = "true")
    boolean isConsumerEnabled();
}
