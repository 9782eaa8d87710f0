package dev.dbrefresh.notifier.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.dbrefresh.contracts.EventCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.codepipeline.CodePipelineClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PipelineStarter} against an HTTP stub of the CodePipeline JSON API (moto 5.2 has no
 * {@code StartPipelineExecution}): checks the request the SDK sends, as documented in the CodePipeline API
 * reference (target {@code CodePipeline_20150709.StartPipelineExecution}, body {@code name} and
 * {@code clientRequestToken}), and the execution id read from the answer.
 */
class PipelineStarterTest {

    private final List<String> targets = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonNode> bodies = Collections.synchronizedList(new ArrayList<>());
    private HttpServer server;
    private CodePipelineClient client;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            bodies.add(EventCodec.fromJson(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    JsonNode.class));
            byte[] answer = "{\"pipelineExecutionId\":\"exec-123\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        client = CodePipelineClient.builder().region(Region.EU_WEST_1)
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    @Test
    void start_shouldStartThePipelineWithTheRunAsToken_whenCalled() {
        String execution = new PipelineStarter(client).start("acceptance-deploy", "run-20261121-230122-f6869d");

        assertThat(execution).isEqualTo("exec-123");
        assertThat(targets).containsExactly("CodePipeline_20150709.StartPipelineExecution");
        assertThat(bodies.get(0).path("name").asText()).isEqualTo("acceptance-deploy");
        assertThat(bodies.get(0).path("clientRequestToken").asText()).isEqualTo("run-20261121-230122-f6869d");
    }

    @Test
    void token_shouldFitTheApiPattern_whenTheRunIdHasOtherCharacters() {
        assertThat(PipelineStarter.token("run:2026/11_21")).isEqualTo("run-2026-11-21");
        assertThat(PipelineStarter.token("r".repeat(200))).hasSize(128);
    }
}
