package dev.dbrefresh.runtime.health;

import dev.dbrefresh.runtime.messaging.MessagingSettings;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Readiness: this service's queue exists and answers. */
@Singleton
@Readiness
public class SqsHealthIndicator extends BoundedHealthIndicator {

    private final SqsClient sqs;
    private final MessagingSettings settings;

    /**
     * @param sqs      the health SQS client (short timeouts, no retries)
     * @param settings messaging settings (the queue name)
     */
    public SqsHealthIndicator(@Named("health") SqsClient sqs, MessagingSettings settings) {
        this.sqs = sqs;
        this.settings = settings;
    }

    @Override
    protected String name() {
        return "sqs";
    }

    @Override
    protected Map<String, Object> check() {
        String url = sqs.getQueueUrl(r -> r.queueName(settings.getQueue())).queueUrl();
        return Map.of("queue", settings.getQueue(), "url", url);
    }
}
