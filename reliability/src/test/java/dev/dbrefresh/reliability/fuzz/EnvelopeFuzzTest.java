package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.TraceParent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CloudEvents envelope and the payloads of every event type, as {@code SqsConsumer} reads a message body:
 * {@link EventCodec#decode}, then {@link EventCodec#payload}, then the run's plan values
 * ({@link EventEnvelope#planValues()}) and the trace id ({@link TraceParent#traceId}). For any body the result is an
 * event with an id, a known type, a subject and a plan, or a {@link MalformedEventException} with a clear message
 * (the consumer dead-letters it with that reason) — never another exception.
 */
class EnvelopeFuzzTest {

    private static final List<JsonNode> SAMPLES = Arrays.stream(EventType.values()).map(EnvelopeFuzzTest::sample)
            .toList();

    @Test
    void anyBody_decodesToAnEvent_orIsRefusedAsMalformed() {
        Property.check("anyBody_decodesToAnEvent_orIsRefusedAsMalformed", 10_000, bodies(),
                this::anyBody_decodesToAnEvent_orIsRefusedAsMalformed);
    }

    void anyBody_decodesToAnEvent_orIsRefusedAsMalformed(String body) {
        DecodedEvent decoded = Fuzz.expectBounded("cloudevents-envelope", () -> decode(body), MalformedEventException.class);
        if (decoded != null) {
            assertThat(decoded.envelope().id()).isNotBlank();
            assertThat(decoded.envelope().subject()).isNotBlank();
            assertThat(EventType.fromTypeName(decoded.envelope().type())).isPresent();
            assertThat(decoded.event().plan()).isNotBlank();
            assertThat(EventType.of(decoded.event()).typeName()).isEqualTo(decoded.envelope().type());
        }
    }

    /** What the consumer reads of a message before it calls the handler. */
    record DecodedEvent(EventEnvelope envelope, DbRefreshEvent event, Map<String, String> planValues) {
    }

    static DecodedEvent decode(String body) {
        EventEnvelope envelope = EventCodec.decode(body);
        DbRefreshEvent event = EventCodec.payload(envelope);
        Map<String, String> values = envelope.planValues();
        TraceParent.traceId(envelope.traceparent());
        return new DecodedEvent(envelope, event, values);
    }

    Gen<String> bodies() {
        Gen<JsonNode> sample = Gen.of(SAMPLES);
        Gen<String> mutated = Fuzz.mutated(sample).map(JsonNode::toString);
        Gen<String> versions = Gen.combine(sample, Gen.of("dbrefresh.refresh.requested.v2",
                "dbrefresh.refresh.requested.v0", "dbrefresh.refresh.requested", "DBREFRESH.REFRESH.REQUESTED.V1",
                "dbrefresh.refresh.requested.v1 ", "dbrefresh.refresh.requested.v1\0", "dbrefresh.snapshot.ready.v9",
                "dev.dbrefresh.contracts.RefreshRequested", "")).as((s, t) -> {
                    ObjectNode o = s.deepCopy();
                    if (t.isEmpty()) {
                        o.put("specversion", "2.0");
                    } else {
                        o.put("type", t);
                    }
                    return o.toString();
                });
        Gen<String> hiddenDeep = Fuzz.hugeOrDeepInside(sample.map(JsonNode::toString));
        Gen<String> deepData = Fuzz.deeplyNested().map(d -> SAMPLES.get(0).toString()
                .replace("\"data\":{", "\"data\":{\"values\":" + d + ","));
        Gen<String> planvalues = Fuzz.json(2).map(v -> {
            ObjectNode o = SAMPLES.get(1).deepCopy();
            o.put("planvalues", v.isTextual() ? v.asText() : v.toString());
            return o.toString();
        });
        Gen<String> sns = mutated.map(m -> "{\"Type\":\"Notification\",\"Message\":" + EventCodec.toJson(m) + "}");
        return Gen.frequencyOf(
                Gen.weighted(40, mutated),
                Gen.weighted(8, versions),
                Gen.weighted(10, planvalues),
                Gen.weighted(10, Fuzz.damaged(mutated)),
                Gen.weighted(8, Fuzz.json(4).map(JsonNode::toString)),
                Gen.weighted(6, Fuzz.randomBytes()),
                Gen.weighted(3, Fuzz.deeplyNested()),
                Gen.weighted(3, deepData),
                Gen.weighted(2, hiddenDeep),
                Gen.weighted(5, sns),
                Gen.weighted(2, Fuzz.hostile()));
    }

    private static JsonNode sample(EventType type) {
        try (InputStream in = EventType.class.getResourceAsStream(type.sampleResource())) {
            return EventCodec.mapper().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
