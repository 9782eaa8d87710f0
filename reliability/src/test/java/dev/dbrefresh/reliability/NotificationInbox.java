package dev.dbrefresh.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Takes every message from a notification queue as it arrives (a daemon thread), so a scenario can count the
 * notifications of each run (a second one is a duplicate effect) and scan their text for secrets.
 */
final class NotificationInbox implements AutoCloseable {

    private final SqsClient sqs;
    private final String url;
    private final List<String> bodies = new ArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;

    /**
     * Starts reading.
     *
     * @param sqs   SQS client
     * @param queue the notification queue
     */
    NotificationInbox(SqsClient sqs, String queue) {
        this.sqs = sqs;
        this.url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        this.reader = new Thread(this::read, "notification-inbox");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        while (running) {
            try {
                for (var m : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                        .messages()) {
                    synchronized (bodies) {
                        bodies.add(m.body());
                    }
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            } catch (RuntimeException stoppedOrDown) {
                if (running) {
                    sleep(500);
                }
            }
        }
    }

    /**
     * @param runId a run
     * @return the notifications of that run received so far
     */
    List<JsonNode> of(String runId) {
        List<JsonNode> out = new ArrayList<>();
        for (String body : all()) {
            JsonNode n = EventCodec.fromJson(body, JsonNode.class);
            if (runId.equals(n.path("runId").asText())) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Waits for the first notification of a run.
     *
     * @param runId   the run
     * @param timeout how long to wait
     * @return it, or empty when none came in time (the run is lost, or still running)
     * @throws InterruptedException when interrupted
     */
    Optional<JsonNode> await(String runId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<JsonNode> found = of(runId);
            if (!found.isEmpty()) {
                return Optional.of(found.get(0));
            }
            Thread.sleep(250);
        }
        return Optional.empty();
    }

    /** @return every body received so far */
    List<String> all() {
        synchronized (bodies) {
            return List.copyOf(bodies);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5_000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
