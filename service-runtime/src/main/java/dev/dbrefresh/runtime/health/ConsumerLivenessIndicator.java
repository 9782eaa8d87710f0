package dev.dbrefresh.runtime.health;

import dev.dbrefresh.runtime.messaging.SqsConsumer;
import io.micronaut.management.health.indicator.annotation.Liveness;
import jakarta.inject.Singleton;
import java.util.Map;

/** Liveness: the consumer's workers are polling (a stuck process is restarted by Kubernetes). */
@Singleton
@Liveness
public class ConsumerLivenessIndicator extends BoundedHealthIndicator {

    private final SqsConsumer consumer;

    /** @param consumer this service's consumer */
    public ConsumerLivenessIndicator(SqsConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    protected String name() {
        return "consumer";
    }

    @Override
    protected Map<String, Object> check() {
        if (!consumer.isHealthy()) {
            throw new IllegalStateException("consumer workers have not polled recently");
        }
        return Map.of("polling", true);
    }
}
