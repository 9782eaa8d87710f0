package dev.dbrefresh.notifier.domain;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.RefreshCompleted;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.notifier.aws.AfterRefreshActions;
import dev.dbrefresh.notifier.aws.TopicPublisher;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.runtime.messaging.ErrorCodes;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.PlanException;
import dev.dbrefresh.runtime.plan.PlanResolver;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a run: on success runs the plan's {@link AfterRefreshActions} (endpoint parameter, pipeline,
 * snapshot retention) and publishes {@code refresh.completed}; on success or failure sends the
 * notification (JSON {@link Notification}) to the plan's notification queue and, where the plan names one,
 * its SNS topic ({@link TopicPublisher}), writes a log line, and releases the run's lease on the target.
 * A failure of an unknown plan goes to {@value Routing#NOTIFICATIONS_QUEUE}.
 */
@Singleton
public class NotifyStep {

    private static final Logger LOG = LoggerFactory.getLogger(NotifyStep.class);

    private final PlanResolver plans;
    private final EventPublisher publisher;
    private final AuditLog audit;
    private final LeaseStore leases;
    private final TopicPublisher topics;
    private final AfterRefreshActions actions;

    /**
     * @param plans     refresh plans
     * @param publisher publisher (notification queue)
     * @param audit     audit log (the steps in the notification)
     * @param leases    target leases
     * @param topics    SNS topic publisher
     * @param actions   what a plan asks for after a successful refresh
     */
    public NotifyStep(PlanResolver plans, EventPublisher publisher, AuditLog audit, LeaseStore leases,
            TopicPublisher topics, AfterRefreshActions actions) {
        this.plans = plans;
        this.publisher = publisher;
        this.audit = audit;
        this.leases = leases;
        this.topics = topics;
        this.actions = actions;
    }

    /**
     * @param applied the users-applied event
     * @param ctx     audit and publishing of this delivery
     * @throws Exception when the notification cannot be sent (retried)
     */
    public void completed(UsersApplied applied, StepContext ctx) throws Exception {
        Optional<RefreshPlan> plan = plan(applied.plan(), ctx);
        if (applied.dryRun()) {
            String message = "dry-run of plan " + applied.plan() + " completed: every read and check passed, nothing"
                    + " was changed; the calls a refresh would make are the 'planned' steps of run " + ctx.runId();
            ctx.step(StepName.NOTIFY, () -> send(plan, new Notification(ctx.runId(), applied.plan(), "dry-run",
                    applied.snapshotId(), applied.endpoint(), 0, List.of(), null, null, message, false,
                    steps(audit.entries(ctx.runId())), Instant.now(), null)), q -> "sent to " + q);
            return;
        }
        if (plan.isPresent()) {
            actions.run(plan.get(), applied, ctx);
        }
        // The run's audit log is read once, within the step: composing the message is the notify step's work.
        ctx.step(StepName.NOTIFY, () -> {
            List<AuditEntry> entries = audit.entries(ctx.runId());
            String message = "refresh of plan " + applied.plan() + " succeeded: " + applied.endpoint() + " restored"
                    + " from " + applied.snapshotId() + ", " + applied.rowsVerified() + " rows in "
                    + applied.tablesVerified() + " tables verified (every table's count: audit log of run " + ctx.runId()
                    + ", step verify-counts)" + safety(entries);
            return send(plan, new Notification(ctx.runId(), applied.plan(), "succeeded", applied.snapshotId(),
                    applied.endpoint(), applied.rowsVerified(), applied.verified(), null, null, message, true,
                    steps(entries), Instant.now(), null));
        }, q -> "sent to " + q);
        ctx.publish(new RefreshCompleted(applied.plan(), applied.snapshotId(), applied.endpoint(), applied.rowsVerified()));
        leases.releaseRun(ctx.runId());
    }

    /**
     * @param failed the failure event
     * @param ctx    audit and publishing of this delivery
     * @throws Exception when the notification cannot be sent (retried)
     */
    public void failed(RefreshFailed failed, StepContext ctx) throws Exception {
        Optional<RefreshPlan> plan = plan(failed.plan(), ctx);
        // Before the message is written: the old target is renamed back where it can be, and the
        // notification says what exists now.
        String state = plan.map(p -> actions.afterFailure(p, ctx.runId(), ctx)).orElse(null);
        String message = "refresh of plan " + failed.plan() + " failed in " + failed.service() + " step " + failed.step()
                + " (" + failed.errorCode() + "): " + failed.message()
                + (failed.changed() ? " [the target was changed]" : " [nothing was changed]")
                + (state == null ? "" : " [now: " + state + "]");
        ctx.step(StepName.NOTIFY_FAILURE, () -> send(plan, new Notification(ctx.runId(), failed.plan(), "failed", null,
                null, 0, List.of(), failed.step(), failed.errorCode(), message, failed.changed(),
                steps(audit.entries(ctx.runId())), Instant.now(), state)), q -> "sent to " + q);
        // Only the run that holds the lease frees it: a refused second run leaves the first one's lease alone.
        // By run id, so the target need not be reachable to be released.
        leases.releaseRun(ctx.runId());
    }

    /**
     * The failure notification could not be sent on any delivery the queue's redrive policy allows: the
     * run ends without it. Releases the run's lease on the target (else the next run would be refused as
     * {@code TARGET_BUSY} until the lease expires) and records in the audit log, as step
     * {@code release-lease}, that the notification was not sent and the lease was released. The rule: the
     * failure path cannot loop and must free the target (issue 7, property 11).
     *
     * @param failed  the failure event whose notification failed
     * @param ctx     audit of this (last) delivery
     * @param failure what the last attempt to send threw
     * @throws Exception when the lease cannot be released (recorded as the step's failure)
     */
    public void failureUndeliverable(RefreshFailed failed, StepContext ctx, Exception failure) throws Exception {
        Optional<RefreshPlan> plan = plan(failed.plan(), ctx);
        String channel = plan.map(RefreshPlan::notificationQueue).orElse(Routing.NOTIFICATIONS_QUEUE)
                + plan.map(RefreshPlan::notifications).map(s -> s.topicArn()).map(t -> " / " + t).orElse("");
        String why = "the failure notification (" + failed.errorCode() + " in " + failed.service() + " step "
                + failed.step() + ") could not be sent to " + channel + ": " + ErrorCodes.describe(failure);
        ctx.step(StepName.RELEASE_LEASE, () -> {
            int released = leases.releaseRun(ctx.runId());
            return why + "; " + (released == 0 ? "the run held no lease" : "the run's lease on "
                    + plan.map(RefreshPlan::targetId).orElse("its target") + " was released");
        }, d -> d);
        LOG.error("run {}: {}", ctx.runId(), why);
    }

    private String send(Optional<RefreshPlan> plan, Notification n) {
        String queue = plan.map(RefreshPlan::notificationQueue).orElse(Routing.NOTIFICATIONS_QUEUE);
        publisher.sendRaw(queue, EventCodec.toJson(n), Map.of("result", n.result(), "runId", n.runId()));
        String topic = plan.map(RefreshPlan::notifications).map(s -> s.topicArn()).orElse(null);
        if (topic != null) {
            topics.publish(topic, n);
        }
        LOG.info("run {}: {}", n.runId(), n.message());
        return topic == null ? queue : queue + " and " + topic;
    }

    /** The steps that made the copy safe before the swap, in run order. */
    private static final List<StepName> SAFETY_STEPS = List.of(StepName.ISOLATE, StepName.VERIFY_CHECKSUMS,
            StepName.SANITIZE, StepName.VERIFY_MASKS, StepName.ANALYZE);
    /** Longest part of one safety step in the message, characters; the audit log has all of it. */
    private static final int SAFETY_DETAILS_CHARS = 600;

    /**
     * @param entries the run's audit entries
     * @return {@code ; before the swap: isolate: ...; verify-checksums: ...; sanitize: ...} from the run's audit log
     *         (succeeded and skipped safety steps), or empty when the engine has none
     */
    private static String safety(List<AuditEntry> entries) {
        List<String> parts = entries.stream()
                .filter(e -> e.is(AuditStatus.SUCCEEDED) || e.is(AuditStatus.SKIPPED))
                .filter(e -> SAFETY_STEPS.stream().anyMatch(e::isStep))
                .map(e -> e.step() + ": " + (e.details() == null ? "" : e.details().length() <= SAFETY_DETAILS_CHARS
                        ? e.details() : e.details().substring(0, SAFETY_DETAILS_CHARS) + "..."))
                .toList();
        return parts.isEmpty() ? "" : "; before the swap: " + String.join("; ", parts);
    }

    /** @return the run's transitions for the notification: every audit entry but {@code started} and {@code recorded} */
    private static List<String> steps(List<AuditEntry> entries) {
        return entries.stream()
                .filter(e -> !e.is(AuditStatus.STARTED) && !e.is(AuditStatus.RECORDED))
                .map(e -> e.service() + "/" + e.step() + " " + e.status() + " " + e.durationMs() + "ms")
                .toList();
    }

    /**
     * The run's plan with its values; where they are not acceptable (the run has failed for that
     * already), the plans file's plan: reporting an outcome must never fail a run again.
     */
    private Optional<RefreshPlan> plan(String name, StepContext ctx) {
        try {
            return plans.resolve(name, ctx.planValues()).map(PlanResolver.Resolved::plan);
        } catch (PlanException e) {
            return plans.catalog().find(name);
        }
    }
}
