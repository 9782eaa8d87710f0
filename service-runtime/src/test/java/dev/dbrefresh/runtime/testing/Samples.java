package dev.dbrefresh.runtime.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventType;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Consumer-test messages built from shared-contracts' sample envelopes
 * ({@link EventType#sampleResource()}): a fresh event id, the test's run id as subject and
 * correlation id, the current time, and the payload adapted by the test.
 */
public final class Samples {

    private Samples() {
    }

    /** @return the sample envelope of a type, as published in shared-contracts */
    public static ObjectNode sample(EventType type) {
        try (InputStream in = Samples.class.getResourceAsStream(type.sampleResource())) {
            if (in == null) {
                throw new IllegalStateException("no sample " + type.sampleResource() + " on the classpath");
            }
            return (ObjectNode) EventCodec.mapper().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read sample " + type.sampleResource(), e);
        }
    }

    /**
     * @param type  event type
     * @param runId run id (subject and correlation id)
     * @param data  changes to the sample's payload
     * @return the envelope, ready to be sent
     */
    public static ObjectNode envelope(EventType type, String runId, Consumer<ObjectNode> data) {
        ObjectNode e = sample(type);
        e.put("id", UUID.randomUUID().toString());
        e.put("subject", runId);
        e.put("correlationid", runId);
        e.put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        data.accept((ObjectNode) e.get("data"));
        return e;
    }

    /** @return a run id unique to this JVM, e.g. {@code run-guard-1a2b3c4d} */
    public static String runId(String what) {
        return "run-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
