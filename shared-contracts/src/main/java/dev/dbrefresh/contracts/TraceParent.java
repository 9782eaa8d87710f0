package dev.dbrefresh.contracts;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * W3C Trace Context {@code traceparent} values, as carried by the CloudEvents {@code traceparent} extension
 * attribute of {@link EventEnvelope} (<a href="https://www.w3.org/TR/trace-context/#traceparent-header">W3C Trace
 * Context, traceparent</a>; <a href="https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/extensions/distributed-tracing.md">
 * CloudEvents distributed tracing extension</a>): {@code 00-<trace-id: 32 hex>-<parent-id: 16 hex>-<flags: 2 hex>},
 * lower case, neither id all zeros.
 *
 * <p>A run is one trace: its start message opens it ({@link #root()}), and every event published while handling
 * another is a child of it ({@link #child(String)}: the same trace id, a new parent id, the same flags), so the four
 * services' events of one run share a trace id. dbrefresh propagates the value itself; it does not record spans
 * (no OpenTelemetry SDK on the classpath), but a collector or log search can follow the trace id.
 */
public final class TraceParent {

    /** The format this class writes and accepts (version {@code 00}). */
    public static final Pattern FORMAT = Pattern.compile("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_PARENT = "0".repeat(16);

    private TraceParent() {
    }

    /** @return a new trace: random trace and parent ids, flags {@code 01} (sampled) */
    public static String root() {
        return "00-" + randomHex(16) + "-" + randomHex(8) + "-01";
    }

    /**
     * @param parent the cause's {@code traceparent}; {@code null} or not valid opens a new trace
     * @return a value in the same trace as {@code parent}, with a new parent id and its flags
     */
    public static String child(String parent) {
        Optional<String> traceId = traceId(parent);
        return traceId.isEmpty() ? root() : "00-" + traceId.get() + "-" + randomHex(8) + "-" + parent.substring(53);
    }

    /**
     * @param traceparent a value, or {@code null}
     * @return its trace id, when it is valid
     */
    public static Optional<String> traceId(String traceparent) {
        var m = traceparent == null ? null : FORMAT.matcher(traceparent);
        return m != null && m.matches() && !ZERO_TRACE.equals(m.group(1)) && !ZERO_PARENT.equals(m.group(2))
                ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        do {
            RANDOM.nextBytes(b);
        } while (allZero(b));
        return HEX.formatHex(b);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
