package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshCompleted;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.metrics.DbRefreshMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * What a handler uses while handling one delivery of one event: steps written to the audit log,
 * events published with the right correlation and causation ids, and domain failures reported as
 * {@code refresh.failed}.
 *
 * <p>Steps are {@link StepName}s and failures {@link ErrorCode}s; the audit log and {@code refresh.failed} carry
 * their wire strings ({@link StepName#id()}, {@link ErrorCode#code()}).
 */
public class StepContext {

    /** Longest failure message carried by {@code refresh.failed}, characters; the audit log keeps more. */
    public static final int MAX_FAILURE_MESSAGE_CHARS = 4_000;

    private final EventEnvelope envelope;
    private final String plan;
    private final String service;
    private final int attempt;
    private final AuditLog audit;
    private final EventPublisher publisher;
    private final Clock clock;
    private final DbRefreshMetrics metrics;
    private volatile StepName currentStep;
    private volatile String currentStepId;
    private volatile boolean changed;
    private volatile boolean failed;
    private volatile Runnable keepAlive = () -> { };
    private volatile java.util.function.Consumer<String> stepListener = id -> { };
    /** Waits until the step changes told to {@link #stepListener} are recorded; run before a fault-injection hold. */
    private volatile Runnable stepRecorded = () -> { };
    private volatile FaultInjection faults = FaultInjection.fromEnvironment();

    /**
     * @param envelope  the event being handled
     * @param plan      its plan
     * @param service   this service's name
     * @param attempt   SQS receive count of this delivery (1 for the first)
     * @param audit     audit log
     * @param publisher event publisher
     * @param clock     clock
     */
    public StepContext(EventEnvelope envelope, String plan, String service, int attempt, AuditLog audit,
            EventPublisher publisher, Clock clock) {
        this(envelope, plan, service, attempt, audit, publisher, clock, DbRefreshMetrics.NONE);
    }

    /**
     * @param envelope  the event being handled
     * @param plan      its plan
     * @param service   this service's name
     * @param attempt   this delivery's attempt number (the SQS receive count, or after an interrupted attempt the
     *                  one after it), 1 for the first
     * @param audit     audit log
     * @param publisher event publisher
     * @param clock     clock
     * @param metrics   where step durations, run outcomes and lease refusals are counted
     */
    public StepContext(EventEnvelope envelope, String plan, String service, int attempt, AuditLog audit,
            EventPublisher publisher, Clock clock, DbRefreshMetrics metrics) {
        this.metrics = metrics;
        this.envelope = envelope;
        this.plan = plan;
        this.service = service;
        this.attempt = attempt;
        this.audit = audit;
        this.publisher = publisher;
        this.clock = clock;
    }

    /** @return the run id */
    public String runId() {
        return envelope.runId();
    }

    /** @return the name of the service handling the event, e.g. {@code cluster-service} */
    public String service() {
        return service;
    }

    /** @return the event being handled */
    public EventEnvelope envelope() {
        return envelope;
    }

    /**
     * The run's plan values: those carried by the envelope (set by earlier events of the run), overlaid
     * by the start message's own {@code values} when this is the start message.
     *
     * @return plan key to value, possibly empty
     */
    public java.util.Map<String, String> planValues() {
        java.util.Map<String, String> values = new java.util.TreeMap<>(envelope.planValues());
        if (envelope.data() != null && envelope.data().path("values").isObject()) {
            envelope.data().get("values").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        }
        return values;
    }

    /** @return SQS receive count of this delivery, 1 for the first */
    public int attempt() {
        return attempt;
    }

    /** @return the step running now, or the last one that ran; {@code null} before the first */
    public StepName currentStep() {
        return currentStep;
    }

    /**
     * @return the step running now, or the last one that ran, as the audit log names it: its id, or
     *         {@code <id>:<instance>} for a step made per instance; {@code null} before the first
     */
    public String currentStepId() {
        return currentStepId;
    }

    /** @return whether a step of this delivery reported a change to the target ({@link #markChanged()}) */
    public boolean changed() {
        return changed;
    }

    /** @return whether this delivery ended the run with {@link #fail} */
    public boolean hasFailed() {
        return failed;
    }

    /**
     * Registers what keeps this delivery's claims alive while its handler works, e.g. renewing the run's
     * lease; called by the consumer's heartbeat (every third of the visibility timeout) until the handler returns.
     *
     * @param action the renewal; it must be cheap and must not throw for a lost claim (it reports it)
     */
    public void keepAlive(Runnable action) {
        this.keepAlive = action;
    }

    /**
     * Registers who is told when the step running changes (the consumer records it in the event's idempotency claim,
     * off the handler's thread, so that an attempt killed before its next heartbeat is still reported in the step it
     * was in).
     *
     * @param listener called with the new step id ({@link #currentStepId()}) on the handler's thread; it must be
     *                 cheap and must not throw
     */
    public void onStepChange(java.util.function.Consumer<String> listener) {
        this.stepListener = listener;
    }

    /**
     * Registers how to wait until the step changes told to {@link #onStepChange} are recorded. Only a
     * fault-injection hold ({@link FaultInjection}, off unless its environment variable is set) calls it, before it
     * announces the hold, so a test that kills the service on that announcement kills it in the step the claim
     * names, as a crash inside a step that lasts longer than one claim write would be.
     *
     * @param awaitRecorded blocks until the changes told so far are written (or gives up; it must not throw)
     */
    public void onStepRecorded(Runnable awaitRecorded) {
        this.stepRecorded = awaitRecorded;
    }

    /**
     * Replaces the fault-injection hook read from the environment ({@link FaultInjection}), for tests.
     *
     * @param hook the hook to use
     */
    void faults(FaultInjection hook) {
        this.faults = hook;
    }

    /** Runs the registered {@link #keepAlive} action; called by the consumer's heartbeat. */
    public void heartbeat() {
        keepAlive.run();
    }

    /**
     * Names the check or step running now without an audit entry of its own (e.g. {@code identity}), so a
     * failure that ends the run after its retries names where it happened.
     *
     * @param step step name
     */
    public void enter(StepName step) {
        now(step, step.id());
    }

    /** Records that the target has been changed, for the {@code changed} flag of a later failure. */
    public void markChanged() {
        changed = true;
    }

    /**
     * Runs a step, writing {@code started} and then {@code succeeded} (with its duration and details) or
     * {@code failed} (with the exception) to the audit log.
     *
     * @param step     step name, e.g. {@code dump}
     * @param body     the step
     * @param describe turns the step's result into the audit details
     * @param <T>      result type
     * @return the step's result
     * @throws Exception what the step threw, after it was recorded
     */
    public <T> T step(StepName step, Callable<T> body, Function<T, String> describe) throws Exception {
        return run(step, step.id(), body, describe);
    }

    /**
     * Runs a step made once per instance (e.g. one rename per cluster instance), as {@link #step(StepName,
     * Callable, Function)} does; the audit log names it {@code <id>:<instance>} ({@link StepName#at}).
     *
     * @param step     step name, e.g. {@code rename-instance}
     * @param instance what this run of the step acts on, e.g. an instance identifier
     * @param body     the step
     * @param describe turns the step's result into the audit details
     * @param <T>      result type
     * @return the step's result
     * @throws Exception what the step threw, after it was recorded
     */
    public <T> T step(StepName step, String instance, Callable<T> body, Function<T, String> describe)
            throws Exception {
        return run(step, step.at(instance), body, describe);
    }


    private <T> T run(StepName step, String id, Callable<T> body, Function<T, String> describe) throws Exception {
        now(step, id);
        Instant start = clock.instant();
        write(id, AuditStatus.STARTED, 0, null, null, "a" + attempt);
        T result;
        try {
            faults.hold(runId(), plan, id, FaultInjection.Position.BEFORE, attempt, stepRecorded);
            result = body.call();
            // A step run inside this one (restore's analyze, say) named itself the step running: this one is again,
            // until its own end is recorded, so a crash from here on is reported in it (issue 12).
            now(step, id);
            faults.hold(runId(), plan, id, FaultInjection.Position.AFTER, attempt, stepRecorded);
        } catch (Exception | Error e) {
            metrics.step(plan, step.id(), false, java.time.Duration.ofMillis(millisSince(start)));
            write(id, AuditStatus.FAILED, millisSince(start), ErrorCodes.describe(e), ErrorCodes.of(e), "a" + attempt);
            throw e;
        }
        metrics.step(plan, step.id(), true, java.time.Duration.ofMillis(millisSince(start)));
        write(id, AuditStatus.SUCCEEDED, millisSince(start), describe.apply(result), null, "final");
        return result;
    }

    /**
     * Records a step that had nothing to do.
     *
     * @param step    step name
     * @param details why, e.g. {@code copy exists}
     */
    public void skipped(StepName step, String details) {
        now(step, step.id());
        write(step.id(), AuditStatus.SKIPPED, 0, details, null, "final");
    }

    /**
     * Records that a long step is still running; a delayed poll message checks again. The fault-injection hook
     * ({@link FaultInjection}, off unless its environment variable is set) may hold it here, at
     * {@link FaultInjection.Position#WAITING}, after the entry is written.
     *
     * @param step    step name, e.g. {@code copy}
     * @param details what is awaited and when it is checked next
     */
    public void waiting(StepName step, String details) {
        now(step, step.id());
        write(step.id(), AuditStatus.WAITING, 0, details, null, "final");
        try {
            // the reliability suite's kill of a service while a wait it owns is pending (off unless set)
            faults.hold(runId(), plan, step.id(), FaultInjection.Position.WAITING, attempt, stepRecorded);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Records data for later reading, one part at a time (e.g. every table's verified count in parts of
     * a few hundred tables), so it stays out of events.
     *
     * @param step    step name, e.g. {@code verify-counts}
     * @param part    part number, from 1
     * @param details the data
     */
    public void recorded(StepName step, int part, String details) {
        write(step.id(), AuditStatus.RECORDED, 0, details, null, "part" + part);
    }

    /**
     * Records a change a dry-run would have made, e.g. the AWS call with its parameters.
     *
     * @param step    step name
     * @param details the call that was not made
     */
    public void planned(StepName step, String details) {
        now(step, step.id());
        // Several planned calls of one step (one per instance, say) each need their own audit key.
        write(step.id(), AuditStatus.PLANNED, 0, details, null, "p" + Integer.toHexString(details.hashCode()));
    }

    /**
     * Publishes an event caused by the one being handled. Its id is derived from the handled event's id
     * and the new event's type ({@link EventEnvelope#derivedId}), so a redelivery that publishes again is
     * dropped downstream as a duplicate.
     *
     * @param payload the new event's payload
     * @return its envelope
     */
    public EventEnvelope publish(DbRefreshEvent payload) {
        EventEnvelope next = caused(payload);
        publisher.publish(next);
        if (payload instanceof RefreshFailed f) {
            metrics.runFailed(f.plan(), f.errorCode());
        } else if (payload instanceof RefreshCompleted c) {
            metrics.runCompleted(c.plan());
        }
        return next;
    }

    private EventEnvelope caused(DbRefreshEvent payload) {
        EventEnvelope next = EventEnvelope.create("dbrefresh/" + service, runId(), envelope, payload, clock.instant());
        return next.withId(EventEnvelope.derivedId(envelope, next.type())).withPlanValues(planValues());
    }

    /**
     * Sends a delayed message to a queue (a poll of a long wait), with a derived id as {@link #publish}.
     *
     * @param queue        queue name, usually this service's own
     * @param payload      poll payload
     * @param delaySeconds delay, seconds (at most 900)
     */
    public void publishDelayed(String queue, DbRefreshEvent payload, int delaySeconds) {
        publisher.sendDelayed(queue, caused(payload), delaySeconds);
    }

    /**
     * Ends the run with a domain failure: writes {@code failed} to the audit log and publishes
     * {@code refresh.failed}. The delivery is then acknowledged: retrying cannot fix it.
     *
     * @param step      step that refused or failed; when it is the step running now and that one was made per
     *                  instance ({@link #step(StepName, String, Callable, Function)}), the failure names that
     *                  instance as the step's own entries do ({@link #currentStepId()})
     * @param errorCode stable error code, e.g. {@link ErrorCode#SNAPSHOT_NOT_FOUND}
     * @param message   what was wrong and what to do
     */
    public void fail(StepName step, ErrorCode errorCode, String message) {
        String id = step == currentStep && currentStepId != null ? currentStepId : step.id();
        now(step, id);
        failed = true;
        if (step == StepName.LEASE) {
            metrics.leaseRefused(plan, errorCode.code());
        }
        RefreshFailed event = new RefreshFailed(plan, service, id, errorCode.code(), message, changed);
        write(id, AuditStatus.FAILED, 0, event.message(), event.errorCode(), "final");
        // The event stays small whatever the message lists (thousands of mismatched tables, say).
        String bounded = event.message().length() <= MAX_FAILURE_MESSAGE_CHARS ? event.message()
                : event.message().substring(0, MAX_FAILURE_MESSAGE_CHARS) + "... (the whole message is in the audit log)";
        publish(new RefreshFailed(plan, service, id, event.errorCode(), bounded, changed));
    }

    private void now(StepName step, String id) {
        boolean changedStep = !id.equals(currentStepId);
        currentStep = step;
        currentStepId = id;
        // the handler's thread: its log lines from here on name the step
        org.slf4j.MDC.put(SqsConsumer.MDC_STEP_ID, id);
        if (changedStep) {
            stepListener.accept(id);
        }
    }

    private void write(String stepId, AuditStatus status, long durationMs, String details, String errorCode,
            String attemptTag) {
        String sortKey = sortKey(envelope, service, stepId, status, attemptTag);
        audit.record(new AuditEntry(runId(), sortKey, clock.instant(), service, stepId, status.id(), durationMs,
                details, errorCode, envelope.id(), plan));
    }

    /**
     * The audit sort key of a step transition: {@code <event time>#<service>#<event id>#<step>#<status>#<attempt>}.
     * Deterministic for one event and attempt, so a redelivery cannot add a second copy; the event id
     * keeps two events of one run with the same time apart.
     *
     * @param envelope   the event being handled
     * @param service    service name
     * @param stepId     step as the audit log names it ({@link #currentStepId()})
     * @param status     transition status
     * @param attemptTag {@code a<receive count>}, or {@code final} for transitions written once per event
     * @return the sort key
     */
    public static String sortKey(EventEnvelope envelope, String service, String stepId, AuditStatus status,
            String attemptTag) {
        return envelope.time() + "#" + service + "#" + envelope.id() + "#" + stepId + "#" + status.id() + "#"
                + attemptTag;
    }

    private long millisSince(Instant start) {
        return java.time.Duration.between(start, clock.instant()).toMillis();
    }
}
