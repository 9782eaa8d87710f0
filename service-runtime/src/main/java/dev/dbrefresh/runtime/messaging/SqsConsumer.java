package dev.dbrefresh.runtime.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.TraceParent;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore;
import dev.dbrefresh.runtime.metrics.DbRefreshMetrics;
import dev.dbrefresh.runtime.metrics.DbRefreshMetrics.DeadLetterReason;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The long-poll consumer of this service's queue.
 *
 * <ul>
 *   <li>{@code workers} threads, each receiving one message at a time with {@code WaitTimeSeconds};</li>
 *   <li>a message is deleted only after its handler returned; while the handler runs, its visibility
 *       timeout and its idempotency claim are extended every third of the timeout (heartbeat), so a long restore
 *       is neither redelivered nor run again by a duplicate delivery;</li>
 *   <li>the claim's lock is {@link #LOCK_HEARTBEATS} heartbeat intervals: when a worker is killed, its message
 *       comes back one visibility timeout after the last heartbeat and finds the claim expired, so a restarted
 *       (or another) worker resumes within about one visibility timeout, and the audit log gets an
 *       {@code interrupted} entry for the attempt that stopped;</li>
 *   <li>duplicates are detected per (service, event id) with {@link IdempotencyStore}: a handled event
 *       is acknowledged without running the handler again; one being handled elsewhere goes back to the
 *       queue as a new, delayed message (so it does not use up the receives the redrive policy allows);</li>
 *   <li>a handler failure changes the message's visibility to an exponential backoff
 *       ({@code backoff-base-seconds * 2^(receives-1)}, capped); on the last receive allowed by the
 *       queue's redrive policy it also publishes {@code refresh.failed} (except for a {@code refresh.failed}
 *       itself, which would loop), calls {@link EventConsumer#gaveUp} and makes the message visible at
 *       once, and SQS then moves the message
 *       to the DLQ (<a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html">SQS DLQs</a>);
 *       when the claim cannot be released (the store is down), the backoff is at least the claim's lock time, so the
 *       redelivery takes the lapsed claim over as a counted receive; {@code refresh.failed} is published on the last
 *       receive also when the audit log cannot be written;</li>
 *   <li>a malformed message (not an envelope, unknown type, not routed here, payload not matching its
 *       type) is never retried: it is sent to the DLQ with a {@code reason} attribute, recorded in the
 *       audit log as {@code rejected}, and deleted; so is an event its handler rejects because it does
 *       not fit the plan ({@link EventRejectedException}, code {@code EVENT_NOT_OF_PLAN});</li>
 *   <li>SNS notifications without raw message delivery are unwrapped ({@code Type: Notification}).</li>
 * </ul>
 * Shutdown stops receiving, lets running handlers finish (up to the wait time plus 30 seconds) and
 * makes messages received but not started visible again at once.
 */
@Singleton
public class SqsConsumer implements ApplicationEventListener<StartupEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(SqsConsumer.class);

    /** Heartbeats of a running handler per visibility timeout (each extends visibility, claim and lease). */
    static final int HEARTBEATS_PER_VISIBILITY_TIMEOUT = 3;
    /**
     * The idempotency lock, in heartbeat intervals: a claim whose heartbeat stopped for longer is takeable. Two
     * intervals are less than the visibility timeout, so when SQS redelivers the message of a killed worker (one
     * visibility timeout after its last heartbeat) the claim has expired and the redelivery resumes at once; a
     * live worker renews the lock with a full interval to spare.
     */
    static final int LOCK_HEARTBEATS = 2;

    private final SqsClient sqs;
    private final QueueUrls queueUrls;
    private final MessagingSettings settings;
    private final IdempotencyStore idempotency;
    private final AuditLog audit;
    private final EventPublisher publisher;
    private final Map<EventType, EventConsumer> consumers = new EnumMap<>(EventType.class);
    private final List<InboundTranslator> translators;
    private final DbRefreshMetrics metrics;
    private final Clock clock = Clock.systemUTC();
    private final AtomicLong lastPollMillis = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();

    private volatile boolean running;
    private ExecutorService workers;
    private ScheduledExecutorService heartbeats;
    /**
     * The one thread that writes the claims of running handlers, their step changes and their heartbeats alike
     * ({@link ClaimWriter}), so a claim's writes land in the order they were made.
     */
    private volatile ExecutorService claimWrites;
    private String queueUrl;
    private int visibilityTimeoutSeconds = 30;
    private int maxReceiveCount = Integer.MAX_VALUE;

    /**
     * @param sqs         SQS client
     * @param queueUrls   queue URL cache
     * @param settings    messaging settings
     * @param idempotency duplicate detection
     * @param audit       audit log
     * @param publisher   event publisher
     * @param handlers    this service's consumers
     * @param translators translators of foreign messages on this queue (e.g. AWS Backup notifications)
     */
    public SqsConsumer(SqsClient sqs, QueueUrls queueUrls, MessagingSettings settings, IdempotencyStore idempotency,
            AuditLog audit, EventPublisher publisher, List<EventConsumer> handlers, List<InboundTranslator> translators) {
        this(sqs, queueUrls, settings, idempotency, audit, publisher, handlers, translators, DbRefreshMetrics.NONE);
    }

    /**
     * The bean.
     *
     * @param sqs         SQS client
     * @param queueUrls   queue URL cache
     * @param settings    messaging settings
     * @param idempotency duplicate detection
     * @param audit       audit log
     * @param publisher   event publisher
     * @param handlers    this service's consumers
     * @param translators translators of foreign messages on this queue (e.g. AWS Backup notifications)
     * @param metrics     where messages, steps and runs are counted ({@code /prometheus})
     */
    @jakarta.inject.Inject
    public SqsConsumer(SqsClient sqs, QueueUrls queueUrls, MessagingSettings settings, IdempotencyStore idempotency,
            AuditLog audit, EventPublisher publisher, List<EventConsumer> handlers, List<InboundTranslator> translators,
            DbRefreshMetrics metrics) {
        this.metrics = metrics;
        this.sqs = sqs;
        this.queueUrls = queueUrls;
        this.settings = settings;
        this.idempotency = idempotency;
        this.audit = audit;
        this.publisher = publisher;
        this.translators = List.copyOf(translators);
        for (EventConsumer c : handlers) {
            for (EventType t : c.eventTypes()) {
                if (consumers.put(t, c) != null) {
                    throw new IllegalStateException("two consumers for " + t.typeName());
                }
            }
        }
    }

    /**
     * A consumer without translators.
     *
     * @param sqs         SQS client
     * @param queueUrls   queue URL cache
     * @param settings    messaging settings
     * @param idempotency duplicate detection
     * @param audit       audit log
     * @param publisher   event publisher
     * @param handlers    this service's consumers
     */
    public SqsConsumer(SqsClient sqs, QueueUrls queueUrls, MessagingSettings settings, IdempotencyStore idempotency,
            AuditLog audit, EventPublisher publisher, List<EventConsumer> handlers) {
        this(sqs, queueUrls, settings, idempotency, audit, publisher, handlers, List.of());
    }

    @Override
    public void onApplicationEvent(StartupEvent event) {
        if (settings.isConsumerEnabled()) {
            start();
        }
    }

    /** Starts the worker threads; reads the queue's visibility timeout and redrive policy first. */
    public synchronized void start() {
        if (running) {
            return;
        }
        queueUrl = queueUrls.url(settings.getQueue());
        var attrs = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT, QueueAttributeName.REDRIVE_POLICY)).attributes();
        visibilityTimeoutSeconds = Integer.parseInt(attrs.getOrDefault(QueueAttributeName.VISIBILITY_TIMEOUT, "30"));
        String redrive = attrs.get(QueueAttributeName.REDRIVE_POLICY);
        if (redrive != null) {
            maxReceiveCount = EventCodec.mapper().convertValue(EventCodec.fromJson(redrive, JsonNode.class)
                    .path("maxReceiveCount"), Integer.class);
        } else {
            LOG.warn("queue {} has no redrive policy: a failing message will be retried until it expires", settings.getQueue());
        }
        running = true;
        lastPollMillis.set(System.currentTimeMillis());
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sqs-heartbeat"));
        claimWrites = Executors.newSingleThreadExecutor(r -> daemon(r, "sqs-claim-writes"));
        workers = Executors.newFixedThreadPool(settings.getWorkers(), r -> daemon(r, "sqs-" + settings.getQueue()));
        for (int i = 0; i < settings.getWorkers(); i++) {
            workers.submit(this::pollLoop);
        }
        LOG.info("consuming {} with {} workers (visibility timeout {} s, max receives {})", settings.getQueue(),
                settings.getWorkers(), visibilityTimeoutSeconds, maxReceiveCount);
    }

    /** Stops receiving and waits for running handlers. */
    @PreDestroy
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(settings.getWaitTimeSeconds() + 30L, TimeUnit.SECONDS)) {
                LOG.warn("handlers still running at shutdown; their messages will be redelivered");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heartbeats.shutdownNow();
        claimWrites.shutdown();
    }

    /** @return whether the workers are polling: a poll returned within the last wait time plus 30 s */
    public boolean isHealthy() {
        return !running || System.currentTimeMillis() - lastPollMillis.get()
                < (settings.getWaitTimeSeconds() + 30L) * 1000 + (long) inFlight.get() * 3_600_000;
    }

    private void pollLoop() {
        while (running) {
            try {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                        .waitTimeSeconds(settings.getWaitTimeSeconds())
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                MessageSystemAttributeName.SENT_TIMESTAMP)
                        .messageAttributeNames("All")).messages();
                lastPollMillis.set(System.currentTimeMillis());
                for (Message m : messages) {
                    if (!running) {
                        sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                                .visibilityTimeout(0));
                        continue;
                    }
                    inFlight.incrementAndGet();
                    try {
                        process(m);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("receive from {} failed: {}; retrying in 1 s", settings.getQueue(), e.toString());
                    sleep(1000);
                }
            }
        }
    }

    /**
     * Handles one received message to the end: acknowledged, backed off, or dead-lettered. Every log line written
     * meanwhile on this thread carries the event in its MDC ({@link #MDC_RUN_ID}, {@link #MDC_EVENT_ID},
     * {@link #MDC_EVENT_TYPE}, {@link #MDC_PLAN}, {@link #MDC_TRACE_ID}, {@link #MDC_TRACEPARENT}, and
     * {@link #MDC_STEP_ID} from {@link StepContext}); JSON logs (dbrefresh-logback.xml) print them as fields.
     *
     * @param message the SQS message
     */
    void process(Message message) {
        try {
            handle(message);
        } finally {
            MDC.clear();
        }
    }

    /** MDC key: the run id. */
    public static final String MDC_RUN_ID = "runId";
    /** MDC key: the event id. */
    public static final String MDC_EVENT_ID = "eventId";
    /** MDC key: the event type. */
    public static final String MDC_EVENT_TYPE = "eventType";
    /** MDC key: the plan name. */
    public static final String MDC_PLAN = "plan";
    /** MDC key: the step running ({@link StepContext#currentStepId()}). */
    public static final String MDC_STEP_ID = "step";
    /** MDC key: the W3C trace id of the event (the run's trace). */
    public static final String MDC_TRACE_ID = "traceId";
    /** MDC key: the event's W3C {@code traceparent}. */
    public static final String MDC_TRACEPARENT = "traceparent";

    private void handle(Message message) {
        int receiveCount = Integer.parseInt(message.attributes()
                .getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        EventEnvelope envelope;
        DbRefreshEvent event;
        EventConsumer consumer;
        String queue = settings.getQueue();
        try {
            if (translated(message)) {
                metrics.received(queue, DbRefreshMetrics.UNKNOWN);
                return;
            }
            // A sender that leaves out the time gets the time SQS first received the message: stable across
            // redeliveries, so audit keys and ids derived from it stay deterministic.
            envelope = EventCodec.decode(unwrapSns(message.body())).withTimeIfMissing(sentAt(message));
            EventType type = EventType.fromTypeName(envelope.type()).orElseThrow();
            consumer = consumers.get(type);
            if (consumer == null) {
                throw new MalformedEventException("event type " + type.typeName() + " is not consumed by queue "
                        + settings.getQueue() + " (routing table: " + Routing.queuesFor(type) + ")");
            }
            event = EventCodec.payload(envelope);
        } catch (MalformedEventException e) {
            metrics.received(queue, DbRefreshMetrics.UNKNOWN);
            metrics.deadLettered(queue, DbRefreshMetrics.UNKNOWN, DeadLetterReason.MALFORMED);
            deadLetter(message, e.getMessage(), ErrorCode.MALFORMED_MESSAGE);
            return;
        }
        String type = envelope.type();
        metrics.received(queue, type);
        MDC.put(MDC_RUN_ID, envelope.runId());
        MDC.put(MDC_EVENT_ID, envelope.id());
        MDC.put(MDC_EVENT_TYPE, type);
        MDC.put(MDC_PLAN, event.plan());
        if (envelope.traceparent() != null) {
            MDC.put(MDC_TRACEPARENT, envelope.traceparent());
        }
        TraceParent.traceId(envelope.traceparent()).ifPresent(id -> MDC.put(MDC_TRACE_ID, id));

        String service = settings.getService();
        Duration lockTime = Duration.ofSeconds(LOCK_HEARTBEATS * heartbeatSeconds());
        String owner = java.util.UUID.randomUUID().toString();
        var outcome = idempotency.claim(service, envelope.id(), owner, receiveCount, lockTime);
        if (outcome.claim() == IdempotencyStore.Claim.ALREADY_COMPLETED) {
            metrics.duplicate(queue, type, true);
            LOG.info("event {} ({}) of run {} was handled before; acknowledging the duplicate", envelope.id(),
                    envelope.type(), envelope.runId());
            delete(message);
            return;
        }
        if (outcome.claim() == IdempotencyStore.Claim.IN_PROGRESS) {
            metrics.duplicate(queue, type, false);
            deferDuplicate(message, envelope, outcome.holder());
            return;
        }
        // A takeover resumes an attempt whose worker died: number this one after it, so the audit keys of the two
        // stay apart even when this delivery is a re-sent copy whose receive count started again at 1.
        int attempt = outcome.tookOver() ? Math.max(receiveCount, outcome.holder().attempt() + 1) : receiveCount;
        if (outcome.tookOver()) {
            metrics.interrupted(queue, type);
            recordInterrupted(envelope, event.plan(), outcome.holder(), attempt);
        }
        if (attempt > 1) {
            metrics.redelivered(queue, type);
        }

        StepContext context = new StepContext(envelope, event.plan(), service, attempt, audit, publisher, clock, metrics);
        ClaimWriter claim = new ClaimWriter(idempotency, service, envelope.id(), owner, lockTime,
                context::currentStepId, () -> claimWrites);
        context.onStepChange(step -> claim.stepChanged());
        context.onStepRecorded(this::awaitStepsRecorded);
        ScheduledFuture<?> heartbeat = startHeartbeat(message, claim, context);
        Exception failure = null;
        try {
            consumer.handle(envelope, event, context);
        } catch (EventRejectedException rejected) {
            heartbeat.cancel(false);
            claim.close();
            idempotency.release(service, envelope.id(), owner);
            metrics.deadLettered(queue, type, DeadLetterReason.REJECTED);
            deadLetter(message, envelope.type() + " event " + envelope.id() + " does not fit plan '" + event.plan()
                    + "': " + rejected.getMessage() + "; nothing was changed", EventRejectedException.ERROR_CODE);
            return;
        } catch (Exception e) {
            failure = e;
        } finally {
            // Stop extending visibility before a backoff sets it, so a late tick cannot undo the backoff.
            heartbeat.cancel(false);
            claim.close();
        }
        if (failure == null) {
            // The work is done: a failure from here on must not mark the run failed. If the completion
            // mark is lost, a redelivery reruns the (idempotent) handler; if only the delete is lost, the
            // redelivery finds the completion mark and is acknowledged.
            metrics.handled(queue, type);
            try {
                idempotency.complete(service, envelope.id());
                delete(message);
            } catch (RuntimeException e) {
                LOG.warn("run {}: event {} was handled but not acknowledged ({}); it will be redelivered",
                        envelope.runId(), envelope.id(), e.toString());
            }
            return;
        }
        LOG.warn("run {}: {} of event {} failed on receive {} of {}: {}", envelope.runId(), envelope.type(),
                envelope.id(), receiveCount, maxReceiveCount, failure.toString());
        // The store may be what failed (a DynamoDB outage): the backoff, and on the last receive the run's failure,
        // must not depend on it. An unreleased claim lapses after its lock time: the message stays away at least
        // that long, so its redelivery takes the claim over (and counts as a receive) instead of finding it held
        // and being deferred as a new message, which would start the receive count again and never reach the DLQ.
        long minBackoff = 0;
        try {
            idempotency.release(service, envelope.id(), owner);
        } catch (RuntimeException e) {
            minBackoff = lockTime.toSeconds() + 1;
            LOG.warn("run {}: could not release the claim of event {} ({}); it lapses in {} s", envelope.runId(),
                    envelope.id(), e.toString(), lockTime.toSeconds());
        }
        metrics.failed(queue, type, ErrorCodes.of(failure));
        if (receiveCount >= maxReceiveCount) {
            metrics.deadLettered(queue, type, DeadLetterReason.EXHAUSTED);
            giveUp(envelope, event, consumer, context, failure, receiveCount);
            // Visible again at once: the next receive exceeds the redrive limit and SQS moves it to the DLQ.
            changeVisibility(message, 0);
        } else {
            backoff(message, receiveCount, minBackoff);
        }
    }

    /** Waits (at most 30 s) until the claim writes queued so far ({@link ClaimWriter}) are done. */
    private void awaitStepsRecorded() {
        ExecutorService recorder = claimWrites;
        if (recorder == null) {
            return;
        }
        try {
            recorder.submit(() -> { }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                | java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("step writes not confirmed before a fault-injection hold: {}", e.toString());
        }
    }

    /**
     * Another delivery of the same event is being handled. Backing off in place would use up one of the
     * receives the redrive policy allows, and a duplicate of a long restore would end in the DLQ; instead
     * the body goes back to the queue as a new message, delayed until just after the holder's lock would expire
     * without a heartbeat (at most one visibility timeout), and this copy is deleted. When it returns, the event
     * is completed (acknowledged), free to claim, or its holder died and the claim is taken over.
     */
    private void deferDuplicate(Message message, EventEnvelope envelope, IdempotencyStore.Holder holder) {
        long untilExpiry = holder == null ? 1 : holder.lockExpiry() - clock.instant().getEpochSecond() + 1;
        int delay = (int) Math.max(1, Math.min(Math.min(EventPublisher.MAX_DELAY_SECONDS, visibilityTimeoutSeconds),
                untilExpiry));
        LOG.info("event {} of run {} is being handled by another delivery; checking again in {} s", envelope.id(),
                envelope.runId(), delay);
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(message.body())
                .messageAttributes(message.messageAttributes()).delaySeconds(delay));
        delete(message);
    }

    /**
     * Writes the {@code interrupted} audit entry of an attempt whose claim this delivery took over: its step (as
     * its last heartbeat named it), its attempt number, and how long it was seen working (claim to last
     * heartbeat, so at most one heartbeat interval short of the truth).
     */
    private void recordInterrupted(EventEnvelope envelope, String plan, IdempotencyStore.Holder holder, int attempt) {
        String step = holder.step() == null ? StepName.HANDLE.id() : holder.step();
        String details = "attempt " + holder.attempt() + " stopped in " + step + " (claimed " + holder.claimedAt()
                + ", last heartbeat " + holder.heartbeatAt() + ", no heartbeat for "
                + Duration.between(holder.heartbeatAt(), clock.instant()).toSeconds() + " s); resumed by attempt "
                + attempt;
        LOG.warn("run {}: event {}: {}", envelope.runId(), envelope.id(), details);
        audit.record(new AuditEntry(envelope.runId(), StepContext.sortKey(envelope, settings.getService(), step,
                AuditStatus.INTERRUPTED, "a" + holder.attempt()), clock.instant(), settings.getService(), step,
                AuditStatus.INTERRUPTED.id(), holder.seenWorking().toMillis(), details, null, envelope.id(), plan));
    }

    /**
     * Lets the translators look at a message first. A translated message's events are published (each
     * with its deterministic id, so duplicates are caught by the idempotency check when they come back)
     * and the message is acknowledged; an ignored one is recorded in the audit log and acknowledged.
     *
     * @return whether a translator took the message
     * @throws MalformedEventException when a translator recognised it but cannot use it
     */
    private boolean translated(Message message) {
        if (translators.isEmpty()) {
            return false;
        }
        String body = unwrapSns(message.body());
        Map<String, String> attributes = new java.util.HashMap<>();
        message.messageAttributes().forEach((k, v) -> attributes.put(k, v.stringValue()));
        attributes.putAll(snsAttributes(message.body()));
        for (InboundTranslator translator : translators) {
            var translation = translator.translate(body, attributes);
            if (translation.isEmpty()) {
                continue;
            }
            var t = translation.get();
            if (t.ignoredReason() != null) {
                LOG.info("{} ignored: {}", t.source(), t.ignoredReason());
                audit.record(new AuditEntry(IGNORED_RUN, clock.instant() + "#" + settings.getService() + "#"
                        + message.messageId() + "#" + StepName.TRANSLATE.id() + "#" + AuditStatus.IGNORED.id()
                        + "#final", clock.instant(), settings.getService(), StepName.TRANSLATE.id(),
                        AuditStatus.IGNORED.id(), 0, t.source() + ": " + t.ignoredReason(), null, null, null));
            }
            for (EventEnvelope event : t.events()) {
                publisher.publish(event);
                LOG.info("{} starts {} for plan run {}", t.source(), event.type(), event.runId());
            }
            delete(message);
            return true;
        }
        return false;
    }

    /** @return SQS's {@code SentTimestamp} of the message (milliseconds since the epoch), else now */
    private java.time.Instant sentAt(Message message) {
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        try {
            return sent == null ? clock.instant() : java.time.Instant.ofEpochMilli(Long.parseLong(sent));
        } catch (NumberFormatException e) {
            return clock.instant();
        }
    }

    /** Audit partition of foreign messages that started nothing. */
    public static final String IGNORED_RUN = "ignored-messages";

    private static Map<String, String> snsAttributes(String body) {
        Map<String, String> out = new java.util.HashMap<>();
        if (body == null || !body.contains("\"Notification\"")) {
            return out;
        }
        try {
            JsonNode n = EventCodec.mapper().readTree(body);
            n.path("MessageAttributes").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().path("Value").asText()));
        } catch (Exception notJson) {
            // no attributes
        }
        return out;
    }

    private void giveUp(EventEnvelope envelope, DbRefreshEvent event, EventConsumer consumer, StepContext context,
            Exception e, int receives) {
        // The run is marked failed now; SQS moves the message to the DLQ on its next receive.
        String step = context.currentStepId() == null ? StepName.HANDLE.id() : context.currentStepId();
        // A failure to handle a failure is not announced with another refresh.failed: that event would be
        // routed back to the same consumer, fail the same way, and loop (issue 7, property 11).
        boolean failurePath = event instanceof RefreshFailed;
        String message = step + " failed " + receives + " times, last with: " + ErrorCodes.describe(e)
                + "; the message goes to " + Routing.dlqName(settings.getQueue()) + " (redrive it after fixing the cause)"
                + (failurePath ? "; no further refresh.failed is published for a failed refresh.failed" : "");
        try {
            audit.record(new AuditEntry(envelope.runId(), StepContext.sortKey(envelope, settings.getService(), step,
                    AuditStatus.FAILED, "final"), clock.instant(), settings.getService(), step, AuditStatus.FAILED.id(),
                    0, message, ErrorCodes.of(e), envelope.id(), event.plan()));
        } catch (RuntimeException auditDown) {
            // The audit log may be what failed on every receive: the run's failure is still announced below.
            LOG.error("run {}: could not write the failure of {} to the audit log ({}): {}", envelope.runId(), step,
                    auditDown.toString(), message);
        }
        if (failurePath) {
            LOG.error("run {}: gave up on {} {}: {}", envelope.runId(), envelope.type(), envelope.id(), message);
        } else {
            try {
                context.publish(new RefreshFailed(event.plan(), settings.getService(), step, ErrorCodes.of(e), message,
                        context.changed()));
            } catch (RuntimeException publishFailed) {
                LOG.error("run {}: could not publish refresh.failed: {}", envelope.runId(), publishFailed.toString());
            }
        }
        try {
            consumer.gaveUp(envelope, event, context, e);
        } catch (Exception cleanUpFailed) {
            LOG.error("run {}: clean-up after giving up on event {} failed: {}", envelope.runId(), envelope.id(),
                    cleanUpFailed.toString());
        }
    }

    private void deadLetter(Message message, String reason, ErrorCode errorCode) {
        String dlq = Routing.dlqName(settings.getQueue());
        LOG.warn("message {} rejected to {}: {}", message.messageId(), dlq, reason);
        publisher.sendRaw(dlq, message.body(), Map.of("reason", truncate(reason, 1000), "sourceQueue", settings.getQueue()));
        String runId = bestEffortRunId(message.body());
        audit.record(new AuditEntry(runId, clock.instant() + "#" + settings.getService() + "#" + StepName.RECEIVE.id()
                + "#" + AuditStatus.REJECTED.id() + "#" + message.messageId(), clock.instant(), settings.getService(),
                StepName.RECEIVE.id(), AuditStatus.REJECTED.id(), 0, "message " + message.messageId() + " moved to "
                + dlq + ": " + reason, errorCode.code(), null, null));
        delete(message);
    }

    /** @return the subject of a body that is JSON with a subject, else {@code unparsed-messages} */
    static String bestEffortRunId(String body) {
        try {
            JsonNode n = EventCodec.mapper().readTree(unwrapSns(body));
            if (n != null && n.hasNonNull("subject") && !n.get("subject").asText().isBlank()) {
                return n.get("subject").asText();
            }
        } catch (Exception notJson) {
            // falls through to the shared partition of unparsable messages
        }
        return "unparsed-messages";
    }

    /**
     * @param body an SQS message body
     * @return the SNS {@code Message} when the body is an SNS notification envelope, else the body
     */
    static String unwrapSns(String body) {
        if (body == null || !body.contains("\"Notification\"")) {
            return body;
        }
        try {
            JsonNode n = EventCodec.mapper().readTree(body);
            if ("Notification".equals(n.path("Type").asText()) && n.hasNonNull("Message")) {
                return n.get("Message").asText();
            }
        } catch (Exception notJson) {
            // not an SNS envelope
        }
        return body;
    }

    /** @return seconds between two heartbeats of a running handler: a third of the visibility timeout, at least 1 */
    private long heartbeatSeconds() {
        return Math.max(1, visibilityTimeoutSeconds / HEARTBEATS_PER_VISIBILITY_TIMEOUT);
    }

    private ScheduledFuture<?> startHeartbeat(Message message, ClaimWriter claim, StepContext context) {
        long period = heartbeatSeconds();
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        return heartbeats.scheduleAtFixedRate(() -> {
            // the heartbeat's log lines belong to the handler's event
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            if (context.currentStepId() != null) {
                MDC.put(MDC_STEP_ID, context.currentStepId());
            }
            try {
                sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle())
                        .visibilityTimeout(visibilityTimeoutSeconds));
            } catch (RuntimeException e) {
                LOG.warn("visibility heartbeat failed: {}", e.toString());
            }
            // The claim must outlive the handler as well, or a duplicate delivery of the event would
            // claim it once the lock expired and run the handler a second time, concurrently. Written by the
            // claim's one writer, after the step writes asked for before, naming the step running then.
            claim.heartbeat();
            // And the run's lease, so a step that works for longer than the lease's time to live keeps it.
            try {
                context.heartbeat();
            } catch (RuntimeException e) {
                LOG.warn("run {}: lease heartbeat failed: {}", context.runId(), e.toString());
            }
            MDC.clear();
        }, period, period, TimeUnit.SECONDS);
    }

    private void backoff(Message message, int receiveCount, long minSeconds) {
        long delay = Math.max(minSeconds, Math.min((long) settings.getBackoffMaxSeconds(),
                settings.getBackoffBaseSeconds() * (1L << Math.min(20, Math.max(0, receiveCount - 1)))));
        changeVisibility(message, (int) delay);
    }

    private void changeVisibility(Message message, int seconds) {
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle())
                    .visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.warn("could not set visibility of message {} to {} s: {}", message.messageId(), seconds, e.toString());
        }
    }

    private void delete(Message message) {
        sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String truncate(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }
}
