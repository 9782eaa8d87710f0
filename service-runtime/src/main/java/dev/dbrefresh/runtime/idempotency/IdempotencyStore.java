package dev.dbrefresh.runtime.idempotency;

import java.time.Duration;
import java.time.Instant;

/**
 * Duplicate detection per (consumer, event id), after Powertools' idempotency utility: a key is claimed before
 * the handler runs, marked COMPLETED after success, and released after a failure so a retry can claim it again.
 *
 * <p>A key is in one of three states: absent, INPROGRESS (held by one owner, with a lock expiry kept alive by the
 * owner's heartbeat) or COMPLETED. Time is read from the implementation's clock in whole seconds since the epoch
 * for locks and TTLs, and durations count in whole seconds ({@link Duration#toSeconds()}). A lock taken or
 * extended at second {@code t} for {@code lockTime} holds through second {@code t + lockTime} and can be claimed
 * again from the second after. A key is kept at least {@link #KEEP_COMPLETED} after its last claim or completion
 * and may be forgotten after that (it becomes absent).
 *
 * <p>Resumption after a crash: the consumer claims with a lock of a few heartbeat intervals (shorter than the
 * queue's visibility timeout) and extends it on every heartbeat. A worker killed outright stops extending, so its
 * claim is takeable by the time SQS redelivers the message; a live worker's heartbeat keeps it. The claim that
 * takes over reports the interrupted holder ({@link Holder}: its attempt, when it started, its last heartbeat and
 * step) so the audit log can show the interrupted attempt and the resumed one apart. Only the owner of a claim
 * extends or releases it ({@code owner} conditions), so a worker that lost its claim cannot end the new holder's.
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
     * The holder of an INPROGRESS claim as stored.
     *
     * @param owner       the holder's claim token (unique per claim)
     * @param attempt     the holder's attempt number, 1 for the first
     * @param claimedAt   when the holder claimed (millisecond precision)
     * @param heartbeatAt the holder's last sign of life (a heartbeat or a step beginning), {@code claimedAt}
     *                    before the first
     * @param step        the step the holder reported last ({@code StepContext.currentStepId()}: when a step
     *                    begins, and at every heartbeat), {@code null} before any
     * @param lockExpiry  the last second (since the epoch) through which the lock holds
     */
    record Holder(String owner, int attempt, Instant claimedAt, Instant heartbeatAt, String step, long lockExpiry) {

        /** @return how long the holder was seen working: from its claim to its last heartbeat */
        public Duration seenWorking() {
            return Duration.between(claimedAt, heartbeatAt);
        }
    }

    /**
     * The answer of {@link #claim}.
     *
     * @param claim  what was found
     * @param holder for {@link Claim#ACQUIRED}: the earlier holder whose heartbeat stopped and whose claim was
     *               taken over (an interrupted attempt), else {@code null}; for {@link Claim#IN_PROGRESS}: the
     *               live holder when it could be read, else {@code null}; for {@link Claim#ALREADY_COMPLETED}:
     *               {@code null}
     */
    record Outcome(Claim claim, Holder holder) {

        /** @return whether this claim took over from an interrupted holder */
        public boolean tookOver() {
            return claim == Claim.ACQUIRED && holder != null;
        }
    }

    /**
     * Claims the key when it is absent or its INPROGRESS lock has expired: it becomes INPROGRESS, held by
     * {@code owner} with a lock until now + {@code lockTime}.
     *
     * @param consumer  consumer id (service name)
     * @param eventId   event id
     * @param owner     this claim's token, unique per claim (e.g. a random UUID)
     * @param attempt   this claim's attempt number, stored for a later takeover to report
     * @param lockTime  how long the claim holds without a heartbeat ({@link #extend}); a few heartbeat
     *                  intervals, less than the queue's visibility timeout
     * @return the outcome: {@link Claim#ACQUIRED} when claimed (with the interrupted holder if the key's lock had
     *         expired); {@link Claim#ALREADY_COMPLETED} for a COMPLETED key; {@link Claim#IN_PROGRESS} while another
     *         claim's lock holds (also when that claim is released while this one looks: retry later)
     */
    Outcome claim(String consumer, String eventId, String owner, int attempt, Duration lockTime);

    /**
     * The heartbeat of a claim whose handler is still running: extends its lock to now + {@code lockTime} and
     * records the time and the step running, so a duplicate delivery cannot claim the event while a long handler
     * runs. Does nothing when the key was completed or released meanwhile, or is held by another owner.
     *
     * @param consumer consumer id
     * @param eventId  event id
     * @param owner    the token the claim was taken with
     * @param step     the step running now, or {@code null}
     * @param lockTime how long the claim holds from now if this worker dies
     * @return whether the claim is still {@code owner}'s and INPROGRESS (false: it was lost, completed or released)
     */
    boolean extend(String consumer, String eventId, String owner, String step, Duration lockTime);

    /**
     * Marks a claimed key as handled: it becomes COMPLETED whatever its state (the write is unconditional), and
     * later claims answer {@link Claim#ALREADY_COMPLETED}.
     *
     * @param consumer consumer id
     * @param eventId  event id
     */
    void complete(String consumer, String eventId);

    /**
     * Releases a claim after a failed attempt so the retry can claim it: an INPROGRESS key held by {@code owner}
     * becomes absent; a COMPLETED key, or one held by another owner, is left alone.
     *
     * @param consumer consumer id
     * @param eventId  event id
     * @param owner    the token the claim was taken with
     */
    void release(String consumer, String eventId, String owner);
}
