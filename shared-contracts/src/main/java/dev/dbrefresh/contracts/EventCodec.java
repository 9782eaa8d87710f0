package dev.dbrefresh.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;

/**
 * Reads and writes envelopes and payloads. Readers are tolerant of unknown fields (a newer producer
 * may add optional fields within the same {@code .vN}); required fields are checked by
 * {@link #payload(EventEnvelope)}.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final java.util.Map<EventType, com.networknt.schema.JsonSchema> SCHEMAS = loadSchemas();

    private EventCodec() {
    }

    /** @return the shared mapper (thread-safe once configured; do not reconfigure) */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * @param envelope an envelope
     * @return its JSON text, the SQS message body / SNS message
     */
    public static String encode(EventEnvelope envelope) {
        try {
            return MAPPER.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize event " + envelope.id(), e);
        }
    }

    /**
     * Parses a message body into an envelope and checks the attributes every consumer relies on.
     *
     * @param body SQS message body
     * @return the envelope
     * @throws MalformedEventException when the body is not JSON, lacks {@code id}/{@code type}/
     *                                 {@code subject}, or names a type dbrefresh does not know
     */
    public static EventEnvelope decode(String body) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("message body is not JSON: " + e.getOriginalMessage()
                    + "; send a CloudEvents JSON envelope (see shared-contracts samples)", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedEventException("message body is not a JSON object; send a CloudEvents JSON envelope");
        }
        for (String attr : new String[] {"id", "type", "subject"}) {
            if (!tree.hasNonNull(attr) || tree.get(attr).asText().isBlank()) {
                throw new MalformedEventException("envelope attribute '" + attr + "' is missing or empty");
            }
        }
        String type = tree.get("type").asText();
        if (EventType.fromTypeName(type).isEmpty()) {
            throw new MalformedEventException("unknown event type '" + abbreviate(type) + "'; known types: "
                    + java.util.Arrays.stream(EventType.values()).map(EventType::typeName).toList());
        }
        if (!tree.hasNonNull("data") || !tree.get("data").isObject()) {
            throw new MalformedEventException("event " + abbreviate(tree.get("id").asText()) + " of type " + type
                    + " has no 'data' object");
        }
        try {
            return MAPPER.treeToValue(tree, EventEnvelope.class);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("envelope does not match the CloudEvents shape: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Decodes the payload of an envelope into its record, after validating the envelope against the
     * type's JSON Schema ({@link EventType#schemaResource()}, draft 2020-12).
     *
     * @param envelope a decoded envelope
     * @return the payload record of the envelope's type
     * @throws MalformedEventException when the type is unknown or the envelope does not match the schema
     *                                 (the message lists every violation, e.g. {@code $.data.plan: is missing})
     */
    public static DbRefreshEvent payload(EventEnvelope envelope) {
        EventType type = EventType.fromTypeName(envelope.type())
                .orElseThrow(() -> new MalformedEventException("unknown event type '" + envelope.type() + "'"));
        java.util.Set<com.networknt.schema.ValidationMessage> violations;
        try {
            violations = SCHEMAS.get(type).validate(MAPPER.valueToTree(envelope));
        } catch (RuntimeException e) {
            // the validator's own failure on a value it cannot compare, e.g. a number like 1e400 (Infinity)
            throw new MalformedEventException(type.typeName() + " event " + abbreviate(envelope.id())
                    + " cannot be checked against its schema " + type.schemaResource() + ": "
                    + abbreviate(e.getClass().getSimpleName() + " " + e.getMessage())
                    + "; send numbers within the double range and the types the schema names", e);
        }
        if (!violations.isEmpty()) {
            // at most ten violations, each abbreviated: a message's own text must not make the reason huge
            List<String> listed = violations.stream().map(v -> abbreviate(v.toString())).sorted().limit(10).toList();
            throw new MalformedEventException(type.typeName() + " event " + abbreviate(envelope.id())
                    + " does not match its schema " + type.schemaResource() + ": " + listed
                    + (violations.size() > listed.size() ? " and " + (violations.size() - listed.size()) + " more" : ""));
        }
        DbRefreshEvent event;
        try {
            event = MAPPER.treeToValue(envelope.data(), type.payloadType());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new MalformedEventException("data of " + type.typeName() + " event " + abbreviate(envelope.id())
                    + " does not match its schema: " + abbreviate(e.getMessage()), e);
        }
        if (event == null || event.plan() == null || event.plan().isBlank()) {
            throw new MalformedEventException("data of " + type.typeName() + " event " + abbreviate(envelope.id())
                    + " has no 'plan'; name a configured refresh plan");
        }
        envelope.planValues(); // refused here, like the payload, rather than by every handler that reads them
        return event;
    }

    /**
     * @param text text from a message, quoted in an error message
     * @return the text, cut to its first 200 characters (with the length) where longer, so that a huge value in a
     *         message does not make a huge DLQ reason or audit entry
     */
    public static String abbreviate(String text) {
        if (text == null || text.length() <= 200) {
            return text;
        }
        return text.substring(0, 200) + "...(" + text.length() + " characters)";
    }

    private static java.util.Map<EventType, com.networknt.schema.JsonSchema> loadSchemas() {
        var factory = com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V202012);
        var schemas = new java.util.EnumMap<EventType, com.networknt.schema.JsonSchema>(EventType.class);
        for (EventType type : EventType.values()) {
            try (var in = EventCodec.class.getResourceAsStream(type.schemaResource())) {
                if (in == null) {
                    throw new IllegalStateException("schema " + type.schemaResource() + " is missing from the classpath");
                }
                schemas.put(type, factory.getSchema(in));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read schema " + type.schemaResource(), e);
            }
        }
        return schemas;
    }

    /**
     * @param payload an event record
     * @return its JSON tree
     */
    public static JsonNode toTree(Object payload) {
        return MAPPER.valueToTree(payload);
    }

    /**
     * Writes any value as JSON text (manifests, notifications).
     *
     * @param value a record or tree
     * @return JSON text
     */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Reads JSON text into a record (manifests).
     *
     * @param json JSON text
     * @param type the record class
     * @param <T>  record type
     * @return the record
     * @throws IllegalArgumentException when the JSON does not fit the record
     */
    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
