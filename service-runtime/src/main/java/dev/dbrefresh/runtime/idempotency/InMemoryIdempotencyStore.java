package dev.dbrefresh.runtime.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link IdempotencyStore} in memory, with the semantics of {@link DynamoDbIdempotencyStore}: the same states,
 * the same conditions on the same whole seconds of the clock, the same owner checks, and the same key ({@code <consumer>#<event id>}, so
 * pairs that spell the same key share it here as there). A key whose TTL ({@link #KEEP_COMPLETED} after its last
 * claim or completion) has passed counts as deleted, as if DynamoDB's TTL deleted it at once; it is dropped from
 * memory when next touched.
 *
 * <p>For tests and single-process use: nothing is persisted. Thread-safe: each call changes its key atomically.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /**
     * A key's state: COMPLETED, or INPROGRESS held by {@code holder}; {@code expiry} (the TTL) in seconds since the
     * epoch.
     */
    private record Item(boolean completed, Holder holder, long expiry) {
    }

    /** A change of one key: from its live item ({@code null}: absent) to the new one ({@code null}: delete). */
    private interface Change {
        Item apply(Item item, Instant now);
    }

    private final ConcurrentHashMap<String, Item> items = new ConcurrentHashMap<>();
    private final Clock clock;

    /** A store on the system clock (UTC). */
    public InMemoryIdempotencyStore() {
        this(Clock.systemUTC());
    }

    /** @param clock the clock that lock expiries and TTLs are read from, in whole seconds */
    public InMemoryIdempotencyStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Outcome claim(String consumer, String eventId, String owner, int attempt, Duration lockTime) {
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        change(consumer, eventId, (item, now) -> {
            long second = now.getEpochSecond();
            if (item == null || !item.completed() && item.holder().lockExpiry() < second) {
                outcome.set(new Outcome(Claim.ACQUIRED, item == null ? null : item.holder()));
                Instant at = Instant.ofEpochMilli(now.toEpochMilli());
                return new Item(false, new Holder(owner, attempt, at, at, null, second + lockTime.toSeconds()),
                        second + KEEP_COMPLETED.toSeconds());
            }
            outcome.set(item.completed() ? new Outcome(Claim.ALREADY_COMPLETED, null)
                    : new Outcome(Claim.IN_PROGRESS, item.holder()));
            return item;
        });
        return outcome.get();
    }

    @Override
    public boolean extend(String consumer, String eventId, String owner, String step, Duration lockTime) {
        AtomicReference<Boolean> extended = new AtomicReference<>(false);
        change(consumer, eventId, (item, now) -> {
            if (item == null || item.completed() || !item.holder().owner().equals(owner)) {
                return item;
            }
            extended.set(true);
            Holder h = item.holder();
            return new Item(false, new Holder(owner, h.attempt(), h.claimedAt(), Instant.ofEpochMilli(now.toEpochMilli()),
                    step, now.getEpochSecond() + lockTime.toSeconds()), item.expiry());
        });
        return extended.get();
    }

    @Override
    public void complete(String consumer, String eventId) {
        change(consumer, eventId, (item, now) -> new Item(true, null, now.getEpochSecond() + KEEP_COMPLETED.toSeconds()));
    }

    @Override
    public void release(String consumer, String eventId, String owner) {
        change(consumer, eventId, (item, now) -> item != null && !item.completed() && item.holder().owner().equals(owner)
                ? null : item);
    }

    /** Applies {@code change} atomically to the key's item, an item whose TTL has passed counting as absent. */
    private void change(String consumer, String eventId, Change change) {
        Instant now = clock.instant();
        items.compute(consumer + "#" + eventId,
                (key, item) -> change.apply(item == null || item.expiry() < now.getEpochSecond() ? null : item, now));
    }
}
