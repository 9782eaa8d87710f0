package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TraceParent} and its propagation through {@link EventEnvelope}: one run, one W3C trace. */
class TraceParentTest {

    @Test
    void root_shouldBeAValidTraceparentWithANewTraceEachTime() {
        String a = TraceParent.root();
        String b = TraceParent.root();

        assertThat(a).matches(TraceParent.FORMAT).endsWith("-01");
        assertThat(TraceParent.traceId(a)).isNotEqualTo(TraceParent.traceId(b));
    }

    @Test
    void child_shouldKeepTheTraceIdAndFlags_withANewParentId() {
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

        String child = TraceParent.child(parent);

        assertThat(child).matches(TraceParent.FORMAT).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-00")
                .isNotEqualTo(parent);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"})
    void child_shouldOpenANewTrace_whenTheParentIsMissingOrNotValid(String parent) {
        String child = TraceParent.child(parent);

        assertThat(child).matches(TraceParent.FORMAT);
        assertThat(TraceParent.traceId(child)).isNotEqualTo(TraceParent.traceId(parent)).isPresent();
        assertThat(TraceParent.traceId(parent)).isEmpty();
    }

    @Test
    void create_shouldOpenATraceForAStartMessage_andKeepItForEveryEventItCauses() {
        EventEnvelope start = EventEnvelope.create("dbrefresh/cli", "run-1", null,
                new RefreshRequested("p", null, null, false, "cli", java.util.Map.of()), Instant.EPOCH);
        EventEnvelope failed = EventEnvelope.create("dbrefresh/snapshot-service", "run-1", start,
                new RefreshFailed("p", "snapshot-service", "dump", "TEST_FAILURE", "m", false), Instant.EPOCH)
                .withId("derived").withPlanValues(java.util.Map.of("restore.jobs", "2"));

        assertThat(start.traceparent()).matches(TraceParent.FORMAT);
        assertThat(TraceParent.traceId(failed.traceparent())).isEqualTo(TraceParent.traceId(start.traceparent()));
        assertThat(failed.traceparent()).isNotEqualTo(start.traceparent());
        // on the wire as the CloudEvents extension attribute, and back
        EventEnvelope decoded = EventCodec.decode(EventCodec.encode(failed));
        assertThat(decoded.traceparent()).isEqualTo(failed.traceparent());
    }
}
