package dev.dbrefresh.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code micronaut.metrics.enabled=false} a service still starts: the meters go to a registry nothing exports. */
class MetricsOffTest {

    @Test
    void metrics_shouldStillBeCountable_whenMicronautMetricsAreSwitchedOff() {
        // a consumer that does not start: nothing here talks to AWS
        try (ApplicationContext ctx = ApplicationContext.run(Map.of("micronaut.metrics.enabled", "false",
                "dbrefresh.messaging.queue", "dbrefresh-cluster", "dbrefresh.messaging.service", "metrics-off-test",
                "dbrefresh.messaging.consumer-enabled", "false", "dbrefresh.parameters.backend", "ssm"))) {
            assertThat(ctx.findBean(MeterRegistry.class)).isEmpty();
            DbRefreshMetrics metrics = ctx.getBean(DbRefreshMetrics.class);

            metrics.received("dbrefresh-cluster", DbRefreshMetrics.UNKNOWN);

            assertThat(metrics.registry().get(DbRefreshMetrics.RECEIVED).counter().count()).isEqualTo(1.0);
        }
    }
}
