package dev.dbrefresh.runtime.lease;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link LeaseStore} in memory, with the semantics of {@link DynamoDbLeaseStore}: the same conditions on the
 * same whole seconds of the clock, the owner's run id as the fencing token, and expired leases kept until taken
 * over or released. A refused {@link #acquire} always names the holder (the look-up cannot race a release here).
 * The DynamoDB item's {@code renewals} count is not kept: the port does not read it.
 *
 * <p>For tests and single-process use: nothing is persisted. Thread-safe: each write changes its target
 * atomically.
 */
public final class InMemoryLeaseStore implements LeaseStore {

    /** A target's lease: its owner's run id and expiry, seconds since the epoch. */
    private record Lease(String owner, long expiresAt) {
    }

    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Clock clock;

    /** A store on the system clock (UTC). */
    public InMemoryLeaseStore() {
        this(Clock.systemUTC());
    }

    /** @param clock the clock that expiries are read from, in whole seconds */
    public InMemoryLeaseStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Optional<String> acquire(String target, String runId, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        AtomicReference<String> holder = new AtomicReference<>();
        leases.compute(target, (t, lease) -> {
            if (lease == null || lease.owner().equals(runId) || lease.expiresAt() < now) {
                return new Lease(runId, now + ttl.toSeconds());
            }
            holder.set(lease.owner());
            return lease;
        });
        return Optional.ofNullable(holder.get());
    }

    @Override
    public Optional<String> holder(String target) {
        Lease lease = leases.get(target);
        if (lease == null || lease.expiresAt() < clock.instant().getEpochSecond()) {
            return Optional.empty();
        }
        return Optional.of(lease.owner());
    }

    @Override
    public boolean renew(String target, String runId, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        AtomicBoolean renewed = new AtomicBoolean();
        leases.computeIfPresent(target, (t, lease) -> {
            if (!lease.owner().equals(runId) || lease.expiresAt() < now) {
                return lease;
            }
            renewed.set(true);
            return new Lease(runId, now + ttl.toSeconds());
        });
        return renewed.get();
    }

    @Override
    public int releaseRun(String runId) {
        int released = 0;
        for (Map.Entry<String, Lease> e : leases.entrySet()) {
            if (e.getValue().owner().equals(runId)) {
                release(e.getKey(), runId);
                released++;
            }
        }
        return released;
    }

    @Override
    public void release(String target, String runId) {
        leases.computeIfPresent(target, (t, lease) -> lease.owner().equals(runId) ? null : lease);
    }
}
