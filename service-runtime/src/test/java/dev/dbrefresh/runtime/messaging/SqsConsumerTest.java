package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.StepName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.idempotency.DynamoDbIdempotencyStore;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.TestMessagingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link SqsConsumer} against ElasticMQ and DynamoDB Local ({@link LocalAws}), built without a
 * Micronaut context: real queues with a redrive policy, real conditional writes.
 */
class SqsConsumerTest {

    private static final String QUEUE = Routing.CLUSTER_QUEUE;
    private static final String DLQ = Routing.dlqName(QUEUE);
    private static final String NOTIFIER = Routing.NOTIFIER_QUEUE;
    private static final String SERVICE = "test-service";
    private static final int MAX_RECEIVES = 3;
    /**
     * LocalAws creates queues with a 60 s visibility timeout. A message given up on stays invisible for
     * one visibility timeout before SQS redrives it on the next receive, so the queue under test gets a
     * short one.
     */
    private static final int VISIBILITY_TIMEOUT_SECONDS = 5;
    private static final Duration WAIT = Duration.ofSeconds(45);

    private static LocalAws aws;
    private static SqsClient sqs;
    private static DynamoDbClient dynamo;
    private static SnsClient sns;
    private static QueueUrls queueUrls;
    private static AuditLog audit;

    private final List<SqsConsumer> consumers = new ArrayList<>();

