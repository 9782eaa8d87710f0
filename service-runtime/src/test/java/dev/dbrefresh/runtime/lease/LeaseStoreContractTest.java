package dev.dbrefresh.runtime.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LeaseStore}, run against each implementation by a subclass, with a clock the test moves.
 * The leases may be shared by the tests of a class (one DynamoDB table): each test uses a target of its own.
 */
abstract class LeaseStoreContractTest {

    static final Duration TTL = Duration.ofHours(2);
    static final String RUN_A = "run-a";
    static final String RUN_B = "run-b";

    MutableClock clock;
    LeaseStore leases;
    String target;

    /**
     * @param clock the clock the store reads
     * @return a store under test on that clock, empty or holding only other tests' leases
     */
    abstract LeaseStore store(Clock clock);

    @BeforeEach
    void newStore() {
        clock = new MutableClock(Instant.parse("2026-11-21T22:40:00Z"));
        leases = store(clock);
        target = "postgres://127.0.0.1:5432/acceptance_" + UUID.randomUUID();
    }

    @Test
    void acquire_shouldGrantLease_whenTargetIsFree() {
        assertThat(leases.acquire(target, RUN_A, TTL)).isEmpty();
        assertThat(leases.holder(target)).contains(RUN_A);
    }

    @Test
    void acquire_shouldRefuseAndNameHolder_whenAnotherRunHoldsTarget() {
        leases.acquire(target, RUN_A, TTL);

        assertThat(leases.acquire(target, RUN_B, TTL)).contains(RUN_A);
        assertThat(leases.holder(target)).contains(RUN_A);
    }

    @Test
    void acquire_shouldSucceed_whenSameRunAcquiresAgain() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(Duration.ofMinutes(30));

