package dev.dbrefresh.runtime.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore.Claim;
import dev.dbrefresh.runtime.idempotency.IdempotencyStore.Outcome;
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

    /** The owner token of the last claim {@link #claim} made. */
    String lastOwner = "never-claimed";

    /** Claims {@link #eventId} for {@code consumer} with a new owner token (kept in {@link #lastOwner}). */
    Claim claim(String consumer) {
        return claim(consumer, LOCK);
    }

    Claim claim(String consumer, Duration lockTime) {
        lastOwner = UUID.randomUUID().toString();
        return store.claim(consumer, eventId, lastOwner, 1, lockTime).claim();
    }

    /** The heartbeat of the last claim. */
    boolean extend(String consumer) {
        return store.extend(consumer, eventId, lastOwner, null, LOCK);
    }

    @BeforeEach
    void newStore() {
        clock = new MutableClock(Instant.parse("2026-11-21T22:40:00Z"));
        store = store(clock);
        eventId = UUID.randomUUID().toString();
    }

    @Test
    void claim_shouldAcquire_whenEventIsNew() {
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldReportInProgress_whenAnotherDeliveryHoldsTheLock() {
        claim("cluster-service");

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldReportInProgress_whenLockHasNotExpiredYet() {
        claim("cluster-service");
        clock.advance(LOCK.minusSeconds(1));

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldAcquire_whenInProgressLockHasExpired() {
        claim("cluster-service");
        clock.advance(LOCK.plusSeconds(1));

        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
        // the new claim holds a fresh lock
        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void claim_shouldReportCompleted_whenEventWasHandled() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void claim_shouldReportCompleted_whenLongAfterCompletion() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);
        clock.advance(Duration.ofDays(7));

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void claim_shouldAcquireAgain_whenClaimWasReleased() {
        claim("cluster-service");
        store.release("cluster-service", eventId, lastOwner);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void release_shouldNotUndoCompletion() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);
        store.release("cluster-service", eventId, lastOwner);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void extend_shouldKeepClaimInProgress_pastTheFirstLockExpiry() {
        claim("cluster-service");
        clock.advance(LOCK.minusSeconds(10));
        extend("cluster-service");
        clock.advance(Duration.ofSeconds(30));

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void extend_shouldNotUndoCompletion() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);
        extend("cluster-service");

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void extend_shouldNotRecreateClaim_whenItWasReleased() {
        claim("cluster-service");
        store.release("cluster-service", eventId, lastOwner);
        extend("cluster-service");

        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
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
                        String owner = UUID.randomUUID().toString();
                        Claim c = s.claim("cluster-service", eventId, owner, 1, LOCK).claim();
                        seen.add(c);
                        if (c == Claim.ACQUIRED) {
                            s.release("cluster-service", eventId, owner);
                        }
                    }
                    return seen;
                }));
            }
            // Each worker gets an answer every time and never a completion that did not happen. Which worker acquires
            // how often depends on scheduling: on a loaded machine one worker's 300 in-memory claims can all fall
            // into a time slice in which the other holds the key, so ACQUIRED is asserted over both workers.
            Set<Claim> all = EnumSet.noneOf(Claim.class);
            for (Future<Set<Claim>> r : results) {
                Set<Claim> seen = r.get(2, TimeUnit.MINUTES);
                assertThat(seen).isNotEmpty().doesNotContain(Claim.ALREADY_COMPLETED);
                all.addAll(seen);
            }
            assertThat(all).contains(Claim.ACQUIRED);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void claim_shouldKeepConsumersApart_whenTwoServicesHandleSameEvent() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);

        assertThat(claim("notifier-service")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("users-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldHoldTheLock_throughItsLastSecond() {
        claim("cluster-service");
        clock.advance(LOCK);

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldCountTheLockInWholeSeconds() {
        clock.advance(Duration.ofMillis(900));
        claim("cluster-service", Duration.ofMillis(1_999)); // a lock of 1 s, from second 0
        clock.advance(Duration.ofMillis(1_050)); // second 1

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1)); // second 2
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void extend_shouldCountTheNewLockFromNow() {
        claim("cluster-service");
        clock.advance(Duration.ofSeconds(30));
        extend("cluster-service");
        clock.advance(LOCK);

        assertThat(claim("cluster-service")).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void extend_shouldNotCreateAClaim_whenTheKeyIsUnknown() {
        extend("cluster-service");

        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void complete_shouldMarkTheKey_evenWithoutAClaim() {
        store.complete("cluster-service", eventId);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    @Test
    void release_shouldDoNothing_whenTheKeyIsUnknown() {
        store.release("cluster-service", eventId, lastOwner);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void claim_shouldReportCompleted_untilTheKeyMayBeForgotten() {
        claim("cluster-service");
        store.complete("cluster-service", eventId);
        clock.advance(IdempotencyStore.KEEP_COMPLETED);

        assertThat(claim("cluster-service")).isEqualTo(Claim.ALREADY_COMPLETED);
    }

    // ---------------------------------------------------------------- resumption after a crash

    @Test
    void claim_shouldReportTheInterruptedHolder_whenTakingOverAClaimWhoseHeartbeatStopped() {
        Instant claimedAt = clock.instant();
        store.claim("cluster-service", eventId, "dead-worker", 1, LOCK);
        clock.advance(Duration.ofSeconds(20));
        assertThat(store.extend("cluster-service", eventId, "dead-worker", "restore", LOCK)).isTrue();
        Instant lastHeartbeat = clock.instant();
        clock.advance(LOCK.plusSeconds(1)); // the worker died after that heartbeat

        Outcome outcome = store.claim("cluster-service", eventId, "restarted-worker", 2, LOCK);

        assertThat(outcome.claim()).isEqualTo(Claim.ACQUIRED);
        assertThat(outcome.tookOver()).isTrue();
        assertThat(outcome.holder().owner()).isEqualTo("dead-worker");
        assertThat(outcome.holder().attempt()).isEqualTo(1);
        assertThat(outcome.holder().step()).isEqualTo("restore");
        assertThat(outcome.holder().claimedAt()).isEqualTo(claimedAt);
        assertThat(outcome.holder().heartbeatAt()).isEqualTo(lastHeartbeat);
        assertThat(outcome.holder().seenWorking()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void claim_shouldNotReportAHolder_whenTheKeyWasAbsent() {
        Outcome outcome = store.claim("cluster-service", eventId, "worker", 1, LOCK);

        assertThat(outcome.claim()).isEqualTo(Claim.ACQUIRED);
        assertThat(outcome.tookOver()).isFalse();
        assertThat(outcome.holder()).isNull();
    }

    @Test
    void claim_shouldReportTheLiveHolder_whileItsHeartbeatKeepsTheLock() {
        store.claim("cluster-service", eventId, "live-worker", 1, LOCK);
        for (int beat = 0; beat < 5; beat++) { // five lock times in all, each renewed before it ran out
            clock.advance(LOCK.minusSeconds(1));
            assertThat(store.extend("cluster-service", eventId, "live-worker", "restore", LOCK)).isTrue();
        }

        Outcome outcome = store.claim("cluster-service", eventId, "duplicate", 1, LOCK);

        assertThat(outcome.claim()).isEqualTo(Claim.IN_PROGRESS);
        assertThat(outcome.holder().owner()).isEqualTo("live-worker");
        assertThat(outcome.holder().lockExpiry()).isEqualTo(clock.instant().getEpochSecond() + LOCK.toSeconds());
    }

    @Test
    void extend_shouldReportTheClaimLost_whenAnotherOwnerTookItOver() {
        store.claim("cluster-service", eventId, "slow-worker", 1, LOCK);
        clock.advance(LOCK.plusSeconds(1));
        store.claim("cluster-service", eventId, "new-worker", 2, LOCK);

        assertThat(store.extend("cluster-service", eventId, "slow-worker", "restore", LOCK)).isFalse();
        // and the late heartbeat did not renew or change the new holder's claim
        clock.advance(LOCK.plusSeconds(1));
        Outcome next = store.claim("cluster-service", eventId, "third-worker", 3, LOCK);
        assertThat(next.claim()).isEqualTo(Claim.ACQUIRED);
        assertThat(next.holder().owner()).isEqualTo("new-worker");
        assertThat(next.holder().step()).isNull();
    }

    @Test
    void release_shouldLeaveTheNewHoldersClaim_whenCalledByTheOwnerItWasTakenFrom() {
        store.claim("cluster-service", eventId, "slow-worker", 1, LOCK);
        clock.advance(LOCK.plusSeconds(1));
        store.claim("cluster-service", eventId, "new-worker", 2, LOCK);

        store.release("cluster-service", eventId, "slow-worker");

        Outcome outcome = store.claim("cluster-service", eventId, "duplicate", 1, LOCK);
        assertThat(outcome.claim()).isEqualTo(Claim.IN_PROGRESS);
        assertThat(outcome.holder().owner()).isEqualTo("new-worker");
    }

    @Test
    void extend_shouldReportFalse_whenTheClaimWasCompleted() {
        store.claim("cluster-service", eventId, "worker", 1, LOCK);
        store.complete("cluster-service", eventId);

        assertThat(store.extend("cluster-service", eventId, "worker", "restore", LOCK)).isFalse();
    }
}
