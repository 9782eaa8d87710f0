package dev.dbrefresh.runtime.idempotency;

import java.time.Duration;

/**
 * Duplicate detection per (consumer, event id), after Powertools' idempotency utility: a key is claimed before
 * the handler runs, marked COMPLETED after success, and released after a failure so a retry can claim it again.
 *
 * <p>A key is in one of three states: absent, INPROGRESS (with a lock expiry) or COMPLETED. Time is read from the
 * implementation's clock in whole seconds since the epoch, and durations count in whole seconds
 * ({@link Duration#toSeconds()}). A lock taken at second {@code t} for {@code lockTime} holds through second
 * {@code t + lockTime} and can be claimed again from the second after. A key is kept at least
 * {@link #KEEP_COMPLETED} after its last claim or completion and may be forgotten after that (it becomes absent).
 *
 * <p>A port with two implementations of one contract: {@link DynamoDbIdempotencyStore} (the bean; a DynamoDB
 * table) and {@link InMemoryIdempotencyStore} (tests and single-process use). Implementations are thread-safe and
 * each call is atomic.
 */
public interface IdempotencyStore {

    /**
     * How long a key is kept after its last claim or completion: longer than any SQS retention (14 days max), so a
     * message cannot outlive the record that it was handled.
     */
    Duration KEEP_COMPLETED = Duration.ofDays(15);

    /** What {@link #claim} found. */
    enum Claim {
        /** The key is ours: run the handler. */
        ACQUIRED,
        /** The event was handled before: acknowledge it without running the handler. */
        ALREADY_COMPLETED,
        /** Another delivery of the event is being handled right now: retry later. */
        IN_PROGRESS
    }

    /**
     * Claims the key when it is absent or its INPROGRESS lock has expired: it becomes INPROGRESS with a lock until
     * now + {@code lockTime}.
     *
     * @param consumer  consumer id (service name)
     * @param eventId   event id
     * @param lockTime  how long the claim holds if this worker dies, normally the visibility timeout
     * @return the outcome: {@link Claim#ACQUIRED} when claimed; {@link Claim#ALREADY_COMPLETED} for a COMPLETED key;
     *         {@link Claim#IN_PROGRESS} while another claim's lock holds (also when that claim is released while
     *         this one looks: retry later)
     */
    Claim claim(String consumer, String eventId, Duration lockTime);

    /**
     * Extends the lock of a claim whose handler is still running (called by the consumer's heartbeat), so
     * a duplicate delivery cannot claim the event while a long handler runs. Does nothing when the key
     * was completed or released meanwhile.
     *
     * @param consumer consumer id
     * @param eventId  event id
     * @param lockTime how long the claim holds from now if this worker dies
     */
    void extend(String consumer, String eventId, Duration lockTime);

    /**
     * Marks a claimed key as handled: it becomes COMPLETED whatever its state (the write is unconditional), and
     * later claims answer {@link Claim#ALREADY_COMPLETED}.
     *
     * @param consumer consumer id
     * @param eventId  event id
     */
    void complete(String consumer, String eventId);

    /**
     * Releases a claim after a failed attempt so the retry can claim it: an INPROGRESS key becomes absent; a
     * COMPLETED key is left alone (a completion is never undone).
     *
     * @param consumer consumer id
     * @param eventId  event id
     */
    void release(String consumer, String eventId);
}
