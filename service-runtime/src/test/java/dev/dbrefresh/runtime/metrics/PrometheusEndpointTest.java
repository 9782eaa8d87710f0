package dev.dbrefresh.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.RefreshCompleted;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore;
import dev.dbrefresh.runtime.messaging.EventConsumer;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.MessagingSettings;
import dev.dbrefresh.runtime.messaging.QueueUrls;
import dev.dbrefresh.runtime.messaging.SqsConsumer;
import dev.dbrefresh.runtime.messaging.StepContext;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code /prometheus} of a service built on service-runtime (a real Micronaut context and HTTP server against
 * {@link LocalAws}) after its consumer handled messages: one that succeeds and completes its run, one that fails
 * once and succeeds on its redelivery, one refused for its lease, and one malformed. Every meter of
 * {@link DbRefreshMetrics} and {@link AwsCallMetrics} is read back from the endpoint with its tags.
 */
class PrometheusEndpointTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static LocalAws aws;
    private static EmbeddedServer server;
    private static SqsConsumer consumer;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startServiceAndHandleMessages() throws Exception {
        aws = LocalAws.start(0, 0, null, 5);
        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  local-pgbench:
                    engine: postgres
                    source: {database: shop_production}
                    target: {database: shop_acceptance}
                """);
        Map<String, Object> props = new HashMap<>(aws.serviceProperties());
        props.put("dbrefresh.messaging.queue", Routing.CLUSTER_QUEUE);
        props.put("dbrefresh.messaging.service", "metrics-test-service");
        props.put("dbrefresh.messaging.consumer-enabled", "false");
        props.put("dbrefresh.messaging.wait-time-seconds", "1");
        props.put("dbrefresh.messaging.backoff-base-seconds", "1");
        props.put("dbrefresh.plans-file", plans.toString());
        props.put("dbrefresh.parameters.backend", "ssm");
        props.put("micronaut.server.port", "-1");
        props.put("endpoints.health.jdbc.enabled", "false");
        // as in each service's application.yml
        props.put("micronaut.metrics.enabled", "true");
        props.put("micronaut.metrics.export.prometheus.enabled", "true");
        props.put("endpoints.prometheus.enabled", "true");
        props.put("endpoints.prometheus.sensitive", "false");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        ApplicationContext ctx = server.getApplicationContext();

        SqsClient sqs = ctx.getBean(SqsClient.class);
        QueueUrls urls = ctx.getBean(QueueUrls.class);
        String queueUrl = urls.url(Routing.CLUSTER_QUEUE);
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "5")));
        AtomicInteger flakyCalls = new AtomicInteger();
        EventConsumer handler = new EventConsumer() {
            @Override
            public Set<EventType> eventTypes() {
                return Set.of(EventType.SNAPSHOT_READY);
            }

            @Override
            public void handle(EventEnvelope envelope, DbRefreshEvent event, StepContext context) throws Exception {
                switch (envelope.runId()) {
                    case "run-metrics-ok" -> {
                        context.step(StepName.RESTORE, () -> "restored", r -> r);
                        context.publish(new RefreshCompleted(event.plan(), "snap-1", "endpoint", 10));
                    }
                    case "run-metrics-flaky" -> context.step(StepName.VERIFY, () -> {
                        if (flakyCalls.incrementAndGet() == 1) {
                            throw new IllegalStateException("first attempt fails");
                        }
                        return "verified";
                    }, r -> r);
                    default -> context.fail(StepName.LEASE, ErrorCode.TARGET_BUSY, "held by run-other");
                }
            }
        };
        consumer = new SqsConsumer(sqs, urls, ctx.getBean(MessagingSettings.class), ctx.getBean(IdempotencyStore.class),
                ctx.getBean(AuditLog.class), ctx.getBean(EventPublisher.class), List.of(handler), List.of(),
                ctx.getBean(DbRefreshMetrics.class));
        for (String run : List.of("run-metrics-ok", "run-metrics-flaky", "run-metrics-busy")) {
            String body = sample(run).toString();
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
        }
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("this is { not json"));
        consumer.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(prometheus())
                .contains("dbrefresh_messages_handled_total{queue=\"dbrefresh-cluster\",type=\"dbrefresh.snapshot.ready.v1\"} 3.0"));
    }

    @AfterAll
    static void stopService() {
        if (consumer != null) {
            consumer.stop();
        }
        if (server != null) {
            server.getApplicationContext().close();
        }
        if (aws != null) {
            aws.close();
        }
    }

    @Test
    void prometheus_shouldCountMessagesPerQueueAndType() throws Exception {
        String text = prometheus();
        String ready = "queue=\"dbrefresh-cluster\",type=\"dbrefresh.snapshot.ready.v1\"";

        assertThat(text).contains("# TYPE dbrefresh_messages_received_total counter")
                .contains("dbrefresh_messages_received_total{" + ready + "} 4.0")
                .contains("dbrefresh_messages_received_total{queue=\"dbrefresh-cluster\",type=\"unknown\"} 1.0")
                .contains("dbrefresh_messages_failed_total{error_code=\"ILLEGAL_STATE_EXCEPTION\"," + ready + "} 1.0")
                .contains("dbrefresh_messages_redelivered_total{" + ready + "} 1.0")
                .contains("dbrefresh_messages_dead_lettered_total{queue=\"dbrefresh-cluster\",reason=\"malformed\","
                        + "type=\"unknown\"} 1.0");
        // a duplicate never happened here, nor a rejection
        assertThat(text).doesNotContain("dbrefresh_messages_duplicates_total{")
                .doesNotContain("reason=\"rejected\"");
    }

    @Test
    void prometheus_shouldHaveStepDurationHistogramsPerEngineAndStep() throws Exception {
        String text = prometheus();

        assertThat(text).contains("dbrefresh_step_duration_seconds_bucket{engine=\"postgres\",outcome=\"succeeded\","
                + "step=\"restore\",le=\"1.0\"}")
                .contains("dbrefresh_step_duration_seconds_count{engine=\"postgres\",outcome=\"succeeded\",step=\"restore\"} 1")
                .contains("dbrefresh_step_duration_seconds_count{engine=\"postgres\",outcome=\"failed\",step=\"verify\"} 1")
                .contains("dbrefresh_step_duration_seconds_count{engine=\"postgres\",outcome=\"succeeded\",step=\"verify\"} 1");
    }

    @Test
    void prometheus_shouldCountRunsAndLeaseRefusalsPerPlanAndErrorCode() throws Exception {
        String text = prometheus();

        assertThat(text).contains("dbrefresh_runs_completed_total{plan=\"local-pgbench\"} 1.0")
                .contains("dbrefresh_runs_failed_total{error_code=\"TARGET_BUSY\",plan=\"local-pgbench\"} 1.0")
                .contains("dbrefresh_lease_refused_total{error_code=\"TARGET_BUSY\",plan=\"local-pgbench\"} 1.0");
    }

    @Test
    void prometheus_shouldCountAwsCallsPerServiceAndOperation() throws Exception {
        String text = prometheus();

        assertThat(text).contains("dbrefresh_aws_calls_total{operation=\"ReceiveMessage\",outcome=\"ok\",service=\"Sqs\"}")
                .contains("dbrefresh_aws_calls_total{operation=\"DeleteMessage\",outcome=\"ok\",service=\"Sqs\"}")
                .contains("dbrefresh_aws_calls_total{operation=\"PutItem\",outcome=\"ok\",service=\"DynamoDb\"}");
    }

    private static String prometheus() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort()
                + "/prometheus")).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** @return the shared-contracts sample of {@code snapshot.ready} with a fresh event id and the given run id */
    private static ObjectNode sample(String runId) throws Exception {
        try (InputStream in = PrometheusEndpointTest.class.getResourceAsStream(EventType.SNAPSHOT_READY.sampleResource())) {
            ObjectNode n = (ObjectNode) EventCodec.mapper().readTree(in);
            n.put("id", UUID.randomUUID().toString());
            n.put("subject", runId);
            n.put("correlationid", runId);
            return n;
        }
    }
}
