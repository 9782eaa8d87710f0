package dev.dbrefresh.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.runtime.messaging.SqsConsumer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code dbrefresh-logback.xml}, the logging every service's logback.xml includes: with
 * {@code DBREFRESH_LOG_FORMAT=JSON} (set on AWS by k8s/) each line is one JSON object carrying the handler's MDC;
 * without it, text lines. Logback is configured here from the file as a service's logback.xml does, writing to a
 * captured standard output, then given back its test configuration.
 */
class JsonLogsTest {

    private final PrintStream realOut = System.out;

    @AfterEach
    void restoreTestLogging() throws Exception {
        System.setOut(realOut);
        System.clearProperty("DBREFRESH_LOG_FORMAT");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(JsonLogsTest.class.getResource("/logback-test.xml"));
        MDC.clear();
    }

    @Test
    void jsonFormat_shouldWriteOneJsonObjectPerLine_withTheHandlersMdc() throws Exception {
        String out = logWithFormat("JSON");

        JsonNode line = new ObjectMapper().readTree(out.lines().filter(l -> l.contains("restoring")).findFirst().orElseThrow());
        assertThat(line.path("message").asText()).isEqualTo("restoring acc");
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        assertThat(line.path(SqsConsumer.MDC_RUN_ID).asText()).isEqualTo("run-42");
        assertThat(line.path(SqsConsumer.MDC_EVENT_ID).asText()).isEqualTo("ev-7");
        assertThat(line.path(SqsConsumer.MDC_PLAN).asText()).isEqualTo("orders");
        assertThat(line.path(SqsConsumer.MDC_STEP_ID).asText()).isEqualTo("restore");
        assertThat(line.path(SqsConsumer.MDC_TRACE_ID).asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void defaultFormat_shouldWriteTextLines() throws Exception {
        String out = logWithFormat(null);

        assertThat(out).contains("INFO").contains("restoring acc").doesNotContain("{\"");
    }

    private String logWithFormat(String format) throws Exception {
        if (format != null) {
            System.setProperty("DBREFRESH_LOG_FORMAT", format);
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        // what each service's logback.xml holds
        configurator.doConfigure(new ByteArrayInputStream(
                "<configuration><include resource=\"dbrefresh-logback.xml\"/></configuration>".getBytes(StandardCharsets.UTF_8)));
        MDC.put(SqsConsumer.MDC_RUN_ID, "run-42");
        MDC.put(SqsConsumer.MDC_EVENT_ID, "ev-7");
        MDC.put(SqsConsumer.MDC_PLAN, "orders");
        MDC.put(SqsConsumer.MDC_STEP_ID, "restore");
        MDC.put(SqsConsumer.MDC_TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736");
        LoggerFactory.getLogger("dev.dbrefresh.test").info("restoring {}", "acc");
        System.out.flush();
        return captured.toString(StandardCharsets.UTF_8);
    }
}
