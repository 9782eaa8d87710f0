package dev.dbrefresh.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Everything that arrived on one queue during a test class: each {@link #poll()} receives what is
 * there, keeps it and deletes it from the queue, so later tests still see earlier messages and can
 * tell them apart by run id.
 */
public final class Inbox {

    private final SqsClient sqs;
    private final String queueUrl;
    private final List<Message> received = new CopyOnWriteArrayList<>();

    /**
     * @param sqs       client of the queue's server
     * @param queueName name of the queue, which must exist
     */
    public Inbox(SqsClient sqs, String queueName) {
        this.sqs = sqs;
        this.queueUrl = sqs.getQueueUrl(r -> r.queueName(queueName)).queueUrl();
    }

    /** Receives until the queue returns nothing, deleting what it receives. */
    public synchronized void poll() {
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            for (Message m : batch) {
                received.add(m);
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        } while (!batch.isEmpty());
    }

    /** @return the received messages whose JSON body matches, after a {@link #poll()} */
    public List<Message> messages(Predicate<JsonNode> body) {
        poll();
        return received.stream().filter(m -> body.test(json(m))).toList();
    }

    /** @return the bodies (JSON) of the received envelopes of a run and type, after a {@link #poll()} */
    public List<JsonNode> events(String runId, String type) {
        return messages(n -> runId.equals(n.path("subject").asText()) && type.equals(n.path("type").asText()))
                .stream().map(Inbox::json).toList();
    }

    /** @return every received envelope of a run, after a {@link #poll()} */
    public List<JsonNode> events(String runId) {
        return messages(n -> runId.equals(n.path("subject").asText())).stream().map(Inbox::json).toList();
    }

    /**
     * Waits until an envelope of the run and type has arrived (at most {@link ServiceStack#PATIENCE}, polling every
     * 250 ms).
     *
     * @param runId the run
     * @param type  the event type
     * @return the first such envelope's body
     * @throws org.awaitility.core.ConditionTimeoutException when none arrived in time
     */
    public JsonNode await(String runId, EventType type) {
        Awaitility.await(type.typeName() + " of " + runId).atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> !events(runId, type.typeName()).isEmpty());
        return events(runId, type.typeName()).get(0);
    }

    /**
     * Waits for the run's {@code refresh.failed} on this (the notifier's) queue and checks that it reports a refusal
     * that changed nothing: its {@code errorCode}, {@code changed: false}, the refusing service, step and plan.
     *
     * @param runId     the run
     * @param plan      the plan it names
     * @param service   the service that refused
     * @param step      the step it refused at
     * @param errorCode the code it gave
     * @return the {@code refresh.failed} envelope's body
     * @throws AssertionError when the event says otherwise
     */
    public JsonNode awaitRefusal(String runId, String plan, String service, String step, String errorCode) {
        JsonNode failed = await(runId, EventType.REFRESH_FAILED);
        JsonNode data = failed.get("data");
        assertThat(data.path("errorCode").asText()).isEqualTo(errorCode);
        assertThat(data.path("changed").isBoolean()).isTrue();
        assertThat(data.path("changed").asBoolean()).isFalse();
        assertThat(data.path("service").asText()).isEqualTo(service);
        assertThat(data.path("step").asText()).isEqualTo(step);
        assertThat(data.path("plan").asText()).isEqualTo(plan);
        return failed;
    }

    /**
     * @return a message's body parsed as JSON
     * @throws AssertionError when the body is not JSON
     */
    public static JsonNode json(Message m) {
        try {
            return EventCodec.mapper().readTree(m.body());
        } catch (Exception e) {
            throw new AssertionError("message " + m.messageId() + " is not JSON: " + m.body(), e);
        }
    }
}
