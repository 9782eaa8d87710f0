package dev.dbrefresh.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The one envelope every dbrefresh message travels in: the CloudEvents 1.0 structured JSON format
 * (<a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md">JSON
 * event format</a>) with the extension attributes {@code correlationid}, {@code causationid}, {@code planvalues} and
 * {@code traceparent} (W3C trace context, {@link TraceParent}).
 *
 * <p>Metadata is kept apart from the payload: {@link #data()} holds the event record of {@link #type()}
 * as JSON, decoded by {@link EventCodec#payload(EventEnvelope)}.
 *
 * @param specversion     always {@code "1.0"}
 * @param id              unique id of this event; the idempotency key of its consumers
 * @param source          URI-reference of the producer, e.g. {@code dbrefresh/snapshot-service}
 * @param type            versioned logical type name, one of {@link EventType#typeName()}
 * @param time            when the event was produced (UTC)
 * @param subject         the run id the event belongs to
 * @param datacontenttype always {@code application/json}
 * @param correlationid   the run id again, under the name message tooling expects
 * @param causationid     id of the event that caused this one; {@code null} for a start message
 * @param data            the payload, a JSON object
 * @param planvalues      extension attribute: the run's plan values (a JSON object of plan keys such as
 *                        {@code target.instance-class} to strings, as text, since CloudEvents attribute
 *                        values are scalar), set from the start message and carried by every later event
 *                        of the run; {@code null} when the run has none
 * @param traceparent     extension attribute: the W3C {@code traceparent} of this event ({@link TraceParent}); a
 *                        start message opens the run's trace, every event it causes is a child in the same trace;
 *                        {@code null} in messages of senders that predate it (their first consequence opens a trace)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventEnvelope(
        String specversion,
        String id,
        String source,
        String type,
        Instant time,
        String subject,
        String datacontenttype,
        String correlationid,
        String causationid,
        JsonNode data,
        String planvalues,
        String traceparent) {

    /** CloudEvents spec version written by dbrefresh. */
    public static final String SPEC_VERSION = "1.0";

    /** Content type of {@link #data()}. */
    public static final String JSON = "application/json";

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
    }

    /**
     * Builds the envelope of a new event.
     *
     * @param source  producer, e.g. {@code dbrefresh/cluster-service}
     * @param runId   run the event belongs to (subject and correlation id)
     * @param cause   the event that caused this one, or {@code null} for a start message
     * @param payload the event record; its type name comes from {@link EventType#of(DbRefreshEvent)}
     * @param time    production time
     * @return a new envelope with a random UUID id
     */
    public static EventEnvelope create(String source, String runId, EventEnvelope cause, DbRefreshEvent payload,
            Instant time) {
        return new EventEnvelope(SPEC_VERSION, UUID.randomUUID().toString(), source, EventType.of(payload).typeName(),
                time, runId, JSON, runId, cause == null ? null : cause.id(), EventCodec.toTree(payload),
                cause == null ? null : cause.planvalues(),
                cause == null ? TraceParent.root() : TraceParent.child(cause.traceparent()));
    }

    /**
     * The id of an event published while handling {@code cause}: a name-based UUID (RFC 4122 version 3)
     * of the cause's id and the new event's type. A redelivered handler publishes the same ids again, so
     * downstream idempotency drops its publishes as duplicates: no second poll chain, no second
     * notification.
     *
     * @param cause the event being handled
     * @param type  the type name of the event published, e.g. {@code dbrefresh.snapshot.ready.v1}
     * @return the derived id
     */
    public static String derivedId(EventEnvelope cause, String type) {
        return UUID.nameUUIDFromBytes((cause.id() + "\n" + type).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    /**
     * @param receivedAt when the message was first sent to the queue (SQS {@code SentTimestamp})
     * @return this envelope, with {@code time} set to {@code receivedAt} where the sender left it out
     */
    public EventEnvelope withTimeIfMissing(Instant receivedAt) {
        return time != null ? this : new EventEnvelope(specversion, id, source, type, receivedAt, subject,
                datacontenttype, correlationid, causationid, data, planvalues, traceparent);
    }

    /**
     * @param newId an id chosen by the caller (deterministic ids make duplicates detectable)
     * @return this envelope with that id
     */
    public EventEnvelope withId(String newId) {
        return new EventEnvelope(specversion, newId, source, type, time, subject, datacontenttype, correlationid,
                causationid, data, planvalues, traceparent);
    }

    /**
     * @param values the run's plan values, or {@code null}/empty for none
     * @return this envelope carrying them
     */
    public EventEnvelope withPlanValues(java.util.Map<String, String> values) {
        return new EventEnvelope(specversion, id, source, type, time, subject, datacontenttype, correlationid,
                causationid, data, values == null || values.isEmpty() ? null : EventCodec.toJson(new java.util.TreeMap<>(values)),
                traceparent);
    }

    /**
     * @return the run's plan values carried by this envelope (empty when none)
     * @throws MalformedEventException when {@code planvalues} is not the text of a JSON object of strings (what
     *                                 {@link #withPlanValues} writes)
     */
    public java.util.Map<String, String> planValues() {
        if (planvalues == null || planvalues.isBlank()) {
            return java.util.Map.of();
        }
        JsonNode node;
        try {
            node = EventCodec.fromJson(planvalues, JsonNode.class);
        } catch (IllegalArgumentException e) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            throw new MalformedEventException("envelope attribute 'planvalues' of event " + EventCodec.abbreviate(id)
                    + " is not the text of a JSON object of plan keys to strings, e.g. {\"restore.jobs\":\"2\"}");
        }
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new MalformedEventException("envelope attribute 'planvalues' of event " + EventCodec.abbreviate(id)
                        + " gives '" + EventCodec.abbreviate(e.getKey()) + "' a " + e.getValue().getNodeType()
                        + ", not a string");
            }
            values.put(e.getKey(), e.getValue().asText());
        });
        return values;
    }

    /** @return the run id: {@link #subject()}, else {@link #correlationid()} */
    public String runId() {
        return subject != null ? subject : correlationid;
    }
}