        assertThat(leases.acquire(target, RUN_A, TTL)).isEmpty();
        assertThat(leases.holder(target)).contains(RUN_A);
    }

    @Test
    void acquire_shouldExtendLease_whenSameRunAcquiresAgain() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL.minusMinutes(1));
        leases.acquire(target, RUN_A, TTL);
        clock.advance(Duration.ofMinutes(2));

        // past the first lease's expiry, within the renewed one
        assertThat(leases.acquire(target, RUN_B, TTL)).contains(RUN_A);
    }

    @Test
    void release_shouldDoNothing_whenCallerDoesNotHoldLease() {
        leases.acquire(target, RUN_A, TTL);

        leases.release(target, RUN_B);

        assertThat(leases.holder(target)).contains(RUN_A);
        assertThat(leases.acquire(target, RUN_B, TTL)).contains(RUN_A);
    }

    @Test
    void release_shouldFreeTarget_whenHolderReleases() {
        leases.acquire(target, RUN_A, TTL);

        leases.release(target, RUN_A);

        assertThat(leases.holder(target)).isEmpty();
        assertThat(leases.acquire(target, RUN_B, TTL)).isEmpty();
        assertThat(leases.holder(target)).contains(RUN_B);
    }

    @Test
    void acquire_shouldTakeOver_whenLeaseHasExpired() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL.plusSeconds(1));

        assertThat(leases.holder(target)).isEmpty();
        assertThat(leases.acquire(target, RUN_B, TTL)).isEmpty();
        assertThat(leases.holder(target)).contains(RUN_B);
        assertThat(leases.acquire(target, RUN_A, TTL)).contains(RUN_B);
    }

    @Test
    void release_shouldNotFreeNewerRun_whenExpiredHolderReleasesLate() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL.plusSeconds(1));
        leases.acquire(target, RUN_B, TTL);

        leases.release(target, RUN_A);

        assertThat(leases.holder(target)).contains(RUN_B);
    }

    @Test
    void renew_shouldExtendTheLease_onlyForTheRunThatHoldsIt() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(Duration.ofMinutes(90));

        assertThat(leases.renew(target, RUN_A, TTL)).isTrue();
        assertThat(leases.renew(target, RUN_B, TTL)).isFalse();
        clock.advance(Duration.ofMinutes(90)); // 3 h after the start, 1.5 h after the renewal
        assertThat(leases.holder(target)).contains(RUN_A);
        assertThat(leases.acquire(target, RUN_B, TTL)).contains(RUN_A);
    }

    @Test
    void renew_shouldRefuse_whenTheLeaseExpiredOrWasTakenOver() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL.plusMinutes(1));
        assertThat(leases.renew(target, RUN_A, TTL)).isFalse();

        assertThat(leases.acquire(target, RUN_B, TTL)).isEmpty();
        assertThat(leases.renew(target, RUN_A, TTL)).isFalse();
        assertThat(leases.holder(target)).contains(RUN_B);
    }

    @Test
    void releaseRun_shouldFreeTheRunsLeases_andLeaveOtherRunsAlone() {
        String other = target + "-other";
        String runA = RUN_A + "-" + UUID.randomUUID(); // other tests' leases share the table
        leases.acquire(target, runA, TTL);
        leases.acquire(other, RUN_B, TTL);

        assertThat(leases.releaseRun(runA)).isEqualTo(1);

        assertThat(leases.holder(target)).isEmpty();
        assertThat(leases.holder(other)).contains(RUN_B);
        assertThat(leases.releaseRun(runA)).isZero();
    }

    @Test
    void lease_shouldHoldThroughItsLastSecond_andBeFreeTheSecondAfter() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL);

        assertThat(leases.holder(target)).contains(RUN_A);
        assertThat(leases.acquire(target, RUN_B, TTL)).contains(RUN_A);
        clock.advance(Duration.ofSeconds(1));
        assertThat(leases.holder(target)).isEmpty();
        assertThat(leases.acquire(target, RUN_B, TTL)).isEmpty();
    }

    @Test
    void renew_shouldSucceedInTheLeasesLastSecond_andNotTheSecondAfter() {
        leases.acquire(target, RUN_A, TTL);
        clock.advance(TTL);
        assertThat(leases.renew(target, RUN_A, TTL)).isTrue();

        clock.advance(TTL.plusSeconds(1));
        assertThat(leases.renew(target, RUN_A, TTL)).isFalse();
        assertThat(leases.holder(target)).isEmpty();
    }

    @Test
    void renew_shouldRefuse_whenNoLeaseWasTaken() {
        assertThat(leases.renew(target, RUN_A, TTL)).isFalse();
        assertThat(leases.holder(target)).isEmpty();
    }

    @Test
    void acquire_shouldSetTheNewTtl_whenSameRunAcquiresAgainWithAShorterOne() {
        leases.acquire(target, RUN_A, TTL);
        leases.acquire(target, RUN_A, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));

        assertThat(leases.holder(target)).isEmpty();
        assertThat(leases.acquire(target, RUN_B, TTL)).isEmpty();
    }

    @Test
    void releaseRun_shouldReleaseEveryLeaseOfTheRun_expiredOnesToo() {
        String runA = RUN_A + "-" + UUID.randomUUID(); // other tests' leases share the table
        String other = target + "-other";
        leases.acquire(target, runA, TTL);
        clock.advance(TTL.plusSeconds(1));
        leases.acquire(other, runA, TTL);

        assertThat(leases.releaseRun(runA)).isEqualTo(2);

        assertThat(leases.holder(other)).isEmpty();
        assertThat(leases.releaseRun(runA)).isZero();
    }

    @Test
    void acquire_shouldGrantEachTargetToOneRun_whenRunsRace() throws Exception {
        List<String> targets = IntStream.range(0, 20).mapToObj(i -> target + "-" + i).toList();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Set<String>>> won = new ArrayList<>();
            for (String run : List.of(RUN_A, RUN_B)) {
                won.add(pool.submit(() -> {
                    Set<String> mine = new HashSet<>();
                    for (String t : targets) {
                        if (leases.acquire(t, run, TTL).isEmpty()) {
                            mine.add(t);
                        }
                    }
                    return mine;
                }));
            }
            Set<String> a = won.get(0).get(2, TimeUnit.MINUTES);
            Set<String> b = won.get(1).get(2, TimeUnit.MINUTES);
            Set<String> both = new HashSet<>(a);
            both.retainAll(b); // one run may win every target: the other's set is then empty
            assertThat(both).isEmpty();
            assertThat(a.size() + b.size()).isEqualTo(targets.size());
            for (String t : targets) {
                assertThat(leases.holder(t)).contains(a.contains(t) ? RUN_A : RUN_B);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
