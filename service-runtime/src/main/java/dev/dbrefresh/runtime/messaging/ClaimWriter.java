package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.runtime.idempotency.IdempotencyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one writer of a running delivery's idempotency claim ({@link IdempotencyStore#extend}): both the step its
 * handler enters ({@link #stepChanged}, told on the handler's thread) and the heartbeat's lock extension
 * ({@link #heartbeat}) become writes on one serial executor, and each write names the step running when the write
 * is made, not when it was asked for. The writes of a claim therefore land one after the other, each naming the
 * handler's newest step at its time, so the step a claim records is never older than one a heartbeat wrote
 * before (two writers, a step write still in flight while a heartbeat named the next step, could land in the other
 * order).
 * <p>Neither call waits for a write: the handler's critical path gets no round trip (issue 11). A request while a
 * write of this claim is still queued adds none (that write reads the newest step when it runs), so a slow store
 * does not pile up writes. After {@link #close} (the delivery is completing or releasing its claim) queued writes
 * are skipped; a write that lands after the claim was completed, released or taken over is refused by the store's
 * owner condition and changes nothing.
 */
final class ClaimWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimWriter.class);

    private final IdempotencyStore store;
    private final String consumer;
    private final String eventId;
    private final String owner;
    private final Duration lockTime;
    private final Supplier<String> currentStep;
    private final Supplier<Executor> serial;
    private final Map<String, String> mdc;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param store       the idempotency store holding the claim
     * @param consumer    the consuming service, as the claim names it
     * @param eventId     the event the claim is for
     * @param owner       this delivery's owner token
     * @param lockTime    how long each write extends the lock
     * @param currentStep the handler's step running now ({@link StepContext#currentStepId()}), or {@code null}
     * @param serial      the single-threaded executor of the consumer's claim writes; {@code null} (the consumer is
     *                    not started) writes on the caller's thread
     */
    ClaimWriter(IdempotencyStore store, String consumer, String eventId, String owner, Duration lockTime,
            Supplier<String> currentStep, Supplier<Executor> serial) {
        this.store = store;
        this.consumer = consumer;
        this.eventId = eventId;
        this.owner = owner;
        this.lockTime = lockTime;
        this.currentStep = currentStep;
        this.serial = serial;
        this.mdc = MDC.getCopyOfContextMap();
    }

    /** The handler entered another step: record it (asynchronously). */
    void stepChanged() {
        request();
    }

    /** The heartbeat: extend the lock, naming the step running (asynchronously). */
    void heartbeat() {
        request();
    }

    /** The delivery is completing or releasing its claim: skip the writes still queued. */
    void close() {
        closed = true;
    }

    private void request() {
        if (closed || !queued.compareAndSet(false, true)) {
            return;
        }
        Executor executor = serial.get();
        if (executor == null) {
            write(false);
            return;
        }
        try {
            executor.execute(() -> write(true));
        } catch (RejectedExecutionException stopping) {
            // the consumer is stopping: its running handlers' messages come back and their claims lapse
            queued.set(false);
        }
    }

    /** @param ownThread whether this runs on the executor (its log lines then get the delivery's MDC) */
    private void write(boolean ownThread) {
        // first clear the mark, then read the step: a step entered after this read queues the next write
        queued.set(false);
        if (closed) {
            return;
        }
        String step = currentStep.get();
        if (ownThread && mdc != null) {
            MDC.setContextMap(mdc);
            if (step != null) {
                MDC.put(SqsConsumer.MDC_STEP_ID, step);
            }
        }
        try {
            if (!store.extend(consumer, eventId, owner, step, lockTime) && !closed) {
                LOG.error("the idempotency claim of event {} was lost (no heartbeat reached the store for {} s, and"
                        + " another delivery took it over); this handler keeps running", eventId, lockTime.toSeconds());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not extend the idempotency claim of event {} in step {}: {}", eventId, step, e.toString());
        } finally {
            if (ownThread) {
                MDC.clear();
            }
        }
    }
}
