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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@link IdempotencyStore} against DynamoDB Local, with a clock the test moves. */
class IdempotencyStoreTest {

    private static final Duration LOCK = Duration.ofSeconds(60);

    private static LocalAws aws;
    private static DynamoDbClient dynamo;

    private MutableClock clock;
    private IdempotencyStore store;
    private String eventId;

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
        store = new IdempotencyStore(dynamo, Tables.IDEMPOTENCY, clock);
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
        IdempotencyStore other = new IdempotencyStore(dynamo, Tables.IDEMPOTENCY, Clock.systemUTC());
        IdempotencyStore mine = new IdempotencyStore(dynamo, Tables.IDEMPOTENCY, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Set<Claim>>> results = new ArrayList<>();
            for (IdempotencyStore s : List.of(other, mine)) {
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
}
