package dev.dbrefresh.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The one envelope every dbrefresh message travels in: the CloudEvents 1.0 structured JSON format
 * (<a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md">JSON
 * event format</a>) with two extension attributes, {@code correlationid} and {@code causationid}.
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
        JsonNode data) {

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
                time, runId, JSON, runId, cause == null ? null : cause.id(), EventCodec.toTree(payload));
    }

    /** @return the run id: {@link #subject()}, else {@link #correlationid()} */
    public String runId() {
        return subject != null ? subject : correlationid;
    }
}
