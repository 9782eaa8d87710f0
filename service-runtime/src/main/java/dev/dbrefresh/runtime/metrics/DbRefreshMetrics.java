package dev.dbrefresh.runtime.metrics;

import dev.dbrefresh.runtime.plan.PlanCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metrics an operator watches, in Micrometer and exported by Micronaut's {@code /prometheus} endpoint (Prometheus
 * names: dots become underscores, counters end in {@code _total}, timers in {@code _seconds}). Every tag value is
 * from a closed set (queue names of the routing table, known event types, {@code ErrorCode}s, {@code StepName}s,
 * engine ids, the plans file's plan names), so no message can grow the number of series.
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #RECEIVED}</td><td>queue, type</td><td>SQS messages received (type {@value #UNKNOWN} when
 *       not a known event)</td></tr>
 *   <tr><td>{@value #HANDLED}</td><td>queue, type</td><td>handlers that returned (the message was deleted)</td></tr>
 *   <tr><td>{@value #FAILED}</td><td>queue, type, error_code</td><td>handler attempts that threw (backed off or
 *       given up)</td></tr>
 *   <tr><td>{@value #REDELIVERED}</td><td>queue, type</td><td>deliveries after the first (receive count above 1,
 *       or a takeover of an interrupted attempt)</td></tr>
 *   <tr><td>{@value #DUPLICATES}</td><td>queue, type, outcome</td><td>deliveries dropped as duplicates
 *       ({@code completed}) or deferred while another delivery works ({@code in_progress})</td></tr>
 *   <tr><td>{@value #DEAD_LETTERED}</td><td>queue, type, reason</td><td>messages sent to the DLQ by the consumer
 *       ({@code malformed}, {@code rejected}) or given up on for SQS to move there ({@code exhausted})</td></tr>
 *   <tr><td>{@value #STEP_DURATION}</td><td>engine, step, outcome</td><td>step durations (histogram, buckets
 *       1 s to 4 h)</td></tr>
 *   <tr><td>{@value #RUNS_COMPLETED}</td><td>plan</td><td>runs that published {@code refresh.completed}</td></tr>
 *   <tr><td>{@value #RUNS_FAILED}</td><td>plan, error_code</td><td>{@code refresh.failed} published</td></tr>
 *   <tr><td>{@value #LEASE_REFUSED}</td><td>plan, error_code</td><td>runs refused for their target's lease
 *       ({@code TARGET_BUSY}: held by another run; {@code LEASE_LOST}): a run never waits for a lease, it ends</td></tr>
 *   <tr><td>{@value #INTERRUPTED}</td><td>queue, type</td><td>attempts found interrupted (worker killed) and
 *       resumed</td></tr>
 *   <tr><td>{@value AwsCallMetrics#AWS_CALLS}</td><td>service, operation, outcome</td><td>AWS SDK calls of every
 *       client of the process ({@link AwsCallMetrics})</td></tr>
 * </table>
 */
@Singleton
public class DbRefreshMetrics {

    /** Meter name. */
    public static final String RECEIVED = "dbrefresh.messages.received";
    /** Meter name. */
    public static final String HANDLED = "dbrefresh.messages.handled";
    /** Meter name. */
    public static final String FAILED = "dbrefresh.messages.failed";
    /** Meter name. */
    public static final String REDELIVERED = "dbrefresh.messages.redelivered";
    /** Meter name. */
    public static final String DUPLICATES = "dbrefresh.messages.duplicates";
    /** Meter name. */
    public static final String DEAD_LETTERED = "dbrefresh.messages.dead.lettered";
    /** Meter name. */
    public static final String INTERRUPTED = "dbrefresh.attempts.interrupted";
    /** Meter name. */
    public static final String STEP_DURATION = "dbrefresh.step.duration";
    /** Meter name. */
    public static final String RUNS_COMPLETED = "dbrefresh.runs.completed";
    /** Meter name. */
    public static final String RUNS_FAILED = "dbrefresh.runs.failed";
    /** Meter name. */
    public static final String LEASE_REFUSED = "dbrefresh.lease.refused";
    /** Tag value for what is not a known event type, engine or plan. */
    public static final String UNKNOWN = "unknown";

    /** Why a message went to the DLQ: the {@code reason} tag of {@link #DEAD_LETTERED}. */
    public enum DeadLetterReason {
        /** not an event of a type consumed here */
        MALFORMED,
        /** an event that does not fit its plan */
        REJECTED,
        /** failed on every receive the redrive policy allows */
        EXHAUSTED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Metrics kept in a registry of their own that nothing exports (tests, tools without Micronaut). */
    public static final DbRefreshMetrics NONE = new DbRefreshMetrics(new SimpleMeterRegistry(), null, false);

    /** Step buckets: from a second (a parameter write) to hours (a cluster restore). */
    private static final Duration[] STEP_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4)};

    private final MeterRegistry registry;
    private final BeanProvider<PlanCatalog> plans;
    private final Map<String, String> engines = new ConcurrentHashMap<>();
    private final boolean global;

    /**
     * The bean: on Micronaut's registry, which it also adds to Micrometer's global registry so that
     * {@link AwsCallMetrics} (created by the AWS SDK, not by Micronaut) counts into it. With metrics switched off
     * ({@code micronaut.metrics.enabled=false}: no registry bean) the meters go to a registry nothing exports.
     *
     * @param registry Micronaut's meter registry, or {@code null} when metrics are off
     * @param plans    the plans file, for a plan's engine (the {@code engine} tag); may be unresolvable in tests
     */
    @jakarta.inject.Inject
    public DbRefreshMetrics(@Nullable MeterRegistry registry, BeanProvider<PlanCatalog> plans) {
        this(registry == null ? new SimpleMeterRegistry() : registry, plans, registry != null);
    }

    private DbRefreshMetrics(MeterRegistry registry, BeanProvider<PlanCatalog> plans, boolean global) {
        this.registry = registry;
        this.plans = plans;
        this.global = global;
        if (global) {
            Metrics.addRegistry(registry);
        }
    }

    /** Takes this registry out of Micrometer's global one when the context closes. */
    @PreDestroy
    void close() {
        if (global) {
            Metrics.removeRegistry(registry);
        }
    }

    /** @return the registry the meters are in */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * @param queue queue name
     * @param type  event type name, or {@link #UNKNOWN}
     */
    public void received(String queue, String type) {
        count(RECEIVED, "queue", queue, "type", type);
    }

    /**
     * @param queue queue name
     * @param type  event type name
     */
    public void handled(String queue, String type) {
        count(HANDLED, "queue", queue, "type", type);
    }

    /**
     * @param queue     queue name
     * @param type      event type name
     * @param errorCode the failure's error code ({@code ErrorCodes.of})
     */
    public void failed(String queue, String type, String errorCode) {
        count(FAILED, "queue", queue, "type", type, "error_code", errorCode);
    }

    /**
     * @param queue queue name
     * @param type  event type name
     */
    public void redelivered(String queue, String type) {
        count(REDELIVERED, "queue", queue, "type", type);
    }

    /**
     * @param queue     queue name
     * @param type      event type name
     * @param completed whether the event was handled before ({@code completed}), else another delivery works on it
     *                  ({@code in_progress})
     */
    public void duplicate(String queue, String type, boolean completed) {
        count(DUPLICATES, "queue", queue, "type", type, "outcome", completed ? "completed" : "in_progress");
    }

    /**
     * @param queue  queue name
     * @param type   event type name, or {@link #UNKNOWN}
     * @param reason why
     */
    public void deadLettered(String queue, String type, DeadLetterReason reason) {
        count(DEAD_LETTERED, "queue", queue, "type", type, "reason", reason.tag());
    }

    /**
     * @param queue queue name
     * @param type  event type name
     */
    public void interrupted(String queue, String type) {
        count(INTERRUPTED, "queue", queue, "type", type);
    }

    /**
     * @param plan      plan name (its engine becomes the {@code engine} tag)
     * @param step      step id ({@code StepName.id()}, never a per-instance id)
     * @param succeeded whether the step returned
     * @param duration  how long it took
     */
    public void step(String plan, String step, boolean succeeded, Duration duration) {
        Timer.builder(STEP_DURATION).description("duration of a step of a refresh")
                .tags("engine", engineOf(plan), "step", step, "outcome", succeeded ? "succeeded" : "failed")
                .serviceLevelObjectives(STEP_BUCKETS).register(registry).record(duration);
    }

    /** @param plan plan name */
    public void runCompleted(String plan) {
        count(RUNS_COMPLETED, "plan", planTag(plan));
    }

    /**
     * @param plan      plan name
     * @param errorCode the run's error code
     */
    public void runFailed(String plan, String errorCode) {
        count(RUNS_FAILED, "plan", planTag(plan), "error_code", errorCode);
    }

    /**
     * @param plan      plan name
     * @param errorCode {@code TARGET_BUSY} or {@code LEASE_LOST}
     */
    public void leaseRefused(String plan, String errorCode) {
        count(LEASE_REFUSED, "plan", planTag(plan), "error_code", errorCode);
    }

    private void count(String name, String... tags) {
        Counter.builder(name).tags(tags).register(registry).increment();
    }

    /** @return the plan's name when the plans file has it, else {@link #UNKNOWN} (a message may name anything) */
    private String planTag(String plan) {
        return UNKNOWN.equals(engineOf(plan)) ? UNKNOWN : plan;
    }

    private String engineOf(String plan) {
        if (plan == null || plans == null) {
            return UNKNOWN;
        }
        return engines.computeIfAbsent(plan, p -> {
            try {
                return plans.find(null).flatMap(c -> c.find(p)).map(r -> r.engineType().id()).orElse(UNKNOWN);
            } catch (RuntimeException unreadable) {
                return UNKNOWN;
            }
        });
    }
}
