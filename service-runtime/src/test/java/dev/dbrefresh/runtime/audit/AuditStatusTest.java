package dev.dbrefresh.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.StepName;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link AuditStatus}: the audit log's status strings, as they were stored before the enum. */
class AuditStatusTest {

    @Test
    void ids_shouldBeTheStoredStatusStrings() {
        assertThat(Arrays.stream(AuditStatus.values()).map(AuditStatus::id)).containsExactly("started", "succeeded",
                "failed", "skipped", "waiting", "planned", "ignored", "recorded", "rejected", "interrupted");
        assertThat(AuditStatus.values()).allSatisfy(s -> assertThat(AuditStatus.of(s.id())).contains(s));
        assertThat(AuditStatus.of("SUCCEEDED")).isEmpty();
    }

    @Test
    void entry_shouldCompareStatusAndStepByConstant() {
        AuditEntry e = new AuditEntry("run-1", "k", Instant.EPOCH, "cluster-service",
                StepName.CREATE_INSTANCE.at("acc-1"),
                AuditStatus.SUCCEEDED.id(), 5, "d", null, "ev-1", "p");

        assertThat(e.is(AuditStatus.SUCCEEDED)).isTrue();
        assertThat(e.is(AuditStatus.STARTED)).isFalse();
        assertThat(e.isStep(StepName.CREATE_INSTANCE)).isTrue();
        assertThat(e.isStep(StepName.RESTORE)).isFalse();
    }
}
