package dev.dbrefresh.runtime.messaging;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection at the transport, for the reliability suite only (issue 12): every message {@link EventPublisher}
 * sends to a service queue is sent 1 to {@code max-copies} times, each copy with its own extra delay of 0 to
 * {@code max-delay-seconds} seconds (SQS {@code DelaySeconds}), so copies arrive late, more than once, and out of
 * order, as SNS/SQS at-least-once delivery allows. Raw messages (notifications, dead letters) are left alone.
 *
 * <p><b>Off by default.</b> On only when {@code dbrefresh.messaging.fault-injection.seed} is set (environment:
 * {@code DBREFRESH_MESSAGING_FAULT_INJECTION_SEED}), a {@code long}; the random copies and delays of a service come
 * from {@code new Random(seed ^ service name's hash)}, so a run with the same seed draws the same sequence (the
 * threads' interleaving still varies). {@code dbrefresh.messaging.fault-injection.max-copies} (default 3) and
 * {@code ...max-delay-seconds} (default 4) bound them. Every send writes one line at WARN:
 * {@code fault-injection: event <id> <type> to <queue>: copies=<n> delays=[<s>, ...] reordered=<true|false>}
 * ({@code reordered}: a later copy is due before an earlier one), which the suite counts.
 */
@Singleton
public class FaultyDelivery {

    /** The log line's prefix. */
    public static final String LOG_PREFIX = "fault-injection: ";

    /** No fault injection: one copy, the delay asked for. */
    public static final FaultyDelivery OFF = new FaultyDelivery(null, 1, 0, "");

    private static final Logger LOG = LoggerFactory.getLogger(FaultyDelivery.class);

    private final Random random;
    private final int maxCopies;
    private final int maxDelaySeconds;

    /**
     * The bean.
     *
     * @param seed            the seed, or empty for off
     * @param maxCopies       most copies of one message, at least 1
     * @param maxDelaySeconds most extra delay of one copy, seconds, at least 0
     * @param service         this service's name (mixed into the seed)
     * @throws IllegalArgumentException when the seed is not a {@code long} or a bound is out of range
     */
    @Inject
    public FaultyDelivery(@Value("${dbrefresh.messaging.fault-injection.seed:}") String seed,
            @Value("${dbrefresh.messaging.fault-injection.max-copies:3}") int maxCopies,
            @Value("${dbrefresh.messaging.fault-injection.max-delay-seconds:4}") int maxDelaySeconds,
            @Value("${dbrefresh.messaging.service:}") String service) {
        if (maxCopies < 1 || maxDelaySeconds < 0 || maxDelaySeconds > EventPublisher.MAX_DELAY_SECONDS) {
            throw new IllegalArgumentException("dbrefresh.messaging.fault-injection: max-copies must be at least 1 and"
                    + " max-delay-seconds 0.." + EventPublisher.MAX_DELAY_SECONDS + "; got " + maxCopies + " and "
                    + maxDelaySeconds);
        }
        if (seed == null || seed.isBlank()) {
            this.random = null;
        } else {
            try {
                this.random = new Random(Long.parseLong(seed.trim()) ^ service.hashCode());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dbrefresh.messaging.fault-injection.seed must be a whole number"
                        + " (a long); got '" + seed + "'. Leave it unset to switch fault injection off", e);
            }
            LOG.warn(LOG_PREFIX + "ON (seed {}, up to {} copies, up to {} s extra delay each): for the reliability"
                    + " suite only", seed.trim(), maxCopies, maxDelaySeconds);
        }
        this.maxCopies = maxCopies;
        this.maxDelaySeconds = maxDelaySeconds;
    }

    /** @return whether faults are injected */
    public boolean isOn() {
        return random != null;
    }

    /**
     * The copies to send of one message.
     *
     * @param queue        the queue it goes to
     * @param eventId      the event's id (for the log line)
     * @param type         the event's type (for the log line)
     * @param delaySeconds the delay the sender asked for, seconds
     * @return the delay of each copy, seconds, in sending order: one element, {@code delaySeconds}, when off
     */
    public List<Integer> copies(String queue, String eventId, String type, int delaySeconds) {
        if (random == null) {
            return List.of(delaySeconds);
        }
        List<Integer> delays = new ArrayList<>();
        boolean reordered = false;
        synchronized (random) {
            int n = 1 + random.nextInt(maxCopies);
            for (int i = 0; i < n; i++) {
                int d = Math.min(EventPublisher.MAX_DELAY_SECONDS, delaySeconds + random.nextInt(maxDelaySeconds + 1));
                reordered |= !delays.isEmpty() && d < delays.get(delays.size() - 1);
                delays.add(d);
            }
        }
        LOG.warn(LOG_PREFIX + "event {} {} to {}: copies={} delays={} reordered={}", eventId, type, queue,
                delays.size(), delays, reordered);
        return delays;
    }
}
