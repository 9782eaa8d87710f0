package dev.dbrefresh.runtime.testing;

import dev.dbrefresh.runtime.messaging.MessagingSettings;

/**
 * Messaging settings of a consumer built by a test without a Micronaut context: local routing, a
 * 1-second long poll and a backoff of 1 second doubling to at most {@code backoffMaxSeconds}.
 *
 * @param queue             the queue consumed
 * @param service           the service name (event source, idempotency consumer id)
 * @param workers           worker threads
 * @param backoffMaxSeconds retry delay cap, seconds
 */
public record TestMessagingSettings(String queue, String service, int workers, int backoffMaxSeconds)
        implements MessagingSettings {

    @Override
    public String getQueue() {
        return queue;
    }

    @Override
    public String getService() {
        return service;
    }

    @Override
    public String getMode() {
        return "local";
    }

    @Override
    public String getTopicArn() {
        return "";
    }

    @Override
    public int getWorkers() {
        return workers;
    }

    @Override
    public int getWaitTimeSeconds() {
        return 1;
    }

    @Override
    public int getBackoffBaseSeconds() {
        return 1;
    }

    @Override
    public int getBackoffMaxSeconds() {
        return backoffMaxSeconds;
    }

    @Override
    public boolean isConsumerEnabled() {
        return true;
    }
}
