package dev.dbrefresh.runtime.lease;

import java.time.Duration;
import java.util.Optional;

/**
 * At most one active run per target: a lease per target, taken when it is free, already the run's, or expired,
 * and released by its owner when the run ends. An expired lease (a run that died without ending) can be taken
 * over.
 *
 * <p>A lease lives as long as its run: every step of the run renews it ({@link #renew}) before it
 * works or waits, and a step that is about to change the target renews it first, so a run whose lease
 * expired or was taken over stops before its next change. The owner's run id is the fencing token:
 * renewal is a conditional write on it, never a read followed by a write.
 *
 * <p>Time is read from the implementation's clock in whole seconds since the epoch, and durations count in whole
 * seconds ({@link Duration#toSeconds()}). A lease taken or renewed at second {@code t} for {@code ttl} expires
 * at {@code t + ttl}: it is held through that second and free from the second after. An expired lease stays
 * until it is taken over or released: {@link #releaseRun} releases it too.
 *
 * <p>A port with two implementations of one contract: {@link DynamoDbLeaseStore} (the bean; a DynamoDB table) and
 * {@link InMemoryLeaseStore} (tests and single-process use). Implementations are thread-safe and each write is
 * atomic.
 */
public interface LeaseStore {

    /**
     * Takes the lease when the target is free, already held by {@code runId} (which then gets a new expiry), or
     * held by a lease that has expired.
     *
     * @param target target id, e.g. {@code postgres://127.0.0.1:5432/pgbench_acceptance}
     * @param runId  the run that wants the target
     * @param ttl    how long the lease holds without being released
     * @return empty when the lease is the run's (new or already held), else the run holding it
     *         ({@code "an unknown run"} when the holder let it go between the refusal and the look-up)
     */
    Optional<String> acquire(String target, String runId, Duration ttl);

    /**
     * @param target target id
     * @return the run that holds an unexpired lease on it
     */
    Optional<String> holder(String target);

    /**
     * Extends the run's lease by {@code ttl} from now, if the run still holds it unexpired.
     *
     * @param target target id
     * @param runId  the run that holds it
     * @param ttl    new time to live from now
     * @return {@code true} when renewed; {@code false} when the lease expired, was released or is held
     *         by another run (the caller must not change the target)
     */
    boolean renew(String target, String runId, Duration ttl);

    /**
     * Releases every lease {@code runId} holds, whatever name its target had when it was taken: the
     * notifier ends a run this way without connecting to the target (which may be down after a failure).
     * Expired leases of the run are released too.
     *
     * @param runId the run that ends
     * @return how many leases were released
     */
    int releaseRun(String runId);

    /**
     * Releases the lease if {@code runId} holds it; does nothing otherwise (a late duplicate of an
     * earlier run must not free a newer run's lease).
     *
     * @param target target id
     * @param runId  the run that ends
     */
    void release(String target, String runId);
}
