package dev.dbrefresh.notifier.it;

import dev.dbrefresh.contracts.StepName;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore;
import dev.dbrefresh.runtime.messaging.ErrorCodes;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.QueueUrls;
import dev.dbrefresh.runtime.messaging.SqsConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import dev.dbrefresh.runtime.testing.TestMessagingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failure path end to end on the local emulators (ElasticMQ and DynamoDB Local in this JVM): a
 * producer's {@link SqsConsumer} that gives up after an AWS error (issue 13), and the notifier's own
 * failure to send the failure notification (issue 7, property 11). Every queue's redrive policy allows
 * {@value #MAX_RECEIVES} receives.
 */
class FailurePathIntegrationTest {

    private static final int MAX_RECEIVES = 2;
    private static final String MISSING_QUEUE = "dbrefresh-no-such-notifications";

    /** One error of each class the AWS adapters meet, by wire code, with the dbrefresh code it must become. */
    private static final Map<String, String> AWS_ERRORS = new LinkedHashMap<>();

    static {
        AWS_ERRORS.put("Throttling", ErrorCode.AWS_THROTTLED.code());
        AWS_ERRORS.put("ThrottlingException", ErrorCode.AWS_THROTTLED.code());
        AWS_ERRORS.put("RequestLimitExceeded", ErrorCode.AWS_THROTTLED.code());
        AWS_ERRORS.put("TooManyRequestsException", ErrorCode.AWS_THROTTLED.code());
        AWS_ERRORS.put("ResourceNotFoundException", ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
        AWS_ERRORS.put("ParameterNotFound", ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
        AWS_ERRORS.put("DBClusterNotFoundFault", ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
        AWS_ERRORS.put("AWS.SimpleQueueService.NonExistentQueue", ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
        AWS_ERRORS.put("AccessDeniedException", ErrorCode.AWS_ACCESS_DENIED.code());
        AWS_ERRORS.put("AuthorizationError", ErrorCode.AWS_ACCESS_DENIED.code());
        AWS_ERRORS.put("UnrecognizedClientException", ErrorCode.AWS_AUTH_FAILED.code());
        AWS_ERRORS.put("InvalidDBClusterStateFault", ErrorCode.AWS_INVALID_STATE.code());
        AWS_ERRORS.put("ResourceInUseException", ErrorCode.AWS_INVALID_STATE.code());
        AWS_ERRORS.put("DBClusterAlreadyExistsFault", ErrorCode.AWS_ALREADY_EXISTS.code());
        AWS_ERRORS.put("SnapshotQuotaExceeded", ErrorCode.AWS_QUOTA_EXCEEDED.code());
        AWS_ERRORS.put("InvalidParameterValue", ErrorCode.AWS_INVALID_REQUEST.code());
        AWS_ERRORS.put("KMSKeyNotAccessibleFault", ErrorCode.AWS_KMS_ERROR.code());
        AWS_ERRORS.put("InternalFailure", ErrorCode.AWS_SERVICE_UNAVAILABLE.code());
        AWS_ERRORS.put("SomeCodeAddedNextYear", ErrorCode.AWS_ERROR.code());
    }

    /** Plan name for the SDK client error case (no AWS code at all). */
    private static final String CLIENT_ERROR_PLAN = "aws-client-error";

    @TempDir
    static Path dir;

    private static ServiceStack stack;
    private static Notifications notifications;
    private static Inbox notifierDlq;
    private static SqsConsumer producer;

    @BeforeAll
    static void start() throws Exception {
        StringBuilder yaml = new StringBuilder("plans:\n");
        for (String plan : plans()) {
            yaml.append(plan(plan, Routing.NOTIFICATIONS_QUEUE));
        }
        yaml.append(plan("unsent", MISSING_QUEUE));
        yaml.append(plan("unsent-done", MISSING_QUEUE));
        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, yaml.toString());

        stack = ServiceStack.emulators(MAX_RECEIVES).startService(Map.of("dbrefresh.plans-file", plans.toString()));
        notifications = new Notifications(stack.inbox(Routing.NOTIFICATIONS_QUEUE));
        notifierDlq = stack.inbox(Routing.dlqName(Routing.NOTIFIER_QUEUE));
        producer = startFailingSnapshotService();
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.stop();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void refreshFailed_shouldBeNotifiedWithDbrefreshCodeAndReleaseLease_forEveryAwsErrorClass() {
        Map<String, String> runs = new LinkedHashMap<>();
        for (String plan : plans()) {
            String runId = Samples.runId(plan);
            runs.put(plan, runId);
            holdLease(plan, runId);
            stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", plan)));
        }

        runs.forEach((plan, runId) -> {
            JsonNode n = Inbox.json(notifications.first(runId));
            String expected = plan.equals(CLIENT_ERROR_PLAN) ? ErrorCode.AWS_CLIENT_ERROR.code() : AWS_ERRORS.get(awsCode(plan));
            assertThat(n.path("result").asText()).isEqualTo("failed");
            assertThat(n.path("errorCode").asText()).as("code of %s", plan).isEqualTo(expected)
                    .matches(RefreshFailed.ERROR_CODE);
            assertThat(n.path("failedStep").asText()).isEqualTo("pick-snapshot");
            if (!plan.equals(CLIENT_ERROR_PLAN)) {
                assertThat(n.path("message").asText()).as("message of %s", plan).contains("AWS " + awsCode(plan) + ":");
            }
            await("lease of " + plan + " released").atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                    .until(() -> stack.leases().holder(target(plan)).isEmpty());
        });
        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(notifierDlq.messages(m -> runs.containsValue(m.path("subject").asText()))).isEmpty();
    }

    @Test
    void refreshFailed_shouldEndInDlqReleaseLeaseAndSayWhy_whenFailureNotificationCannotBeSent() {
        String runId = Samples.runId("unsent");
        holdLease("unsent", runId);
        Inbox dlq = notifierDlq;

        stack.send(Routing.NOTIFIER_QUEUE, Samples.envelope(EventType.REFRESH_FAILED, runId, d -> d.put("plan", "unsent")));

        await("refresh.failed of " + runId + " dead-lettered").atMost(ServiceStack.PATIENCE)
                .pollInterval(Duration.ofMillis(250)).until(() -> !dlq.events(runId).isEmpty());
        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(dlq.events(runId)).singleElement()
                .satisfies(e -> assertThat(e.path("type").asText()).isEqualTo(EventType.REFRESH_FAILED.typeName()));
        assertThat(stack.leases().holder(target("unsent"))).isEmpty();

        List<AuditEntry> audit = stack.auditOf(runId);
        // one attempt per receive the redrive policy allows, then no new failure event: the path did not loop
        assertThat(audit).filteredOn(e -> e.step().equals("notify-failure")
                && e.status().equals(AuditStatus.STARTED.id()))
                .hasSize(MAX_RECEIVES);
        assertThat(audit).filteredOn(e -> e.sortKey().endsWith("#notify-failure#failed#final")).singleElement()
                .satisfies(e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
                    assertThat(e.details()).contains("no further refresh.failed");
                });
        assertThat(audit).filteredOn(e -> e.step().equals("release-lease")
                && e.status().equals(AuditStatus.SUCCEEDED.id()))
                .singleElement().satisfies(e -> assertThat(e.details())
                        .contains("failure notification").contains("could not be sent to " + MISSING_QUEUE)
                        .contains("lease on postgres://127.0.0.1:5432/" + database("unsent") + " was released"));
        assertThat(audit).extracting(AuditEntry::eventId).containsOnly(dlq.events(runId).get(0).path("id").asText());
        assertThat(notifications.of(runId)).isEmpty();
    }

    @Test
    void usersApplied_shouldEndInDlqAndReleaseLease_whenNeitherCompletionNorFailureCanBeSent() {
        String runId = Samples.runId("unsent-done");
        holdLease("unsent-done", runId);

        stack.send(Routing.NOTIFIER_QUEUE, Samples.envelope(EventType.USERS_APPLIED, runId, d -> d.put("plan", "unsent-done")));

        // the completion fails, its refresh.failed fails too, and there the path ends
        await("both events of " + runId + " dead-lettered").atMost(ServiceStack.PATIENCE)
                .pollInterval(Duration.ofMillis(250)).until(() -> notifierDlq.events(runId).size() >= 2);
        stack.awaitDrained(Routing.NOTIFIER_QUEUE);
        assertThat(notifierDlq.events(runId)).extracting(e -> e.path("type").asText()).containsExactlyInAnyOrder(
                EventType.USERS_APPLIED.typeName(), EventType.REFRESH_FAILED.typeName());
        assertThat(stack.leases().holder(target("unsent-done"))).isEmpty();
        assertThat(stack.auditOf(runId)).filteredOn(e -> e.step().equals("release-lease")
                && e.status().equals(AuditStatus.SUCCEEDED.id())).singleElement()
                .satisfies(e -> assertThat(e.details()).contains("could not be sent to " + MISSING_QUEUE)
                        .contains("was released"));
    }

    // --- the failing producer ---

    /**
     * A snapshot-service consumer on {@code dbrefresh-snapshot} whose step throws, on every receive, the AWS
     * error named by the plan; it gives up after {@value #MAX_RECEIVES} receives and publishes
     * {@code refresh.failed} as any service does.
     */
    private static SqsConsumer startFailingSnapshotService() {
        var ctx = stack.context();
        EventConsumer failing = new EventConsumer() {
            @Override
            public Set<EventType> eventTypes() {
                return Set.of(EventType.REFRESH_REQUESTED);
            }

            @Override
            public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
                context.step(StepName.PICK_SNAPSHOT, () -> {
                    throw error(event.plan());
                }, r -> "never");
            }
        };
        SqsConsumer consumer = new SqsConsumer(stack.sqs(), ctx.getBean(QueueUrls.class), new TestMessagingSettings(Routing.SNAPSHOT_QUEUE, "snapshot-service", 2, 1),
                ctx.getBean(IdempotencyStore.class), ctx.getBean(AuditLog.class), ctx.getBean(EventPublisher.class),
                List.of(failing));
        consumer.start();
        return consumer;
    }

    private static RuntimeException error(String plan) {
        if (plan.equals(CLIENT_ERROR_PLAN)) {
            return SdkClientException.create("Unable to execute HTTP request: Connect to secretsmanager timed out");
        }
        String code = awsCode(plan);
        int status = code.equals("InternalFailure") ? 500 : 400;
        return AwsServiceException.builder().message("the call failed with " + code).statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("the call failed with " + code)
                        .serviceName("Test").build()).build();
    }

    // --- helpers ---

    private static List<String> plans() {
        List<String> plans = new java.util.ArrayList<>();
        for (int i = 0; i < AWS_ERRORS.size(); i++) {
            plans.add("aws-" + i);
        }
        plans.add(CLIENT_ERROR_PLAN);
        return plans;
    }

    private static String awsCode(String plan) {
        return List.copyOf(AWS_ERRORS.keySet()).get(Integer.parseInt(plan.substring("aws-".length())));
    }

    private static String plan(String name, String notificationQueue) {
        String db = "dbr_fp_" + name.replace('-', '_');
        return "  " + name + ":\n"
                + "    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: " + db + "_src, username: postgres}\n"
                + "    target: {host: 127.0.0.1, port: 5432, database: " + db + "_tgt, username: postgres}\n"
                + "    snapshot: {mode: create, source-store: '" + dir.resolve("store/source") + "', target-store: '"
                + dir.resolve("store/target") + "'}\n"
                + "    notifications: {queue: " + notificationQueue + "}\n";
    }

    /** @return the lease key of a plan's target, as every service computes it ({@code PlanIdentities}) */
    private static String target(String plan) {
        return dev.dbrefresh.engine.postgres.testing.TestDatabases.leaseKey(database(plan));
    }

    private static String database(String plan) {
        return "dbr_fp_" + plan.replace('-', '_') + "_tgt";
    }

    private static void holdLease(String plan, String runId) {
        assertThat(stack.leases().acquire(target(plan), runId, Duration.ofHours(1))).isEmpty();
    }
}
