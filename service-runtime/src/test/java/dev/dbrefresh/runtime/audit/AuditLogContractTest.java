package dev.dbrefresh.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link AuditLog}, run against each implementation by a subclass. The log may be shared by
 * the tests of a class (one DynamoDB table): each test writes runs of its own.
 */
abstract class AuditLogContractTest {

    private AuditLog audit;
    private String runId;

    /** @return the log under test, empty or holding only other tests' runs */
    abstract AuditLog log();

    @BeforeEach
    void newRun() {
        audit = log();
        runId = "run-" + UUID.randomUUID();
    }

    private static AuditEntry entry(String runId, String step, String status, Instant at, String plan) {
        String sk = "2026-11-21T22:40:00Z#cluster-service#" + step + "#" + status + "#final";
        return new AuditEntry(runId, sk, at, "cluster-service", step, status, 12, "details of " + step, null, "ev-1", plan);
    }

    @Test
    void record_shouldWriteOnce_whenSameKeyIsRecordedAgain() {
        AuditEntry first = entry(runId, "restore", AuditStatus.SUCCEEDED.id(), Instant.parse("2026-11-21T22:41:00Z"), "p");
        AuditEntry redelivered = new AuditEntry(runId, first.sortKey(), Instant.parse("2026-11-21T22:45:00Z"),
                "cluster-service", "restore", AuditStatus.SUCCEEDED.id(), 99, "written again", null, "ev-1", "p");

        assertThat(audit.record(first)).isTrue();
        assertThat(audit.record(redelivered)).isFalse();

        assertThat(audit.entries(runId)).containsExactly(first);
    }

    @Test
    void record_shouldRoundTripEveryField_includingOptionalOnes() {
        AuditEntry full = new AuditEntry(runId, "k1", Instant.parse("2026-11-21T22:41:00.123Z"), "users-service",
                "apply-users", AuditStatus.FAILED.id(), 1234, "role app_reader: permission denied", "PG_TOOL_EXCEPTION",
                "ev-9", "local-pgbench");
        AuditEntry sparse = new AuditEntry(runId, "k2", Instant.parse("2026-11-21T22:42:00Z"), "users-service",
                "receive", AuditStatus.REJECTED.id(), 0, null, null, null, null);
        audit.record(full);
        audit.record(sparse);

        assertThat(audit.entries(runId)).containsExactly(full, sparse);
    }

    @Test
    void record_shouldCutDetails_longerThanTheLimit_andSayHowMuchWasCut() {
        String huge = "x".repeat(AuditLog.MAX_DETAILS_CHARS + 500_000);
        audit.record(new AuditEntry(runId, "k-huge", Instant.parse("2026-11-21T22:41:00Z"), "users-service", "verify",
                AuditStatus.FAILED.id(), 0, huge, "VERIFY_MISMATCH", "ev-1", "p"));

        assertThat(audit.entries(runId)).singleElement().satisfies(e -> assertThat(e.details())
                .startsWith("x".repeat(AuditLog.MAX_DETAILS_CHARS)).endsWith("... (500000 more characters)"));
    }

