package dev.dbrefresh.runtime.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link IdempotencyStore} in memory, with the semantics of {@link DynamoDbIdempotencyStore}: the same states,
 * the same conditions on the same whole seconds of the clock, and the same key ({@code <consumer>#<event id>}, so
 * pairs that spell the same key share it here as there). A key whose TTL ({@link #KEEP_COMPLETED} after its last
 * claim or completion) has passed counts as deleted, as if DynamoDB's TTL deleted it at once; it is dropped from
 * memory when next touched.
 *
 * <p>For tests and single-process use: nothing is persisted. Thread-safe: each call changes its key atomically.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** A key's state: COMPLETED, or INPROGRESS with its lock expiry; times in seconds since the epoch. */
    private record Item(boolean completed, long lockExpiry, long expiry) {
    }

    /** A change of one key: from its live item ({@code null}: absent) to the new one ({@code null}: delete). */
    private interface Change {
        Item apply(Item item, long now);
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
    public Claim claim(String consumer, String eventId, Duration lockTime) {
        AtomicReference<Claim> outcome = new AtomicReference<>();
        change(consumer, eventId, (item, now) -> {
            if (item == null || !item.completed() && item.lockExpiry() < now) {
                outcome.set(Claim.ACQUIRED);
                return new Item(false, now + lockTime.toSeconds(), now + KEEP_COMPLETED.toSeconds());
            }
            outcome.set(item.completed() ? Claim.ALREADY_COMPLETED : Claim.IN_PROGRESS);
            return item;
        });
        return outcome.get();
    }

    @Override
    public void extend(String consumer, String eventId, Duration lockTime) {
        change(consumer, eventId, (item, now) -> item != null && !item.completed()
                ? new Item(false, now + lockTime.toSeconds(), item.expiry()) : item);
    }

    @Override
    public void complete(String consumer, String eventId) {
        change(consumer, eventId, (item, now) -> new Item(true, 0, now + KEEP_COMPLETED.toSeconds()));
    }

    @Override
    public void release(String consumer, String eventId) {
        change(consumer, eventId, (item, now) -> item != null && !item.completed() ? null : item);
    }

    /** Applies {@code change} atomically to the key's item, an item whose TTL has passed counting as absent. */
    private void change(String consumer, String eventId, Change change) {
        long now = clock.instant().getEpochSecond();
        items.compute(consumer + "#" + eventId,
                (key, item) -> change.apply(item == null || item.expiry() < now ? null : item, now));
    }
}
