package dev.dbrefresh.snapshot.trigger;

import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.scheduling.cron.CronExpression;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's scheduler (on AWS, EventBridge Scheduler sends the same start message; see
 * docs/aws.md): for every plan with {@code triggers.schedule.cron}, publishes one
 * {@code refresh.requested} per occurrence of the cron expression in the plan's time zone.
 *
 * <ul>
 *   <li>Exactly once per occurrence: the start message's id is {@code schedule-<plan>-<occurrence epoch
 *       seconds>} and its run id {@code sched-<plan>-<yyyyMMdd-HHmm>} (UTC), so a second scheduler (another
 *       replica, a restart within the same minute) publishes a duplicate that the idempotency check drops.</li>
 *   <li>Never two runs at once for a target: an occurrence while another run holds the target's lease
 *       publishes nothing (it is logged as skipped).</li>
 *   <li>Occurrences are looked for between the previous tick and now; the first tick after a start looks
 *       back one tick interval only (missed occurrences while nothing ran are not replayed).</li>
 * </ul>
 * On by {@code dbrefresh.scheduler.enabled=true} (application-local.yml).
 */
@Singleton
@Requires(property = "dbrefresh.scheduler.enabled", value = "true")
public class PlanScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(PlanScheduler.class);
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);
    private static final long TICK_SECONDS = 30;

    private final PlanCatalog plans;
    private final LeaseStore leases;
    private final PlanIdentities identities;
    private final EventPublisher publisher;
    private final Clock clock;
    private Instant lastTick;

    /**
     * @param plans     refresh plans
     * @param leases     target leases
     * @param identities target identities, the lease keys
     * @param publisher  publisher of start messages
     */
    @Inject
    public PlanScheduler(PlanCatalog plans, LeaseStore leases, PlanIdentities identities, EventPublisher publisher) {
        this(plans, leases, identities, publisher, Clock.systemUTC());
    }

    /**
     * @param plans     refresh plans
     * @param leases     target leases
     * @param identities target identities, the lease keys
     * @param publisher  publisher of start messages
     * @param clock      the time source (tests move it by hand)
     */
    public PlanScheduler(PlanCatalog plans, LeaseStore leases, PlanIdentities identities, EventPublisher publisher,
            Clock clock) {
        this.plans = plans;
        this.leases = leases;
        this.identities = identities;
        this.publisher = publisher;
        this.clock = clock;
    }

    /** Runs every 30 seconds. */
    @Scheduled(fixedDelay = "30s", initialDelay = "5s")
    void tick() {
        fire();
    }

    /**
     * Publishes the start messages of every occurrence since the previous call.
     *
     * @return the run ids started
     */
    public synchronized List<String> fire() {
        Instant now = clock.instant();
        Instant since = lastTick == null ? now.minusSeconds(TICK_SECONDS) : lastTick;
        lastTick = now;
        List<String> started = new ArrayList<>();
        for (RefreshPlan plan : plans.all().values()) {
            if (plan.triggers().cron() == null) {
                continue;
            }
            ZoneId zone = plan.triggers().timeZone() == null ? ZoneOffset.UTC : ZoneId.of(plan.triggers().timeZone());
            CronExpression cron = CronExpression.create(plan.triggers().cron());
            ZonedDateTime occurrence = cron.nextTimeAfter(since.atZone(zone));
            while (!occurrence.toInstant().isAfter(now)) {
                start(plan, occurrence.toInstant()).ifPresent(started::add);
                occurrence = cron.nextTimeAfter(occurrence);
            }
        }
        return started;
    }

    private java.util.Optional<String> start(RefreshPlan plan, Instant occurrence) {
        java.util.Optional<String> holder;
        try {
            holder = leases.holder(identities.targetKey(plan));
        } catch (dev.dbrefresh.runtime.plan.PlanIdentities.IdentityUnavailableException e) {
            // The run itself takes the lease, or fails with TARGET_BUSY; a scheduler cannot decide more here.
            LOG.warn("schedule of plan {} at {}: could not ask the target its identity ({}); starting the run, which"
                    + " takes the lease itself", plan.name(), occurrence, e.getMessage());
            holder = java.util.Optional.empty();
        }
        if (holder.isPresent()) {
            LOG.info("schedule of plan {} at {} skipped: run {} is refreshing {}", plan.name(), occurrence, holder.get(),
                    plan.targetId());
            return java.util.Optional.empty();
        }
        String runId = "sched-" + plan.name() + "-" + RUN_TIME.format(occurrence);
        EventEnvelope created = EventEnvelope.create("dbrefresh/scheduler", runId, null,
                new RefreshRequested(plan.name(), null, null, false, "schedule"), occurrence);
        publisher.publish(created.withId("schedule-" + plan.name() + "-"
                + occurrence.getEpochSecond()));
        LOG.info("schedule of plan {} at {}: started run {}", plan.name(), occurrence, runId);
        return java.util.Optional.of(runId);
    }
}
