package dev.dbrefresh.runtime.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.runtime.idempotency.IdempotencyStore.Claim;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link InMemoryIdempotencyStore}: the {@link IdempotencyStore} contract, a new store for each test, and its TTL
 * (DynamoDB deletes expired items at a time of its own, so the contract cannot say when a key is forgotten).
 */
class InMemoryIdempotencyStoreTest extends IdempotencyStoreContractTest {

    @Override
    IdempotencyStore store(Clock clock) {
        return new InMemoryIdempotencyStore(clock);
    }

    @Test
    void claim_shouldAcquire_whenACompletedKeyOutlivedItsTtl() {
        claim("cluster-service");
        clock.advance(Duration.ofDays(1));
        store.complete("cluster-service", eventId);
        clock.advance(IdempotencyStore.KEEP_COMPLETED); // the TTL counts from the completion

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldAcquire_whenAnInProgressKeyOutlivedItsTtl_evenWithItsLockHolding() {
        Duration longLock = IdempotencyStore.KEEP_COMPLETED.multipliedBy(2);
        claim("cluster-service", longLock);
        clock.advance(IdempotencyStore.KEEP_COMPLETED);
        store.extend("cluster-service", eventId, lastOwner, null, longLock); // an extension keeps the TTL of the claim

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }
}
