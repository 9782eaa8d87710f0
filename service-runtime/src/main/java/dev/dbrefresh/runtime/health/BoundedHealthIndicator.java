package dev.dbrefresh.runtime.health;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;

/**
 * A health check that always answers within {@link #TIMEOUT_MS} milliseconds: a dependency that
 * does not answer in time is reported DOWN. Kubernetes probes time out after 1 s by default.
 */
public abstract class BoundedHealthIndicator implements HealthIndicator {

    /** Upper bound of one check, milliseconds. */
    public static final long TIMEOUT_MS = 700;

    private static final ExecutorService CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "health-check");
        t.setDaemon(true);
        return t;
    });

    /** @return the indicator's name in the health response */
    protected abstract String name();

    /**
     * Runs the check.
     *
     * @return details to show when UP
     * @throws Exception when the dependency is not usable
     */
    protected abstract Map<String, Object> check() throws Exception;

    @Override
    public Publisher<HealthResult> getResult() {
        CompletableFuture<HealthResult> result = CompletableFuture.supplyAsync(() -> {
            try {
                return HealthResult.builder(name(), HealthStatus.UP).details(check()).build();
            } catch (Exception e) {
                return HealthResult.builder(name(), HealthStatus.DOWN)
                        .details(Map.of("error", String.valueOf(e.getMessage()))).build();
            }
        }, CHECKS).completeOnTimeout(HealthResult.builder(name(), HealthStatus.DOWN)
                .details(Map.of("error", "no answer within " + TIMEOUT_MS + " ms")).build(), TIMEOUT_MS, TimeUnit.MILLISECONDS);
        return Publishers.fromCompletableFuture(result);
    }
}
