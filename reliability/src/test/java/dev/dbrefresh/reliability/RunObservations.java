package dev.dbrefresh.reliability;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.e2e.SharedServer;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What the crash and outage scenarios read back after a run, to compute their figures from what happened rather than
 * from what was meant to: the run's audit entries, the notifications the notification queue received for it, the
 * parameter store's versions, and the messages left on the service queues and their DLQs.
 */
final class RunObservations {

    /** The services in pipeline order and the step each one's handling ends with when the run succeeds. */
    static final List<String> PIPELINE = ServiceProcesses.SERVICES;

    private RunObservations() {
    }

    /**
     * Waits for an audit entry of a run.
     *
     * @param audit   the audit log
     * @param runId   the run
     * @param wanted  the entry looked for
     * @param timeout how long to wait
     * @param what    what is awaited, for the failure message
     * @param logs    the services (their log tails go into the failure message)
     * @return the first entry that matches
     * @throws AssertionError when none appears in time (the run's entries and the log tails are in the message)
     */
    static AuditEntry awaitEntry(AuditLog audit, String runId, Predicate<AuditEntry> wanted, Duration timeout,
            String what, ServiceProcesses logs) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<AuditEntry> found = entries(audit, runId).stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(100);
        }
        StringBuilder tails = new StringBuilder();
        for (String s : PIPELINE) {
            tails.append("\n--- ").append(s).append(":\n").append(logs.logTail(s));
        }
        throw new AssertionError("run " + runId + ": no " + what + " in " + timeout.toSeconds() + " s; entries:\n"
                + String.join("\n", entries(audit, runId).stream().map(RunObservations::line).toList()) + tails);
    }

    /** @return the run's entries, or none while the audit log cannot be read (an outage) */
    static List<AuditEntry> entries(AuditLog audit, String runId) {
        try {
            return audit.entries(runId);
        } catch (RuntimeException unreachable) {
            return List.of();
        }
    }

    /** @return whether the run ended: the notifier recorded its success or failure notification as sent */
    static boolean ended(List<AuditEntry> entries) {
        return entries.stream().anyMatch(e -> e.service().equals("notifier-service") && e.is(AuditStatus.SUCCEEDED)
                && (e.isStep(StepName.NOTIFY) || e.isStep(StepName.NOTIFY_FAILURE)));
    }

    /** @return whether the run completed: the success notification was sent */
    static boolean completed(List<AuditEntry> entries) {
        return entries.stream().anyMatch(e -> e.service().equals("notifier-service") && e.is(AuditStatus.SUCCEEDED)
                && e.isStep(StepName.NOTIFY));
    }

    /** @return whether the run failed with a reason: a failure notification was sent and a step names its code */
    static boolean failedWithReason(List<AuditEntry> entries) {
        return entries.stream().anyMatch(e -> e.is(AuditStatus.SUCCEEDED) && e.isStep(StepName.NOTIFY_FAILURE))
                && entries.stream().anyMatch(e -> e.is(AuditStatus.FAILED) && e.errorCode() != null);
    }

    /**
     * A second audit entry for one transition: a step that succeeded more than once for one service (a second event
     * doing its work again). An attempt that resumes a killed one runs the handler's earlier steps again; those find
     * their own earlier effect (a snapshot that exists, a copy that exists, a restore already swapped in) or are
     * idempotent by nature (users and grants created or updated, counts read), and write no second {@code succeeded}.
     *
     * @param entries a run's entries
     * @return one line per duplicate found
     */
    static List<String> duplicateSteps(List<AuditEntry> entries) {
        List<String> duplicates = new ArrayList<>();
        Map<String, Integer> succeeded = new java.util.TreeMap<>();
        for (AuditEntry e : entries) {
            if (e.is(AuditStatus.SUCCEEDED)) {
                succeeded.merge(e.service() + "/" + e.step(), 1, Integer::sum);
            }
        }
        succeeded.forEach((step, n) -> {
            if (n > 1) {
                duplicates.add(step + " succeeded " + n + " times");
            }
        });
        return duplicates;
    }

    /** @return the attempt tag of an entry's sort key ({@code a1}, {@code final}, ...) */
    static String attempt(AuditEntry e) {
        return e.sortKey().substring(e.sortKey().lastIndexOf('#') + 1);
    }

    /**
     * Receives every notification for a run on the local notification queue and deletes them.
     *
     * @param sqs   SQS client of the stack
     * @param runId the run
     * @return how many were there
     */
    static int takeNotifications(SqsClient sqs, String runId) {
        String url = sqs.getQueueUrl(r -> r.queueName(Routing.NOTIFICATIONS_QUEUE)).queueUrl();
        int found = 0;
        for (int empty = 0; empty < 2;) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(600)).messages();
            if (messages.isEmpty()) {
                empty++;
                continue;
            }
            for (var m : messages) {
                if (runId.equals(EventCodec.fromJson(m.body(), com.fasterxml.jackson.databind.JsonNode.class)
                        .path("runId").asText())) {
                    found++;
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            }
        }
        return found;
    }

    /**
     * @param sqs SQS client of the stack
     * @return messages still on each service queue (visible, in flight or delayed) and on each DLQ, by queue, only
     *         the queues that hold some
     */
    static Map<String, Integer> messagesLeft(SqsClient sqs) {
        Map<String, Integer> left = new java.util.TreeMap<>();
        for (String queue : Routing.serviceQueues()) {
            for (String q : List.of(queue, Routing.dlqName(queue))) {
                String url = sqs.getQueueUrl(r -> r.queueName(q)).queueUrl();
                var a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
                int n = a.values().stream().mapToInt(Integer::parseInt).sum();
                if (n > 0) {
                    left.put(q, n);
                }
            }
        }
        return left;
    }

    /**
     * @param sqs SQS client of the stack
     * @return what is left on the queues ({@link #messagesLeft}) once the last handler acknowledged its message, up to
     *         30 s after the run ended
     */
    static Map<String, Integer> awaitQueuesDrained(SqsClient sqs) throws InterruptedException {
        Map<String, Integer> left = messagesLeft(sqs);
        for (int i = 0; i < 60 && !left.isEmpty(); i++) {
            Thread.sleep(500);
            left = messagesLeft(sqs);
        }
        return left;
    }

    /**
     * @param sqs   SQS client of the stack
     * @param queue a queue name
     * @return its visibility timeout, seconds, as the queue itself says
     */
    static int visibilityTimeout(SqsClient sqs, String queue) {
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.VISIBILITY_TIMEOUT)).attributes().get(QueueAttributeName.VISIBILITY_TIMEOUT));
    }

    /**
     * The hops of a run whose event was published and never taken: snapshot.ready, cluster.restored and
     * users.applied are published when the service before succeeded in its last step; each must have been taken by
     * the next service (an audit entry of it for the run). The start message counts as taken when snapshot-service
     * wrote any entry.
     *
     * @param entries a run's entries
     * @return the events published and not taken, e.g. {@code cluster.restored}
     */
    static List<String> lostHops(List<AuditEntry> entries, boolean startSent) {
        List<String> lost = new ArrayList<>();
        if (startSent && entries.stream().noneMatch(e -> e.service().equals("snapshot-service"))) {
            lost.add("refresh.requested");
        }
        record Hop(String producer, StepName lastStep, String event, String consumer) { }
        for (Hop h : List.of(new Hop("snapshot-service", StepName.PARAMETER, "snapshot.ready", "cluster-service"),
                new Hop("cluster-service", StepName.RESTORE, "cluster.restored", "users-service"),
                new Hop("users-service", StepName.VERIFY, "users.applied", "notifier-service"))) {
            boolean published = entries.stream().anyMatch(e -> e.service().equals(h.producer()) && e.isStep(h.lastStep())
                    && e.is(AuditStatus.SUCCEEDED));
            boolean taken = entries.stream().anyMatch(e -> e.service().equals(h.consumer()));
            if (published && !taken) {
                lost.add(h.event());
            }
        }
        return lost;
    }

    /**
     * Parameter versions written twice with one value in a row (a second write of the same effect), for the
     * parameters of a plan, in the local stack's parameter store ({@code dbrefresh.parameter} on the shared server).
     *
     * @param plan the plan's name
     * @return how many such versions
     * @throws SQLException when the state database cannot be read
     */
    static int repeatedParameterVersions(String plan) throws SQLException {
        try (Connection c = SharedServer.connect("dbrefresh");
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM (SELECT value, lag(value) OVER"
                        + " (PARTITION BY name ORDER BY version) AS before FROM dbrefresh.parameter WHERE name LIKE ?) v"
                        + " WHERE value = before")) {
            s.setString(1, "/dbrefresh/" + plan + "/%");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * @param logs    the services
     * @param service a service
     * @param needle  text looked for
     * @return whether that service's log has it
     */
    static boolean logContains(ServiceProcesses logs, String service, String needle) {
        try {
            Path log = logs.logDir().resolve(service + ".log");
            return Files.exists(log) && Files.readString(log).contains(needle);
        } catch (IOException e) {
            return false;
        }
    }

    /** @return one printable line of an entry */
    static String line(AuditEntry e) {
        return e.at() + " " + e.service() + " " + e.step() + " " + e.status() + " " + attempt(e) + " "
                + (e.details() == null ? "" : e.details());
    }
}
