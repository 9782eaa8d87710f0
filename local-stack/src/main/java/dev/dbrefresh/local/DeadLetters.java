package dev.dbrefresh.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The dead-letter queues of the service queues, for operators: {@code dbrefresh dlq} lists what is in them and
 * why, {@code dbrefresh redrive --queue Q} moves the messages back to their service queue after a fix.
 *
 * <p>Why a message is in a DLQ: a message the consumer refused (malformed, not of its plan) carries a {@code reason}
 * message attribute ({@code SqsConsumer}'s rejection, also audited as {@code rejected}); one that SQS moved there
 * after the redrive policy's receives has no attribute, and its reason is the {@code failed} entry that closed the
 * event's step in the audit log ({@code <step> failed N times, last with: ...}).
 *
 * <p>A redrive uses SQS {@code StartMessageMoveTask} from the DLQ to the service queue and waits for the task
 * (<a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html">
 * StartMessageMoveTask</a>, ElasticMQ 1.6 implements it too); where an SQS does not implement it, or on request,
 * the same by receive, send and delete: each message is sent to the service queue with its body and message
 * attributes, and deleted from the DLQ only after the send succeeded, so a crash in between leaves a duplicate
 * (dropped by the consumers' idempotency check), never a loss.
 */
final class DeadLetters {

    /** Longest wait for one move task to end. */
    static final Duration MOVE_TASK_TIMEOUT = Duration.ofMinutes(5);

    /**
     * One message in a DLQ.
     *
     * @param messageId  SQS message id in the DLQ
     * @param queue      the service queue the DLQ belongs to
     * @param eventType  the event's {@code type}, or {@code ?} when the body is not an event envelope
     * @param runId      the event's {@code subject}, or {@code ?}
     * @param eventId    the event's {@code id}, or {@code ?}
     * @param sentAt     when the message was first sent (SQS {@code SentTimestamp})
     * @param reason     why it is there (see the class comment)
     */
    record DeadLetter(String messageId, String queue, String eventType, String runId, String eventId, Instant sentAt,
            String reason) {
    }

    /**
     * The outcome of a redrive.
     *
     * @param moved  messages moved to the service queue
     * @param method {@code StartMessageMoveTask} or {@code receive-send-delete}
     */
    record Redrive(long moved, String method) {
    }

    private final SqsClient sqs;
    private final AuditLog audit;

    /**
     * @param sqs   SQS client (the local stack's ElasticMQ, or SQS)
     * @param audit the audit log, for the reason of messages moved by the redrive policy
     */
    DeadLetters(SqsClient sqs, AuditLog audit) {
        this.sqs = sqs;
        this.audit = audit;
    }

    /**
     * @param queue a queue name from the command line
     * @return the queue, when it is a service queue
     * @throws IllegalArgumentException naming the service queues, otherwise
     */
    static String serviceQueue(String queue) {
        if (!Routing.serviceQueues().contains(queue)) {
            throw new IllegalArgumentException("'" + queue + "' is not a dbrefresh service queue; give one of "
                    + Routing.serviceQueues() + " (its DLQ is <queue>-dlq)");
        }
        return queue;
    }

    /**
     * Lists the messages of a service queue's DLQ without taking them: each is received with a short visibility
     * timeout and made visible again at once.
     *
     * @param queue a service queue ({@link #serviceQueue})
     * @param max   at most this many messages
     * @return the messages, in the order received
     */
    List<DeadLetter> list(String queue, int max) {
        String dlqUrl = url(Routing.dlqName(queue));
        Map<String, Message> seen = new LinkedHashMap<>();
        while (seen.size() < max) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(30).messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
            int before = seen.size();
            batch.forEach(m -> seen.putIfAbsent(m.messageId(), m));
            if (batch.isEmpty() || seen.size() == before) {
                break;
            }
        }
        List<DeadLetter> out = new ArrayList<>();
        for (Message m : seen.values()) {
            // visible again for the next reader or a redrive
            sqs.changeMessageVisibility(r -> r.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
            if (out.size() < max) {
                out.add(describe(queue, m));
            }
        }
        return out;
    }

    /**
     * Moves every message of a service queue's DLQ back to the queue.
     *
     * @param queue  a service queue ({@link #serviceQueue})
     * @param byCopy use receive, send and delete even where {@code StartMessageMoveTask} is implemented
     * @return how many moved, and how
     * @throws IllegalStateException when the move task failed or did not end within {@link #MOVE_TASK_TIMEOUT}
     * @throws InterruptedException  when interrupted while waiting for the move task
     */
    Redrive redrive(String queue, boolean byCopy) throws InterruptedException {
        if (!byCopy) {
            try {
                return new Redrive(moveTask(queue), "StartMessageMoveTask");
            } catch (SqsException e) {
                if (!unsupported(e)) {
                    throw e;
                }
            }
        }
        return new Redrive(copy(queue), "receive-send-delete");
    }

    private long moveTask(String queue) throws InterruptedException {
        String source = arn(Routing.dlqName(queue));
        String destination = arn(queue);
        String handle = sqs.startMessageMoveTask(r -> r.sourceArn(source).destinationArn(destination)).taskHandle();
        long deadline = System.nanoTime() + MOVE_TASK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ListMessageMoveTasksResultEntry t : sqs.listMessageMoveTasks(r -> r.sourceArn(source).maxResults(10)).results()) {
                if (!handle.equals(t.taskHandle()) && t.taskHandle() != null) {
                    continue;
                }
                switch (t.status()) {
                    case "COMPLETED":
                        return t.approximateNumberOfMessagesMoved() == null ? 0 : t.approximateNumberOfMessagesMoved();
                    case "FAILED", "CANCELLED":
                        throw new IllegalStateException("the move task from " + source + " to " + destination + " ended "
                                + t.status() + (t.failureReason() == null ? "" : ": " + t.failureReason())
                                + "; the messages not moved are still in the DLQ");
                    default:
                        break;
                }
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the move task from " + source + " to " + destination + " did not end within "
                + MOVE_TASK_TIMEOUT.toSeconds() + " s; see aws sqs list-message-move-tasks --source-arn " + source);
    }

    private long copy(String queue) {
        String dlqUrl = url(Routing.dlqName(queue));
        String queueUrl = url(queue);
        long moved = 0;
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(60).messageAttributeNames("All")).messages();
            if (batch.isEmpty()) {
                return moved;
            }
            for (Message m : batch) {
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(m.body()).messageAttributes(m.messageAttributes()));
                sqs.deleteMessage(r -> r.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()));
                moved++;
            }
        }
    }

    private DeadLetter describe(String queue, Message m) {
        String type = "?";
        String runId = "?";
        String eventId = "?";
        try {
            JsonNode n = EventCodec.mapper().readTree(m.body());
            type = n.path("type").asText("?");
            runId = n.path("subject").asText("?");
            eventId = n.path("id").asText("?");
        } catch (Exception notJson) {
            // a body that is not JSON was refused for that, and its reason attribute says so
        }
        String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent));
        var attribute = m.messageAttributes().get("reason");
        String reason = attribute != null ? "refused: " + attribute.stringValue() : auditReason(runId, eventId);
        return new DeadLetter(m.messageId(), queue, type, runId, eventId, sentAt, reason);
    }

    /** @return the audit log's last {@code failed} entry of the event, or what is known without one */
    private String auditReason(String runId, String eventId) {
        if (!"?".equals(runId)) {
            List<AuditEntry> failed = audit.entries(runId).stream()
                    .filter(e -> eventId.equals(e.eventId()) && e.is(AuditStatus.FAILED)).toList();
            if (!failed.isEmpty()) {
                // the give-up entry ("...#failed#final") sorts after the attempts' own failures
                AuditEntry last = failed.get(failed.size() - 1);
                return "failed: " + last.details() + (last.errorCode() == null ? "" : " [" + last.errorCode() + "]");
            }
        }
        return "moved by the queue's redrive policy; no failed audit entry of event " + eventId + " in run " + runId;
    }

    private static boolean unsupported(SqsException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return "UnsupportedOperation".equals(code) || "InvalidAction".equals(code) || e.statusCode() == 501;
    }

    private String url(String queue) {
        return sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
    }

    private String arn(String queue) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url(queue)).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