    @BeforeAll
    static void startStack() throws Exception {
        aws = LocalAws.start(0, 0, null, MAX_RECEIVES);
        sqs = aws.sqsClient();
        dynamo = aws.dynamoClient();
        // Local mode never calls SNS; the publisher still needs a client.
        sns = SnsClient.builder().endpointOverride(URI.create(aws.sqsEndpoint())).region(Region.of(LocalAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalAws.ACCESS_KEY, LocalAws.SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        queueUrls = new QueueUrls(sqs);
        audit = new DynamoDbAuditLog(dynamo, Tables.AUDIT);
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrls.url(QUEUE)).attributes(
                Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(VISIBILITY_TIMEOUT_SECONDS))));
    }

    @AfterAll
    static void stopStack() {
        if (sns != null) {
            sns.close();
        }
        if (aws != null) {
            aws.close();
        }
    }

    @BeforeEach
    void emptyQueues() {
        for (String q : List.of(QUEUE, DLQ, NOTIFIER)) {
            sqs.purgeQueue(r -> r.queueUrl(queueUrls.url(q)));
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(messagesIn(QUEUE)).isZero();
            assertThat(messagesIn(DLQ)).isZero();
            assertThat(messagesIn(NOTIFIER)).isZero();
        });
    }

    @AfterEach
    void stopConsumers() {
        consumers.forEach(SqsConsumer::stop);
    }

    // ---------------------------------------------------------------- duplicates

    @Test
    void process_shouldRunHandlerOnce_whenSameEventIsDeliveredAgain() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> "restored", r -> r));
        String body = sample(EventType.SNAPSHOT_READY, runId).toString();
        send(body);
        send(body);

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());
        assertThat(handler.calls).hasValue(1);

        // a redelivery long after the event was handled
        send(body);
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(1);
        assertThat(messagesIn(DLQ)).isZero();
        List<AuditEntry> entries = audit.entries(runId);
        assertThat(entries).extracting(AuditEntry::step, AuditEntry::status)
                .containsExactly(tuple("restore", AuditStatus.STARTED.id()), tuple("restore",
                        AuditStatus.SUCCEEDED.id()));
        assertThat(entries).extracting(AuditEntry::sortKey).doesNotHaveDuplicates();
    }

    @Test
    void process_shouldRunHandlerOnce_whenDuplicatesArriveConcurrently() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> {
            Thread.sleep(1000);
            return "restored";
        }, r -> r));
        String body = sample(EventType.SNAPSHOT_READY, runId).toString();
        // both copies are waiting before the two workers start, so each worker receives one
        send(body);
        send(body);

        RecordingIdempotencyStore idempotency = new RecordingIdempotencyStore();
        startConsumer(2, handler, idempotency);
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(1);
        assertThat(idempotency.claims).contains(IdempotencyStore.Claim.IN_PROGRESS);
        assertThat(messagesIn(DLQ)).isZero();
        assertThat(audit.entries(runId)).extracting(AuditEntry::status)
                .containsExactly(AuditStatus.STARTED.id(), AuditStatus.SUCCEEDED.id());
    }

    @Test
    void process_shouldDeferDuplicate_whenHandlerRunsLongerThanIdempotencyLock() throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> {
            if (!finish.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("test never let the handler finish");
            }
        });
        String body = sample(EventType.SNAPSHOT_READY, newRunId()).toString();
        RecordingIdempotencyStore idempotency = new RecordingIdempotencyStore();
        startConsumer(2, handler, idempotency);
        send(body);
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(handler.calls).hasValue(1));

            // The claim was taken for two heartbeat intervals, less than the visibility timeout. Keep the handler
            // running well past both (a long restore): the heartbeat keeps the claim and the message itself.
            Thread.sleep((2L * VISIBILITY_TIMEOUT_SECONDS + 2) * 1000);
            assertThat(idempotency.claims).as("the running message was not redelivered").hasSize(1);

            send(body);
            await().atMost(WAIT).untilAsserted(() -> assertThat(idempotency.claims).hasSizeGreaterThanOrEqualTo(2));
            assertThat(idempotency.claims.get(1)).isEqualTo(IdempotencyStore.Claim.IN_PROGRESS);
            assertThat(handler.calls).hasValue(1);
        } finally {
            finish.countDown();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());
        assertThat(handler.calls).hasValue(1);
        assertThat(messagesIn(DLQ)).isZero();
    }

    /**
     * Issue 12, point 2: a worker killed in the middle of a step (SIGKILL: no release, no backoff) leaves its
     * claim and its received message behind. The message comes back one visibility timeout after the last
     * heartbeat; by then the claim, held for two heartbeat intervals, has expired, so the first redelivery
     * takes it over and resumes at once (no deferral to a later receive), runs the handler once, and the
     * audit log shows the interrupted attempt and the resumed one apart.
     */
    @Test
    void process_shouldResumeOnFirstRedeliveryAndAuditBothAttempts_whenTheWorkerDiedHoldingTheClaim() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> "restored", r -> r));
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        String eventId = event.get("id").asText();
        send(event.toString());
        // The killed worker: it received the message (receive 1), claimed the event as the consumer does
        // (two heartbeat intervals of 1 s at this queue's 5 s visibility timeout), beat once in restore, died.
        Message received = receiveWithQueueVisibility(QUEUE);
        assertThat(received.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("1");
        RecordingIdempotencyStore idempotency = new RecordingIdempotencyStore();
        Duration consumerLock = Duration.ofSeconds(SqsConsumer.LOCK_HEARTBEATS
                * Math.max(1, VISIBILITY_TIMEOUT_SECONDS / SqsConsumer.HEARTBEATS_PER_VISIBILITY_TIMEOUT));
        idempotency.delegate.claim(SERVICE, eventId, "killed-worker", 1, consumerLock);
        assertThat(idempotency.delegate.extend(SERVICE, eventId, "killed-worker", "restore", consumerLock)).isTrue();

        startConsumer(1, handler, idempotency);
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(1);
        assertThat(idempotency.outcomes).as("the first redelivery took the claim over; nothing was deferred")
                .singleElement().satisfies(o -> {
                    assertThat(o.tookOver()).isTrue();
                    assertThat(o.holder().owner()).isEqualTo("killed-worker");
                    assertThat(o.holder().step()).isEqualTo("restore");
                });
        assertThat(messagesIn(DLQ)).isZero();
        List<AuditEntry> entries = audit.entries(runId);
        assertThat(entries).extracting(e -> e.sortKey().substring(e.sortKey().indexOf("#restore#") + 1))
                .containsExactlyInAnyOrder("restore#interrupted#a1", "restore#started#a2", "restore#succeeded#final");
        assertThat(entries).filteredOn(e -> e.is(AuditStatus.INTERRUPTED)).singleElement()
                .satisfies(e -> assertThat(e.details()).contains("attempt 1 stopped in restore")
                        .contains("resumed by attempt 2"));
    }

    /**
     * The step a handler enters is written to its claim off the handler's thread, and the heartbeat writes the claim
     * too. The store holds the first write naming {@code restore} (a slow write) until a write naming the next step,
     * {@code analyze}, has landed, or for three heartbeat intervals: with two writers a heartbeat naming
     * {@code analyze} lands meanwhile and the held write then puts the claim back to {@code restore}; with one
     * writer the heartbeat waits behind the held write, and the writes land in the order of the steps.
     */
    @Test
    void process_shouldNeverRecordAnOlderStepInTheClaim_thanAHeartbeatWrote() {
        String runId = newRunId();
        HoldingStore store = new HoldingStore("restore", "analyze",
                Duration.ofSeconds(3L * Math.max(1, VISIBILITY_TIMEOUT_SECONDS / SqsConsumer.HEARTBEATS_PER_VISIBILITY_TIMEOUT)));
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> {
            ctx.enter(StepName.RESTORE);
            if (!store.held.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no claim write named restore");
            }
            ctx.enter(StepName.ANALYZE);
            if (!store.laterLanded.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no claim write named analyze");
            }
        });
        send(sample(EventType.SNAPSHOT_READY, runId).toString());

        startConsumer(1, handler, store);
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(1);
        List<String> steps = new ArrayList<>();
        store.landed.forEach(step -> {
            if (steps.isEmpty() || !steps.get(steps.size() - 1).equals(step)) {
                steps.add(step);
            }
        });
        assertThat(steps).as("the steps the claim named, in the order the writes landed").containsExactly("restore",
                "analyze");
    }

    /**
     * Issue 12, point 5: every log line of a handler carries the event in its MDC (the handler sees what its log
     * lines get), and the event it publishes continues the handled event's W3C trace.
     */
    @Test
    void process_shouldPutTheEventInTheMdc_andPublishInTheSameTrace() {
        String runId = newRunId();
        Map<String, String> seenInStep = new java.util.concurrent.ConcurrentHashMap<>();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> {
            ctx.step(StepName.RESTORE, () -> {
                seenInStep.putAll(org.slf4j.MDC.getCopyOfContextMap());
                return "restored";
            }, r -> r);
            ctx.publish(new RefreshFailed("local-pgbench", SERVICE, "restore", "TEST_FAILURE", "traced", false));
        });
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        event.put("traceparent", traceparent);
        send(event.toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(seenInStep).containsEntry(SqsConsumer.MDC_RUN_ID, runId)
                .containsEntry(SqsConsumer.MDC_EVENT_ID, event.get("id").asText())
                .containsEntry(SqsConsumer.MDC_EVENT_TYPE, EventType.SNAPSHOT_READY.typeName())
                .containsEntry(SqsConsumer.MDC_PLAN, "local-pgbench")
                .containsEntry(SqsConsumer.MDC_STEP_ID, "restore")
                .containsEntry(SqsConsumer.MDC_TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736")
                .containsEntry(SqsConsumer.MDC_TRACEPARENT, traceparent);
        EventEnvelope published = EventCodec.decode(receiveOne(NOTIFIER).body());
        assertThat(published.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").isNotEqualTo(traceparent);
    }

    // ---------------------------------------------------------------- handler failures

    @Test
    void process_shouldPublishRefreshFailedAndDeadLetter_whenHandlerFailsOnEveryReceive() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> {
            throw new IllegalStateException("target database unreachable");
        }, r -> "never"));
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        String eventId = event.get("id").asText();
        send(event.toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(messagesIn(DLQ)).isEqualTo(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        assertThat(handler.calls).hasValue(MAX_RECEIVES);
        // moved by the redrive policy, untouched: not a consumer rejection
        Message dead = receiveOne(DLQ);
        assertThat(dead.body()).isEqualTo(event.toString());
        assertThat(dead.messageAttributes()).doesNotContainKey("reason");

        assertThat(messagesIn(NOTIFIER)).isEqualTo(1);
        EventEnvelope failed = EventCodec.decode(receiveOne(NOTIFIER).body());
        assertThat(failed.type()).isEqualTo(EventType.REFRESH_FAILED.typeName());
        assertThat(failed.causationid()).isEqualTo(eventId);
        assertThat(failed.runId()).isEqualTo(runId);
        assertThat(failed.source()).isEqualTo("dbrefresh/" + SERVICE);
        DbRefreshEvent payload = EventCodec.payload(failed);
        assertThat(payload).isInstanceOfSatisfying(RefreshFailed.class, f -> {
            assertThat(f.plan()).isEqualTo("local-pgbench");
            assertThat(f.service()).isEqualTo(SERVICE);
            assertThat(f.step()).isEqualTo("restore");
            assertThat(f.errorCode()).isEqualTo("ILLEGAL_STATE_EXCEPTION");
            assertThat(f.message()).contains("target database unreachable").contains(DLQ);
            assertThat(f.changed()).isFalse();
        });

        List<AuditEntry> entries = audit.entries(runId);
        assertThat(entries).filteredOn(e -> e.sortKey().endsWith("#failed#final")).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(AuditStatus.FAILED.id());
            assertThat(e.step()).isEqualTo("restore");
            assertThat(e.errorCode()).isEqualTo("ILLEGAL_STATE_EXCEPTION");
            assertThat(e.eventId()).isEqualTo(eventId);
        });
        assertThat(entries).filteredOn(e -> e.status().equals(AuditStatus.FAILED.id())).hasSize(MAX_RECEIVES + 1);
    }

    /**
     * Issue 12 (DynamoDB outage): the store cannot release the failed attempt's claim. The failure still backs off,
     * and on the last receive the run is still failed with refresh.failed, rather than the message reaching the DLQ
     * with no word of the run's end (a lost run).
     */
    @Test
    void process_shouldStillAnnounceTheFailure_whenTheClaimCannotBeReleased() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> {
            throw new IllegalStateException("target database unreachable");
        }, r -> "never"));
        send(sample(EventType.SNAPSHOT_READY, runId).toString());
        IdempotencyStore store = new RecordingIdempotencyStore();
        IdempotencyStore releaseFails = new ForwardingStore(store) {
            @Override
            public void release(String consumer, String eventId, String owner) {
                throw new IllegalStateException("DynamoDB unreachable");
            }
        };

        startConsumer(1, handler, releaseFails);
        await().atMost(WAIT.multipliedBy(2)).untilAsserted(() -> {
            assertThat(messagesIn(DLQ)).isEqualTo(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        assertThat(handler.calls).hasValue(MAX_RECEIVES);
        assertThat(messagesIn(NOTIFIER)).isEqualTo(1);
        EventEnvelope failed = EventCodec.decode(receiveOne(NOTIFIER).body());
        assertThat(failed.type()).isEqualTo(EventType.REFRESH_FAILED.typeName());
        assertThat(failed.runId()).isEqualTo(runId);
    }

    /**
     * Issue 12 (DynamoDB outage): the audit log refuses every write, so every attempt fails at its first step. On the
     * last receive the run is still failed with refresh.failed, although its failure cannot be written down.
     */
    @Test
    void process_shouldStillAnnounceTheFailure_whenTheAuditLogIsDownOnEveryReceive() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> "done",
                r -> r));
        send(sample(EventType.SNAPSHOT_READY, runId).toString());
        AuditLog down = new AuditLog() {
            @Override
            public boolean record(AuditEntry entry) {
                throw new IllegalStateException("DynamoDB unreachable");
            }

            @Override
            public List<AuditEntry> entries(String run) {
                throw new IllegalStateException("DynamoDB unreachable");
            }

            @Override
            public List<RunSummary> runs(String plan, int limit) {
                throw new IllegalStateException("DynamoDB unreachable");
            }
        };

        startConsumer(1, handler, new RecordingIdempotencyStore(), down);
        await().atMost(WAIT.multipliedBy(2)).untilAsserted(() -> {
            assertThat(messagesIn(DLQ)).isEqualTo(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        assertThat(messagesIn(NOTIFIER)).isEqualTo(1);
        EventEnvelope failed = EventCodec.decode(receiveOne(NOTIFIER).body());
        assertThat(failed.type()).isEqualTo(EventType.REFRESH_FAILED.typeName());
        assertThat(EventCodec.payload(failed)).isInstanceOfSatisfying(RefreshFailed.class,
                f -> assertThat(f.message()).contains("DynamoDB unreachable"));
    }

    @Test
    void process_shouldHandleEvent_whenHandlerFailsOnceThenSucceeds() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> {
            if (call == 1) {
                throw new IllegalStateException("transient failure");
            }
            return "restored";
        }, r -> r));
        send(sample(EventType.SNAPSHOT_READY, runId).toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(2);
        assertThat(messagesIn(DLQ)).isZero();
        assertThat(messagesIn(NOTIFIER)).isZero();
        List<AuditEntry> entries = audit.entries(runId);
        assertThat(entries).extracting(AuditEntry::status).containsExactly(AuditStatus.STARTED.id(),
                AuditStatus.FAILED.id(), AuditStatus.STARTED.id(), AuditStatus.SUCCEEDED.id());
        assertThat(entries).noneMatch(e -> e.sortKey().endsWith("#failed#final"));
    }

    /**
     * Issue 7, property 7: the first delivery publishes, then fails (as a crash before the acknowledgement
     * would); the redelivery publishes again. Both publishes carry one derived id, so the downstream
     * idempotency check sees one event.
     */
    @Test
    void process_shouldPublishTheSameEventId_whenARedeliveredHandlerPublishesAgain() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> {
            ctx.publish(new RefreshFailed("p", SERVICE, "restore", "TEST_FAILURE", "published on call " + call, false));
            if (call == 1) {
                throw new IllegalStateException("lost before the acknowledgement");
            }
        });
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        send(event.toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(handler.calls).hasValue(2));
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        List<Message> published = sqs.receiveMessage(r -> r.queueUrl(queueUrls.url(NOTIFIER)).maxNumberOfMessages(10)
                .waitTimeSeconds(2)).messages();
        assertThat(published).hasSize(2);
        assertThat(published).extracting(m -> EventCodec.decode(m.body()).id()).containsOnly(
                EventEnvelope.derivedId(EventCodec.decode(event.toString()), EventType.REFRESH_FAILED.typeName()));
    }

    @Test
    void process_shouldUseTheTimeSqsReceivedIt_whenAStartMessageHasNoTime() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> ctx.step(StepName.RESTORE, () -> "ok", r -> r));
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        event.remove("time");
        java.time.Instant before = java.time.Instant.now().minusSeconds(5);
        send(event.toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        List<AuditEntry> entries = audit.entries(runId);
        assertThat(entries).isNotEmpty().allSatisfy(e -> {
            assertThat(e.sortKey()).doesNotStartWith("null");
            assertThat(java.time.Instant.parse(e.sortKey().substring(0, e.sortKey().indexOf('#')))).isAfter(before);
        });
    }

    @Test
    void process_shouldDeadLetterWithReasonAndNotFailTheRun_whenTheHandlerRejectsTheEvent() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> {
            throw new EventRejectedException("it names database orders, the plan's target is acc");
        });
        send(sample(EventType.SNAPSHOT_READY, runId).toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(messagesIn(DLQ)).isEqualTo(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        assertThat(handler.calls).hasValue(1);
        assertThat(receiveOne(DLQ).messageAttributes().get("reason").stringValue())
                .contains("it names database orders").contains("nothing was changed");
        assertThat(messagesIn(NOTIFIER)).as("no refresh.failed for an event not trusted to be the run's").isZero();
        assertThat(audit.entries(runId)).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(AuditStatus.REJECTED.id());
            assertThat(e.errorCode()).isEqualTo(EventRejectedException.ERROR_CODE.code());
        });
    }

    // ---------------------------------------------------------------- malformed messages

    @Test
    void process_shouldDeadLetterWithReason_whenBodyIsNotJson() {
        assertRejected("this is { not json", "unparsed-messages", "message body is not JSON");
    }

    @Test
    void process_shouldDeadLetterWithReason_whenEnvelopeHasNoType() {
        String runId = newRunId();
        ObjectNode body = sample(EventType.SNAPSHOT_READY, runId);
        body.remove("type");
        assertRejected(body.toString(), runId, "envelope attribute 'type' is missing");
    }

    @Test
    void process_shouldDeadLetterWithReason_whenTypeIsUnknown() {
        String runId = newRunId();
        ObjectNode body = sample(EventType.SNAPSHOT_READY, runId);
        body.put("type", "dbrefresh.bogus.v1");
        assertRejected(body.toString(), runId, "unknown event type 'dbrefresh.bogus.v1'");
    }

    @Test
    void process_shouldDeadLetterWithReason_whenTypeIsNotRoutedToQueue() {
        String runId = newRunId();
        ObjectNode body = sample(EventType.REFRESH_REQUESTED, runId);
        String reason = assertRejected(body.toString(), runId, "is not consumed by queue " + QUEUE);
        assertThat(reason).contains(EventType.REFRESH_REQUESTED.typeName()).contains(Routing.SNAPSHOT_QUEUE);
    }

    @Test
    void process_shouldDeadLetterWithReason_whenPayloadFieldHasWrongType() {
        String runId = newRunId();
        ObjectNode body = sample(EventType.SNAPSHOT_READY, runId);
        ((ObjectNode) body.get("data")).put("sizeBytes", "five megabytes");
        String reason = assertRejected(body.toString(), runId, "does not match its schema");
        assertThat(reason).contains("sizeBytes");
    }

    /**
     * Sends a body that must be refused, and checks it went to the DLQ on its first receive with a
     * reason, was audited as rejected, and never reached the handler.
     *
     * @return the {@code reason} attribute
     */
    private String assertRejected(String body, String auditRunId, String expectedReason) {
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> { });
        String messageId = send(body);

        startConsumer(1, handler, new RecordingIdempotencyStore());
        // the consumer copies the message to the DLQ, audits, then deletes the original
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(messagesIn(DLQ)).isEqualTo(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        Message dead = receiveOne(DLQ);
        assertThat(dead.body()).isEqualTo(body);
        // only the consumer's rejection sets these attributes; a redrive by SQS (after retries) would not
        assertThat(dead.messageAttributes()).containsKey("reason");
        String reason = dead.messageAttributes().get("reason").stringValue();
        assertThat(reason).contains(expectedReason);
        assertThat(dead.messageAttributes().get("sourceQueue").stringValue()).isEqualTo(QUEUE);
        assertThat(handler.calls).hasValue(0);

        assertThat(audit.entries(auditRunId)).filteredOn(e -> e.details() != null && e.details().contains(messageId))
                .singleElement().satisfies(e -> {
                    assertThat(e.status()).isEqualTo(AuditStatus.REJECTED.id());
                    assertThat(e.service()).isEqualTo(SERVICE);
                    assertThat(e.errorCode()).isEqualTo("MALFORMED_MESSAGE");
                    assertThat(e.details()).contains(DLQ).contains(expectedReason);
                });
        return reason;
    }

    // ---------------------------------------------------------------- SNS, shutdown

    @Test
    void process_shouldUnwrapAndHandle_whenBodyIsSnsNotification() {
        String runId = newRunId();
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> { });
        ObjectNode event = sample(EventType.SNAPSHOT_READY, runId);
        ObjectNode notification = EventCodec.mapper().createObjectNode();
        notification.put("Type", "Notification");
        notification.put("MessageId", UUID.randomUUID().toString());
        notification.put("TopicArn", "arn:aws:sns:us-east-1:000000000000:dbrefresh-events");
        notification.put("Message", event.toString());
        notification.put("Timestamp", "2026-11-21T22:40:00.200Z");
        notification.put("SignatureVersion", "1");
        send(notification.toString());

        startConsumer(1, handler, new RecordingIdempotencyStore());
        await().atMost(WAIT).untilAsserted(() -> assertThat(messagesIn(QUEUE)).isZero());

        assertThat(handler.calls).hasValue(1);
        assertThat(handler.eventIds).containsExactly(event.get("id").asText());
        assertThat(messagesIn(DLQ)).isZero();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // guards against a hang only; stop() may take wait time + 30 s
    void stop_shouldReturnAndLeaveLaterMessagesInQueue() throws InterruptedException {
        RecordingConsumer handler = new RecordingConsumer((call, env, ctx) -> { });
        SqsConsumer consumer = startConsumer(2, handler, new RecordingIdempotencyStore());
        send(sample(EventType.SNAPSHOT_READY, newRunId()).toString());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(handler.calls).hasValue(1);
            assertThat(messagesIn(QUEUE)).isZero();
        });

        consumer.stop();
        String messageId = send(sample(EventType.SNAPSHOT_READY, newRunId()).toString());
        // Give a worker that survived stop() more than one long poll to take the message.
        Thread.sleep(2000);

        Message left = receiveOne(QUEUE);
        assertThat(left.messageId()).isEqualTo(messageId);
        assertThat(left.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("1");
        assertThat(handler.calls).hasValue(1);
    }

    // ---------------------------------------------------------------- helpers

    private SqsConsumer startConsumer(int workers, RecordingConsumer handler, IdempotencyStore idempotency) {
        return startConsumer(workers, handler, idempotency, audit);
    }

    private SqsConsumer startConsumer(int workers, RecordingConsumer handler, IdempotencyStore idempotency,
            AuditLog auditLog) {
        MessagingSettings settings = new TestMessagingSettings(QUEUE, SERVICE, workers, 2);
        EventPublisher publisher = new EventPublisher(sqs, sns, queueUrls, settings);
        SqsConsumer consumer = new SqsConsumer(sqs, queueUrls, settings, idempotency, auditLog, publisher,
                List.of(handler));
        consumers.add(consumer);
        consumer.start();
        return consumer;
    }

    private static String newRunId() {
        return "run-test-" + UUID.randomUUID();
    }

    /** @return the shared-contracts sample of {@code type} with a fresh event id and the given run id */
    private static ObjectNode sample(EventType type, String runId) {
        try (InputStream in = SqsConsumerTest.class.getResourceAsStream(type.sampleResource())) {
            assertThat(in).as("sample %s", type.sampleResource()).isNotNull();
            ObjectNode n = (ObjectNode) EventCodec.mapper().readTree(in);
            n.put("id", UUID.randomUUID().toString());
            n.put("subject", runId);
            n.put("correlationid", runId);
            return n;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String send(String body) {
        return sqs.sendMessage(r -> r.queueUrl(queueUrls.url(QUEUE)).messageBody(body)).messageId();
    }

    /** @return visible, in-flight and delayed messages of a queue */
    private static int messagesIn(String queue) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(queueUrls.url(queue)).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    /** Receives the one message of a queue (it stays invisible for the rest of the test). */
    private static Message receiveOne(String queue) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrls.url(queue)).maxNumberOfMessages(10)
                .waitTimeSeconds(2).visibilityTimeout(120).messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        assertThat(messages).as("messages received from %s", queue).hasSize(1);
        return messages.get(0);
    }

    /** Receives the one message of a queue with the queue's own visibility timeout, and leaves it there. */
    private static Message receiveWithQueueVisibility(String queue) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrls.url(queue)).maxNumberOfMessages(1)
                .waitTimeSeconds(2).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        assertThat(messages).as("messages received from %s", queue).hasSize(1);
        return messages.get(0);
    }

    /** The real (DynamoDB) store, noting what each claim found. */
    private static final class RecordingIdempotencyStore extends ForwardingStore {

        final List<IdempotencyStore.Claim> claims = new CopyOnWriteArrayList<>();
        final List<IdempotencyStore.Outcome> outcomes = new CopyOnWriteArrayList<>();

        RecordingIdempotencyStore() {
            super(new DynamoDbIdempotencyStore(dynamo, Tables.IDEMPOTENCY));
        }

        @Override
        public Outcome claim(String consumer, String eventId, String owner, int attempt, Duration lockTime) {
            Outcome o = super.claim(consumer, eventId, owner, attempt, lockTime);
            outcomes.add(o);
            claims.add(o.claim());
            return o;
        }
    }

    /** An idempotency store that hands every call to another; a test overrides the calls it changes. */
    private static class ForwardingStore implements IdempotencyStore {

        final IdempotencyStore delegate;

        ForwardingStore(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Outcome claim(String consumer, String eventId, String owner, int attempt, Duration lockTime) {
            return delegate.claim(consumer, eventId, owner, attempt, lockTime);
        }

        @Override
        public boolean extend(String consumer, String eventId, String owner, String step, Duration lockTime) {
            return delegate.extend(consumer, eventId, owner, step, lockTime);
        }

        @Override
        public void complete(String consumer, String eventId) {
            delegate.complete(consumer, eventId);
        }

        @Override
        public void release(String consumer, String eventId, String owner) {
            delegate.release(consumer, eventId, owner);
        }
    }

    /**
     * The real (DynamoDB) store, noting the step of every claim write that landed; it holds the first write naming
     * {@code held} until a write naming {@code later} landed, or for {@code most}.
     */
    private static final class HoldingStore extends ForwardingStore {

        final List<String> landed = new CopyOnWriteArrayList<>();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch laterLanded = new CountDownLatch(1);
        private final String heldStep;
        private final String laterStep;
        private final Duration most;

        HoldingStore(String heldStep, String laterStep, Duration most) {
            super(new DynamoDbIdempotencyStore(dynamo, Tables.IDEMPOTENCY));
            this.heldStep = heldStep;
            this.laterStep = laterStep;
            this.most = most;
        }

        @Override
        public boolean extend(String consumer, String eventId, String owner, String step, Duration lockTime) {
            if (heldStep.equals(step) && held.getCount() > 0) {
                held.countDown();
                try {
                    laterLanded.await(most.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean extended = super.extend(consumer, eventId, owner, step, lockTime);
            if (extended && step != null) {
                landed.add(step);
                if (step.equals(laterStep)) {
                    laterLanded.countDown();
                }
            }
            return extended;
        }
    }

    /** A consumer of {@code snapshot.ready} that counts its calls and runs a per-test behaviour. */
    private static final class RecordingConsumer implements EventConsumer {

        interface Behaviour {
            void run(int call, EventEnvelope envelope, StepContext context) throws Exception;
        }

        final AtomicInteger calls = new AtomicInteger();
        final List<String> eventIds = new CopyOnWriteArrayList<>();
        private final Behaviour behaviour;

        RecordingConsumer(Behaviour behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public Set<EventType> eventTypes() {
            return Set.of(EventType.SNAPSHOT_READY);
        }

        @Override
        public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
            int call = calls.incrementAndGet();
            eventIds.add(envelope.id());
            behaviour.run(call, envelope, context);
        }
    }
}