    @Test
    void entries_shouldReturnEntriesInTimeOrder_whenWrittenOutOfOrder() {
        AuditEntry third = entry(runId, "grant", AuditStatus.SUCCEEDED.id(), Instant.parse("2026-11-21T22:43:00Z"), "p");
        AuditEntry first = entry(runId, "dump", AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:41:00Z"), "p");
        AuditEntry second = entry(runId, "restore", AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:42:00Z"), "p");
        // DynamoDB returns them by sort key (dump, grant, restore), not by time (dump, restore, grant)
        audit.record(third);
        audit.record(second);
        audit.record(first);
        audit.record(entry("other-" + runId, "dump", AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:40:30Z"), "p"));

        assertThat(audit.entries(runId)).containsExactly(first, second, third);
    }

    @Test
    void entries_shouldReturnEmptyList_whenRunIsUnknown() {
        assertThat(audit.entries("run-that-never-was")).isEmpty();
    }

    @Test
    void runs_shouldListRunsOfPlanNewestFirst_withTheirLatestEntry() {
        // far in the future, so these are the newest runs in the shared table
        String plan = "plan-" + UUID.randomUUID();
        String otherPlan = "other-" + UUID.randomUUID();
        String older = "run-older-" + UUID.randomUUID();
        String newer = "run-newer-" + UUID.randomUUID();
        String other = "run-other-" + UUID.randomUUID();
        audit.record(entry(older, "dump", AuditStatus.STARTED.id(), Instant.parse("2099-01-01T10:00:00Z"), plan));
        AuditEntry olderLast = entry(older, "dump", AuditStatus.SUCCEEDED.id(), Instant.parse("2099-01-01T10:05:00Z"), plan);
        audit.record(olderLast);
        audit.record(entry(other, "dump", AuditStatus.STARTED.id(), Instant.parse("2099-01-01T11:00:00Z"), otherPlan));
        audit.record(entry(newer, "dump", AuditStatus.STARTED.id(), Instant.parse("2099-01-01T12:00:00Z"), plan));
        AuditEntry newerLast = entry(newer, "restore", AuditStatus.FAILED.id(), Instant.parse("2099-01-01T12:30:00Z"), plan);
        audit.record(newerLast);
        // a rejected message without a plan, written after the run's first entry
        audit.record(new AuditEntry(newer, "zzz", Instant.parse("2099-01-01T12:10:00Z"), "cluster-service", "receive",
                AuditStatus.REJECTED.id(), 0, null, "MALFORMED_MESSAGE", null, null));

        List<AuditLog.RunSummary> runs = audit.runs(plan, 10);

        assertThat(runs).extracting(AuditLog.RunSummary::runId).containsExactly(newer, older);
        assertThat(runs.get(0).plan()).isEqualTo(plan);
        assertThat(runs.get(0).startedAt()).isEqualTo(Instant.parse("2099-01-01T12:00:00Z"));
        assertThat(runs.get(0).last()).isEqualTo(newerLast);
        assertThat(runs.get(1).last()).isEqualTo(olderLast);

        assertThat(audit.runs(plan, 1)).extracting(AuditLog.RunSummary::runId).containsExactly(newer);
        assertThat(audit.runs(null, 2)).extracting(AuditLog.RunSummary::runId).containsExactly(newer, other);
        assertThat(audit.runs("no-such-plan-" + UUID.randomUUID(), 10)).isEmpty();
    }

    @Test
    void record_shouldRefuseAndWriteNothing_whenAKeyOrRequiredFieldIsMissing() {
        Instant at = Instant.parse("2026-11-21T22:41:00Z");
        assertThatThrownBy(() -> audit.record(new AuditEntry(runId, "", at, "cluster-service", "restore",
                AuditStatus.STARTED.id(), 0, null, null, null, "p"))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> audit.record(new AuditEntry(runId, "k1", at, null, "restore",
                AuditStatus.STARTED.id(), 0, null, null, null, "p"))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> audit.record(new AuditEntry("", "k1", at, "cluster-service", "restore",
                AuditStatus.STARTED.id(), 0, null, null, null, "p"))).isInstanceOf(RuntimeException.class);

        assertThat(audit.entries(runId)).isEmpty();
    }

    @Test
    void record_shouldKeepDetailsAtTheLimit_uncut() {
        String atLimit = "y".repeat(AuditLog.MAX_DETAILS_CHARS);
        audit.record(new AuditEntry(runId, "k-limit", Instant.parse("2026-11-21T22:41:00Z"), "users-service",
                "verify", AuditStatus.SUCCEEDED.id(), 0, atLimit, null, "ev-1", "p"));

        assertThat(audit.entries(runId)).singleElement().extracting(AuditEntry::details).isEqualTo(atLimit);
    }

    @Test
    void record_shouldWriteEachKeyOnce_whenWritersRace() throws Exception {
        int keys = 20;
        int writers = 4;
        Instant at = Instant.parse("2026-11-21T22:41:00Z");
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Integer>> written = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                written.add(pool.submit(() -> {
                    int mine = 0;
                    for (int k = 0; k < keys; k++) {
                        if (audit.record(new AuditEntry(runId, "k" + k, at, "cluster-service", "copy",
                                AuditStatus.STARTED.id(), 0, "writer " + writer, null, "ev-1", "p"))) {
                            mine++;
                        }
                    }
                    return mine;
                }));
            }
            int total = 0;
            for (Future<Integer> f : written) {
                total += f.get(2, TimeUnit.MINUTES);
            }
            assertThat(total).isEqualTo(keys);
        } finally {
            pool.shutdownNow();
        }
        assertThat(audit.entries(runId)).hasSize(keys);
    }

    @Test
    void entries_shouldOrderEntriesOfOneInstant_bySortKeyAsJavaComparesIt() {
        Instant at = Instant.parse("2026-11-21T22:41:00Z");
        // U+FF5E sorts after U+1F600 in UTF-16 (String.compareTo), before it in UTF-8
        AuditEntry bmp = sparse(runId, "k\uFF5E", at, "p");
        AuditEntry astral = sparse(runId, "k\uD83D\uDE00", at, "p");
        AuditEntry plain = sparse(runId, "k", at, "p");
        AuditEntry earlier = sparse(runId, "z", at.minusSeconds(1), "p");
        audit.record(bmp);
        audit.record(astral);
        audit.record(plain);
        audit.record(earlier);

        assertThat(audit.entries(runId)).containsExactly(earlier, plain, astral, bmp);
    }

    @Test
    void runs_shouldBreakTiesOfOneInstant_bySortKeyInUtf8Order() {
        String plan = "plan-" + UUID.randomUUID();
        String run = "run-ties-" + UUID.randomUUID();
        Instant start = Instant.parse("2098-01-01T10:00:00Z");
        Instant end = Instant.parse("2098-01-01T10:05:00Z");
        // at the start: "a" names no plan, "b" names it, "c" another; at the end the latest by UTF-8 is U+1F600
        audit.record(sparse(run, "c", start, "other-" + plan));
        audit.record(sparse(run, "b", start, plan));
        audit.record(sparse(run, "a", start, null));
        audit.record(sparse(run, "x\uFF5E", end, plan));
        AuditEntry last = sparse(run, "x\uD83D\uDE00", end, plan);
        audit.record(last);

        assertThat(audit.runs(plan, 10)).singleElement().satisfies(r -> {
            assertThat(r.runId()).isEqualTo(run);
            assertThat(r.plan()).isEqualTo(plan);
            assertThat(r.startedAt()).isEqualTo(start);
            assertThat(r.last()).isEqualTo(last);
        });
    }

    @Test
    void runs_shouldNameNoPlan_whenNoEntryOfTheRunNamesOne() {
        audit.record(sparse(runId, "k1", Instant.parse("2026-11-21T22:41:00Z"), null));

        assertThat(audit.runs(null, Integer.MAX_VALUE)).filteredOn(r -> r.runId().equals(runId)).singleElement()
                .satisfies(r -> assertThat(r.plan()).isNull());
    }

    @Test
    void runs_shouldListNothing_forLimitZero_andRefuseANegativeLimit() {
        audit.record(sparse(runId, "k1", Instant.parse("2026-11-21T22:41:00Z"), "p"));

        assertThat(audit.runs(null, 0)).isEmpty();
        assertThatThrownBy(() -> audit.runs(null, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static AuditEntry sparse(String runId, String sortKey, Instant at, String plan) {
        return new AuditEntry(runId, sortKey, at, "cluster-service", "receive", AuditStatus.STARTED.id(), 0, null, null,
                null, plan);
    }
}
