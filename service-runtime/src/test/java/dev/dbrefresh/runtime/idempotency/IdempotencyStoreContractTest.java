package dev.dbrefresh.runtime.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore.Claim;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link IdempotencyStore}, run against each implementation by a subclass, with a clock the test
 * moves. The stored keys may be shared by the tests of a class (one DynamoDB table): each test uses an event id
 * of its own.
 */
abstract class IdempotencyStoreContractTest {

    static final Duration LOCK = Duration.ofSeconds(60);

    MutableClock clock;
    IdempotencyStore store;
    String eventId;

    /**
     * @param clock the clock the store reads
     * @return a store under test on that clock, empty or holding only other tests' keys
     */
    abstract IdempotencyStore store(Clock clock);

    @BeforeEach
    void newStore() {
        clock = new MutableClock(Instant.parse("2026-11-21T22:40:00Z"));
        store = store(clock);
        eventId = UUID.randomUUID().toString();
    }

    @Test
    void claim_shouldAcquire_whenEventIsNew() {
        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldReportInProgress_whenAnotherDeliveryHoldsTheLock() {
        store.claim("cluster-service", eventId, LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldReportInProgress_whenLockHasNotExpiredYet() {
        store.claim("cluster-service", eventId, LOCK);
        clock.advance(LOCK.minusSeconds(1));

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldAcquire_whenInProgressLockHasExpired() {
        store.claim("cluster-service", eventId, LOCK);
        clock.advance(LOCK.plusSeconds(1));

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
        // the new claim holds a fresh lock
        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldReportCompleted_whenEventWasHandled() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void claim_shouldReportCompleted_whenLongAfterCompletion() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);
        clock.advance(Duration.ofDays(7));

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void claim_shouldAcquireAgain_whenClaimWasReleased() {
        store.claim("cluster-service", eventId, LOCK);
        store.release("cluster-service", eventId);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void release_shouldNotUndoCompletion() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);
        store.release("cluster-service", eventId);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void extend_shouldKeepClaimInProgress_pastTheFirstLockExpiry() {
        store.claim("cluster-service", eventId, LOCK);
        clock.advance(LOCK.minusSeconds(10));
        store.extend("cluster-service", eventId, LOCK);
        clock.advance(Duration.ofSeconds(30));

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void extend_shouldNotUndoCompletion() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);
        store.extend("cluster-service", eventId, LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void extend_shouldNotRecreateClaim_whenItWasReleased() {
        store.claim("cluster-service", eventId, LOCK);
        store.release("cluster-service", eventId);
        store.extend("cluster-service", eventId, LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldAnswer_whenCompetingClaimIsReleasedConcurrently() throws Exception {
        // Two workers claim and release the same key in a loop. A claim whose conditional put fails and
        // whose follow-up read then finds the key released must still answer (IN_PROGRESS: retry later).
        // One store serves both (a DynamoDB one holds no state of its own: two would do the same).
        IdempotencyStore shared = store(Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Set<Claim>>> results = new ArrayList<>();
            for (IdempotencyStore s : List.of(shared, shared)) {
                results.add(pool.submit(() -> {
                    Set<Claim> seen = EnumSet.noneOf(Claim.class);
                    for (int i = 0; i < 300; i++) {
                        Claim c = s.claim("cluster-service", eventId, LOCK);
                        seen.add(c);
                        if (c == Claim.ACQUIRED) {
                            s.release("cluster-service", eventId);
                        }
                    }
                    return seen;
                }));
            }
            for (Future<Set<Claim>> r : results) {
                assertThat(r.get(2, TimeUnit.MINUTES)).doesNotContain(Claim.ALREADY_COMPLETED).contains(Claim.ACQUIRED);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void claim_shouldKeepConsumersApart_whenTwoServicesHandleSameEvent() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);

        assertThat(store.claim("notifier-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
        assertThat(store.claim("users-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldHoldTheLock_throughItsLastSecond() {
        store.claim("cluster-service", eventId, LOCK);
        clock.advance(LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldCountTheLockInWholeSeconds() {
        clock.advance(Duration.ofMillis(900));
        store.claim("cluster-service", eventId, Duration.ofMillis(1_999)); // a lock of 1 s, from second 0
        clock.advance(Duration.ofMillis(1_050)); // second 1

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1)); // second 2
        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void extend_shouldCountTheNewLockFromNow() {
        store.claim("cluster-service", eventId, LOCK);
        clock.advance(Duration.ofSeconds(30));
        store.extend("cluster-service", eventId, LOCK);
        clock.advance(LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void extend_shouldNotCreateAClaim_whenTheKeyIsUnknown() {
        store.extend("cluster-service", eventId, LOCK);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void complete_shouldMarkTheKey_evenWithoutAClaim() {
        store.complete("cluster-service", eventId);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void release_shouldDoNothing_whenTheKeyIsUnknown() {
        store.release("cluster-service", eventId);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldReportCompleted_untilTheKeyMayBeForgotten() {
        store.claim("cluster-service", eventId, LOCK);
        store.complete("cluster-service", eventId);
        clock.advance(IdempotencyStore.KEEP_COMPLETED);

        assertThat(store.claim("cluster-service", eventId, LOCK)).isEqualTo(Claim.ALREADY_COMPLETED);
    }
}
