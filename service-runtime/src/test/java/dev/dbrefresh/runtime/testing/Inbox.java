package dev.dbrefresh.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
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
