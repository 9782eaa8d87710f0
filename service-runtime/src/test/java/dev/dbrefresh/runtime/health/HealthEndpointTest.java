package dev.dbrefresh.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.local.aws.LocalAws;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health endpoints of a service built on service-runtime: a real Micronaut context and HTTP
 * server against {@link LocalAws}. Probes are sent with the Kubernetes default timeout of 1 second: an
 * answer that takes longer fails the probe, so it fails the test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthEndpointTest {

    /** Kubernetes' default {@code timeoutSeconds} of a probe. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    static Path dir;

    private static LocalAws aws;
    private static EmbeddedServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startService() throws Exception {
        aws = LocalAws.start(0, 0, null, 5);
        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  health-test:
                    source: {database: shop_production}
                    target: {database: shop_acceptance}
                """);
        Map<String, Object> props = new HashMap<>(aws.serviceProperties());
        props.put("dbrefresh.messaging.queue", Routing.CLUSTER_QUEUE);
        props.put("dbrefresh.messaging.service", "health-test-service");
        props.put("dbrefresh.messaging.consumer-enabled", "false");
        props.put("dbrefresh.plans-file", plans.toString());
        props.put("dbrefresh.parameters.backend", "ssm");
        props.put("micronaut.server.port", "-1");
        props.put("endpoints.health.details-visible", "ANONYMOUS");
        props.put("endpoints.health.jdbc.enabled", "false");
        server = io.micronaut.context.ApplicationContext.run(EmbeddedServer.class, props);
        // The first readiness request creates the health indicators and their SDK clients (~0.4 s here);
        // Kubernetes likewise keeps probing a starting pod. The probes the tests assert on run warm.
        HttpResponse<String> warmUp = HTTP.send(HttpRequest.newBuilder(url("/health/readiness"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(warmUp.statusCode()).as(warmUp.body()).isEqualTo(200);
    }

    @AfterAll
    static void stopService() {
        if (server != null) {
            server.getApplicationContext().close();
        }
        if (aws != null) {
            aws.close();
        }
    }

    @Test
    @Order(1)
    void readiness_shouldBeUp_whenQueueAndTableAnswer() throws Exception {
        HttpResponse<String> response = probe("/health/readiness");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode health = JSON.readTree(response.body());
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(component(health, "dynamodb").path("status").asText()).isEqualTo("UP");
        assertThat(component(health, "sqs").path("status").asText()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void liveness_shouldBeUp_whenConsumerIsNotStarted() throws Exception {
        HttpResponse<String> response = probe("/health/liveness");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(component(JSON.readTree(response.body()), "consumer").path("status").asText()).isEqualTo("UP");
    }

    @Test
    @Order(3)
    void readiness_shouldAnswerDownWithinProbeTimeout_whenDynamoDbIsDown() throws Exception {
        aws.stopDynamo();

        HttpResponse<String> readiness = probe("/health/readiness");

        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(503);
        JsonNode health = JSON.readTree(readiness.body());
        assertThat(health.path("status").asText()).isEqualTo("DOWN");
        assertThat(component(health, "dynamodb").path("status").asText()).isEqualTo("DOWN");
        assertThat(component(health, "sqs").path("status").asText()).isEqualTo("UP");

        HttpResponse<String> liveness = probe("/health/liveness");
        assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
    }

    /** @throws java.net.http.HttpTimeoutException when the service takes longer than a Kubernetes probe waits */
    private static HttpResponse<String> probe(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url(path)).timeout(PROBE_TIMEOUT).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getPort() + path);
    }

    private static JsonNode component(JsonNode health, String name) {
        JsonNode c = health.path("details").path(name);
        assertThat(c.isMissingNode()).as("health component %s in %s", name, health).isFalse();
        return c;
    }
}
