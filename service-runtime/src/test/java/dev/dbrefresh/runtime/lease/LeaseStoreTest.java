package dev.dbrefresh.runtime.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@link LeaseStore} against DynamoDB Local, with a clock the test moves. */
class LeaseStoreTest {

    private static final Duration TTL = Duration.ofHours(2);
    private static final String RUN_A = "run-a";
    private static final String RUN_B = "run-b";

    private static LocalAws aws;
    private static DynamoDbClient dynamo;

    private MutableClock clock;
    private LeaseStore leases;
    private String target;

    @BeforeAll
    static void startDynamo() throws Exception {
        aws = LocalAws.startDynamoOnly(null);
        dynamo = aws.dynamoClient();
    }

    @AfterAll
    static void stopDynamo() {
        if (aws != null) {
            aws.close();
        }
    }

    @BeforeEach
    void newStore() {
        clock = new MutableClock(Instant.parse("2026-11-21T22:40:00Z"));
        leases = new LeaseStore(dynamo, Tables.LEASES, clock);
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
}
