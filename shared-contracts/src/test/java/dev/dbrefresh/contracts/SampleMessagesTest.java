package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every event type has a JSON Schema and a sample; samples, schemas and records agree. */
class SampleMessagesTest {

    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    @ParameterizedTest
    @EnumSource(EventType.class)
    void sample_shouldValidateAgainstItsSchema(EventType type) throws IOException {
        Set<ValidationMessage> errors = schema(type).validate(sample(type));

        assertThat(errors).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void sample_shouldDecodeToItsRecord_andRoundTrip(EventType type) throws IOException {
        EventEnvelope envelope = EventCodec.decode(sample(type).toString());
        DbRefreshEvent payload = EventCodec.payload(envelope);

        assertThat(payload).isInstanceOf(type.payloadType());
        assertThat(EventType.of(payload)).isEqualTo(type);
        EventEnvelope again = EventEnvelope.create(envelope.source(), envelope.runId(), null, payload, envelope.time());
        assertThat(EventCodec.payload(EventCodec.decode(EventCodec.encode(again)))).isEqualTo(payload);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void envelopeWrittenByCreate_shouldValidateAgainstSchema(EventType type) throws IOException {
        DbRefreshEvent payload = EventCodec.payload(EventCodec.decode(sample(type).toString()));
        EventEnvelope cause = EventCodec.decode(sample(EventType.REFRESH_REQUESTED).toString());

        EventEnvelope created = EventEnvelope.create("dbrefresh/test", "run-1", cause, payload, Instant.now());
        JsonNode json = EventCodec.mapper().readTree(EventCodec.encode(created));

        assertThat(schema(type).validate(json)).isEmpty();
        assertThat(created.causationid()).isEqualTo(cause.id());
        assertThat(created.correlationid()).isEqualTo("run-1");
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void schema_shouldRejectSampleWithoutPlan(EventType type) throws IOException {
        ObjectNode broken = (ObjectNode) sample(type);
        ((ObjectNode) broken.get("data")).remove("plan");

        assertThat(schema(type).validate(broken)).isNotEmpty();
        assertThatThrownBy(() -> EventCodec.payload(EventCodec.decode(broken.toString())))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("plan");
    }

    static JsonNode sample(EventType type) throws IOException {
        try (InputStream in = SampleMessagesTest.class.getResourceAsStream(type.sampleResource())) {
            assertThat(in).as("sample %s", type.sampleResource()).isNotNull();
            return EventCodec.mapper().readTree(in);
        }
    }

    private static JsonSchema schema(EventType type) throws IOException {
        try (InputStream in = SampleMessagesTest.class.getResourceAsStream(type.schemaResource())) {
            assertThat(in).as("schema %s", type.schemaResource()).isNotNull();
            return SCHEMAS.getSchema(in);
        }
    }
}
