package dev.dbrefresh.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link AuditLog} against DynamoDB Local. */
class AuditLogTest {

    private static LocalAws aws;
    private static AuditLog audit;

    private String runId;

    @BeforeAll
    static void startDynamo() throws Exception {
        aws = LocalAws.startDynamoOnly(null);
        audit = new AuditLog(aws.dynamoClient(), Tables.AUDIT);
    }

    @AfterAll
    static void stopDynamo() {
        if (aws != null) {
            aws.close();
        }
    }

    @BeforeEach
    void newRun() {
        runId = "run-" + UUID.randomUUID();
    }

    private static AuditEntry entry(String runId, String step, String status, Instant at, String plan) {
        String sk = "2026-11-21T22:40:00Z#cluster-service#" + step + "#" + status + "#final";
        return new AuditEntry(runId, sk, at, "cluster-service", step, status, 12, "details of " + step, null, "ev-1", plan);
    }

    @Test
    void record_shouldWriteOnce_whenSameKeyIsRecordedAgain() {
        AuditEntry first = entry(runId, "restore", AuditStatus.SUCCEEDED.id(), Instant.parse("2026-11-21T22:41:00Z"),
                "p");
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
        AuditEntry third = entry(runId, "grant", AuditStatus.SUCCEEDED.id(), Instant.parse("2026-11-21T22:43:00Z"),
                "p");
        AuditEntry first = entry(runId, "dump", AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:41:00Z"), "p");
        AuditEntry second = entry(runId, "restore", AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:42:00Z"),
                "p");
        // DynamoDB returns them by sort key (dump, grant, restore), not by time (dump, restore, grant)
        audit.record(third);
        audit.record(second);
        audit.record(first);
        audit.record(entry("other-" + runId, "dump",
                AuditStatus.STARTED.id(), Instant.parse("2026-11-21T22:40:30Z"), "p"));

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
        AuditEntry olderLast = entry(older, "dump", AuditStatus.SUCCEEDED.id(), Instant.parse("2099-01-01T10:05:00Z"),
                plan);
        audit.record(olderLast);
        audit.record(entry(other, "dump", AuditStatus.STARTED.id(), Instant.parse("2099-01-01T11:00:00Z"), otherPlan));
        audit.record(entry(newer, "dump", AuditStatus.STARTED.id(), Instant.parse("2099-01-01T12:00:00Z"), plan));
        AuditEntry newerLast = entry(newer, "restore", AuditStatus.FAILED.id(), Instant.parse("2099-01-01T12:30:00Z"),
                plan);
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
}
