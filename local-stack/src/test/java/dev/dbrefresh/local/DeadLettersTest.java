package dev.dbrefresh.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link DeadLetters} on ElasticMQ and DynamoDB Local ({@link LocalAws}): the two ways a message reaches a DLQ (the
 * consumer's refusal with a {@code reason} attribute; the redrive policy after the allowed receives, with the
 * give-up in the audit log), listed with their reasons without being taken, then moved back by a move task and by
 * receive/send/delete, with nothing lost and nothing left behind.
 */
class DeadLettersTest {

    private static final String QUEUE = Routing.CLUSTER_QUEUE;
    private static final String DLQ = Routing.dlqName(QUEUE);
    private static final int MAX_RECEIVES = 2;

    private static LocalAws aws;
    private static SqsClient sqs;
    private static AuditLog audit;

    private String refusedBody;
    private String failedBody;
    private String failedRun;
    private String failedEvent;

    @BeforeAll
    static void startStack() throws Exception {
        aws = LocalAws.start(0, 0, null, MAX_RECEIVES);
        sqs = aws.sqsClient();
        audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
    }

    @AfterAll
    static void stopStack() {
        if (aws != null) {
            aws.close();
        }
    }

    @BeforeEach
    void twoDeadLetters() {
        for (String q : List.of(QUEUE, DLQ)) {
            sqs.purgeQueue(r -> r.queueUrl(url(q)));
        }
        // Refused by the consumer: copied to the DLQ with its reason, as SqsConsumer.deadLetter does.
        refusedBody = "this is { not json " + UUID.randomUUID();
        sqs.sendMessage(r -> r.queueUrl(url(DLQ)).messageBody(refusedBody).messageAttributes(Map.of(
                "reason", text("message body is not JSON"), "sourceQueue", text(QUEUE))));
        // Failed on every receive: the consumer wrote its give-up entry, SQS moved the message on the next receive.
        failedRun = "run-dlq-" + UUID.randomUUID();
        failedEvent = UUID.randomUUID().toString();
        failedBody = "{\"specversion\":\"1.0\",\"id\":\"" + failedEvent + "\",\"type\":\"dbrefresh.snapshot.ready.v1\","
                + "\"subject\":\"" + failedRun + "\",\"data\":{}}";
        sqs.sendMessage(r -> r.queueUrl(url(QUEUE)).messageBody(failedBody));
        audit.record(new AuditEntry(failedRun, "2026-12-01T10:00:00Z#cluster-service#" + failedEvent
                + "#restore#failed#final", Instant.now(), "cluster-service", "restore", AuditStatus.FAILED.id(), 0,
                "restore failed 2 times, last with: target database unreachable", "ILLEGAL_STATE_EXCEPTION",
                failedEvent, "local-pgbench"));
        for (int receive = 1; receive <= MAX_RECEIVES; receive++) {
            Message m = sqs.receiveMessage(r -> r.queueUrl(url(QUEUE)).waitTimeSeconds(5)).messages().get(0);
            sqs.changeMessageVisibility(r -> r.queueUrl(url(QUEUE)).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
        }
        assertThat(sqs.receiveMessage(r -> r.queueUrl(url(QUEUE)).waitTimeSeconds(1)).messages())
                .as("moved to the DLQ by the redrive policy").isEmpty();
        assertThat(count(DLQ)).isEqualTo(2);
    }

    @Test
    void list_shouldGiveEachMessagesReason_andLeaveThemInTheDlq() {
        DeadLetters dlq = new DeadLetters(sqs, audit);

        List<DeadLetters.DeadLetter> listed = dlq.list(QUEUE, 100);

        assertThat(listed).hasSize(2);
        assertThat(listed).filteredOn(d -> d.eventType().equals("?")).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("refused: message body is not JSON"));
        assertThat(listed).filteredOn(d -> d.eventId().equals(failedEvent)).singleElement().satisfies(d -> {
            assertThat(d.runId()).isEqualTo(failedRun);
            assertThat(d.eventType()).isEqualTo("dbrefresh.snapshot.ready.v1");
            assertThat(d.reason()).contains("restore failed 2 times, last with: target database unreachable")
                    .contains("ILLEGAL_STATE_EXCEPTION");
        });
        // nothing was taken: listed again, the same two, and both visible
        assertThat(dlq.list(QUEUE, 100)).extracting(DeadLetters.DeadLetter::messageId)
                .containsExactlyInAnyOrderElementsOf(listed.stream().map(DeadLetters.DeadLetter::messageId).toList());
        assertThat(visible(DLQ)).isEqualTo(2);
        assertThat(count(QUEUE)).isZero();
    }

    @Test
    void redrive_shouldMoveEveryMessageBackWithItsAttributes_byAMoveTask() throws Exception {
        assertRedrivenBack(new DeadLetters(sqs, audit).redrive(QUEUE, false), "StartMessageMoveTask");
    }

    @Test
    void redrive_shouldMoveEveryMessageBackWithItsAttributes_byReceiveSendDelete() throws Exception {
        assertRedrivenBack(new DeadLetters(sqs, audit).redrive(QUEUE, true), "receive-send-delete");
    }

    @Test
    void serviceQueue_shouldRefuseAQueueThatIsNotAServiceQueue_namingTheServiceQueues() {
        assertThatThrownBy(() -> DeadLetters.serviceQueue(DLQ)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + DLQ + "' is not a dbrefresh service queue")
                .hasMessageContaining(Routing.SNAPSHOT_QUEUE);
        assertThat(count(DLQ)).isEqualTo(2);
    }

    private void assertRedrivenBack(DeadLetters.Redrive redrive, String method) {
        assertThat(redrive.method()).isEqualTo(method);
        assertThat(redrive.moved()).isEqualTo(2);
        assertThat(count(DLQ)).isZero();
        List<Message> back = sqs.receiveMessage(r -> r.queueUrl(url(QUEUE)).maxNumberOfMessages(10).waitTimeSeconds(2)
                .messageAttributeNames("All")).messages();
        assertThat(back).extracting(Message::body).containsExactlyInAnyOrder(refusedBody, failedBody);
        assertThat(back).filteredOn(m -> m.body().equals(refusedBody)).singleElement()
                .satisfies(m -> assertThat(m.messageAttributes().get("sourceQueue").stringValue()).isEqualTo(QUEUE));
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    private static String url(String queue) {
        return sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
    }

    private static int visible(String queue) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url(queue))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    /** @return visible, in-flight and delayed messages of a queue */
    private static int count(String queue) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url(queue)).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes().values().stream()
                .mapToInt(Integer::parseInt).sum();
    }
}
