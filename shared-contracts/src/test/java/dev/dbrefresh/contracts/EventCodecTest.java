package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventCodecTest {

    @Test
    void decode_shouldRejectBodyThatIsNotJson() {
        assertThatThrownBy(() -> EventCodec.decode("restore now please"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("not JSON");
    }

    @Test
    void decode_shouldRejectJsonThatIsNotAnObject() {
        assertThatThrownBy(() -> EventCodec.decode("[1,2]"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("not a JSON object");
    }

    @Test
    void decode_shouldNameTheMissingAttribute() {
        assertThatThrownBy(() -> EventCodec.decode("{\"id\":\"1\",\"subject\":\"run-1\",\"data\":{}}"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("'type'");
    }

    @Test
    void decode_shouldListKnownTypes_whenTypeIsUnknown() {
        assertThatThrownBy(() -> EventCodec.decode(
                "{\"id\":\"1\",\"type\":\"dbrefresh.bogus.v1\",\"subject\":\"run-1\",\"data\":{}}"))
                .isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("dbrefresh.bogus.v1").hasMessageContaining("dbrefresh.refresh.requested.v1");
    }

    @Test
    void payload_shouldReject_whenFieldHasWrongType() {
        EventEnvelope envelope = EventCodec.decode("{\"id\":\"1\",\"type\":\"dbrefresh.cluster.restored.v1\","
                + "\"subject\":\"run-1\",\"data\":{\"plan\":\"p\",\"port\":\"not-a-port\"}}");

        assertThatThrownBy(() -> EventCodec.payload(envelope)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("dbrefresh.cluster.restored.v1");
    }

    @Test
    void payload_shouldIgnoreUnknownFields_forForwardCompatibility() {
        EventEnvelope envelope = EventCodec.decode("{\"id\":\"1\",\"type\":\"dbrefresh.refresh.requested.v1\","
                + "\"source\":\"cli\",\"specversion\":\"1.0\",\"subject\":\"run-1\",\"data\":{\"plan\":\"p\",\"addedLater\":true}}");

        assertThat(EventCodec.payload(envelope)).isEqualTo(new RefreshRequested("p", null, null, false, null));
    }

    @Test
    void payload_shouldAcceptEveryPhaseOfTheRestorePoll_andRejectOthers() {
        for (String phase : java.util.List.of("renaming", "deleting", "restoring")) {
            ClusterRestorePoll poll = new ClusterRestorePoll("p", "copy-1", phase, 1,
                    java.time.Instant.parse("2026-12-01T10:00:00Z"));
            EventEnvelope envelope = EventCodec.decode(EventCodec.encode(EventEnvelope.create("test", "run-1", null, poll,
                    java.time.Instant.parse("2026-12-01T09:00:00Z"))));
            assertThat(EventCodec.payload(envelope)).isEqualTo(poll);
        }
        EventEnvelope waiting = EventCodec.decode(EventCodec.encode(EventEnvelope.create("test", "run-1", null,
                new ClusterRestorePoll("p", "copy-1", "sleeping", 1, java.time.Instant.parse("2026-12-01T10:00:00Z")),
                java.time.Instant.parse("2026-12-01T09:00:00Z"))));
        assertThatThrownBy(() -> EventCodec.payload(waiting)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("phase");
    }
}
