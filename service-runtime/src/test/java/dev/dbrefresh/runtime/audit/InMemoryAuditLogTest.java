package dev.dbrefresh.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link InMemoryAuditLog}: the {@link AuditLog} contract, a new log for each test, and its write order. */
class InMemoryAuditLogTest extends AuditLogContractTest {

    @Override
    AuditLog log() {
        return new InMemoryAuditLog();
    }

    @Test
    void written_shouldListEntriesInWriteOrder_asStored_withoutRefusedDuplicates() {
        InMemoryAuditLog log = new InMemoryAuditLog();
        var written = log.written();
        AuditEntry later = new AuditEntry("run-1", "k2", Instant.parse("2026-11-21T22:42:00Z"), "cluster-service",
                "copy", AuditStatus.SUCCEEDED.id(), 5, "x".repeat(AuditLog.MAX_DETAILS_CHARS + 1), null, "ev-1", "p");
        AuditEntry earlier = new AuditEntry("run-2", "k1", Instant.parse("2026-11-21T22:41:00Z"), "cluster-service",
                "copy", AuditStatus.STARTED.id(), 0, null, null, "ev-1", "p");

        log.record(later);
        log.record(earlier);
        log.record(earlier);

        assertThat(written).extracting(AuditEntry::sortKey).containsExactly("k2", "k1");
        assertThat(written.get(0).details()).endsWith("... (1 more characters)");
        assertThat(written.get(1)).isEqualTo(earlier);
    }
}
