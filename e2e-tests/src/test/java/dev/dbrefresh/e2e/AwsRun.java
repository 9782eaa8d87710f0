package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One refresh run of the services in {@code aws} mode, followed to its end: its audit entries (from the DynamoDB
 * audit table) and the notification the notifier put on {@code dbrefresh-notifications}.
 *
 * @param runId        the run
 * @param notification the run's notification (JSON: {@code result}, {@code snapshotId}, {@code errorCode}, ...)
 * @param entries      the run's audit entries, oldest first
 */
record AwsRun(String runId, JsonNode notification, List<AuditEntry> entries) {

    /**
     * Publishes a start message for a plan to the topic, as a schedule or the CLI does on AWS.
     *
     * @param aws  the emulator
     * @param plan the plan's name
     * @return the new run's id
     */
    static String start(AwsEmulator aws, String plan) {
        String runId = LocalStackRunner.newRunId();
        aws.publishToTopic(EventEnvelope.create("e2e", runId, null, new RefreshRequested(plan, null, null, false,
                "test"), Instant.now()));
        return runId;
    }

    /**
     * Follows a run in the audit log until it ends (printing its steps) and reads its notification.
     *
     * @param aws      the emulator
     * @param runId    the run
     * @param timeout  how long the run may take
     * @param services the services (their log directory is named when no notification came)
     * @return the ended run
     * @throws AssertionError when no notification of the run came
     * @throws Exception      when the audit log or the queue cannot be read
     */
    static AwsRun follow(AwsEmulator aws, String runId, Duration timeout, ServiceProcesses services) throws Exception {
        List<AuditEntry> entries = LocalStackRunner.follow(new DynamoDbAuditLog(aws.dynamo(), "dbrefresh-audit"), runId,
                timeout, System.out);
        JsonNode notification = LocalStackRunner.awaitNotification(aws.sqs(), "dbrefresh-notifications", runId);
        assertThat(notification).as("notification of run %s on %s (logs in %s)", runId, aws.name(), services.logDir())
                .isNotNull();
        return new AwsRun(runId, notification, entries);
    }

    /** @return the notification's {@code result}: {@code succeeded} or {@code failed} */
    String result() {
        return notification.path("result").asText();
    }

    /** @return {@code service/step} of every succeeded step, in order */
    List<String> succeeded() {
        return entries.stream().filter(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .map(e -> e.service() + "/" + e.step()).toList();
    }
}
