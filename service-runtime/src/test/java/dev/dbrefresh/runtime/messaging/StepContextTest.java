package dev.dbrefresh.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.testing.RecordingContext;
import org.junit.jupiter.api.Test;

/** {@link StepContext}: steps and codes are typed; the audit log and events carry their wire strings. */
class StepContextTest {

    private final RecordingContext rc = new RecordingContext("run-1", "p",
            new RefreshRequested("p", null, null, false, "test", null));

    @Test
    void step_shouldWriteTheStepsIdAndTheStatusesIds() throws Exception {
        rc.ctx.step(StepName.PICK_SNAPSHOT, () -> "s-1", s -> "picked " + s);

        assertThat(rc.audit).extracting(AuditEntry::step, AuditEntry::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("pick-snapshot", "started"),
                        org.assertj.core.groups.Tuple.tuple("pick-snapshot", "succeeded"));
        assertThat(rc.audit.get(1).sortKey()).endsWith("#test-service#" + rc.ctx.envelope().id()
                + "#pick-snapshot#succeeded#final");
        assertThat(rc.ctx.currentStep()).isEqualTo(StepName.PICK_SNAPSHOT);
    }

    @Test
    void step_shouldNameTheInstance_whenMadePerInstance() throws Exception {
        rc.ctx.step(StepName.RENAME_INSTANCE, "acc-1", () -> "acc-1-old", t -> "renamed to " + t);

        assertThat(rc.audit).extracting(AuditEntry::step).containsOnly("rename-instance:acc-1");
        assertThat(rc.ctx.currentStep()).isEqualTo(StepName.RENAME_INSTANCE);
        assertThat(rc.ctx.currentStepId()).isEqualTo("rename-instance:acc-1");
    }

    @Test
    void fail_shouldNameTheInstance_whenItEndsTheRunAtTheStepRunningNow() {
        assertThatThrownBy(() -> rc.ctx.step(StepName.CREATE_INSTANCE, "acc-2", () -> {
            throw new IllegalStateException("denied");
        }, x -> "")).isInstanceOf(IllegalStateException.class);

        rc.ctx.fail(rc.ctx.currentStep(), ErrorCode.AWS_ACCESS_DENIED, "the role may not create instances");

        AuditEntry failed = rc.audit.get(rc.audit.size() - 1);
        assertThat(failed.step()).isEqualTo("create-instance:acc-2");
        assertThat(failed.is(AuditStatus.FAILED)).isTrue();
        assertThat(failed.errorCode()).isEqualTo("AWS_ACCESS_DENIED");
        RefreshFailed event = (RefreshFailed) EventCodec.payload(rc.published.get(0));
        assertThat(event.step()).isEqualTo("create-instance:acc-2");
        assertThat(event.errorCode()).isEqualTo("AWS_ACCESS_DENIED");
        assertThat(rc.ctx.hasFailed()).isTrue();
    }

    @Test
    void fail_shouldNameTheStepAlone_whenItIsAnotherStep() throws Exception {
        rc.ctx.step(StepName.CREATE_INSTANCE, "acc-2", () -> 1, x -> "");

        rc.ctx.fail(StepName.RESTORING, ErrorCode.WAIT_DEADLINE_EXCEEDED, "still restoring");

        RefreshFailed event = (RefreshFailed) EventCodec.payload(rc.published.get(0));
        assertThat(event.step()).isEqualTo("restoring");
        assertThat(event.errorCode()).isEqualTo("WAIT_DEADLINE_EXCEEDED");
        assertThat(rc.ctx.currentStepId()).isEqualTo("restoring");
    }

    @Test
    void step_shouldBeTheStepRunningAgain_whenAStepRunInsideItEnded() throws Exception {
        java.util.List<String> told = new java.util.ArrayList<>();
        rc.ctx.onStepChange(told::add);

        rc.ctx.step(StepName.RESTORE, () -> {
            rc.ctx.step(StepName.ANALYZE, () -> 1, x -> "");
            assertThat(rc.ctx.currentStepId()).isEqualTo("analyze");
            return 2;
        }, x -> "");

        // After the inner step, until its own end, the outer one is running: a crash there is reported in it.
        assertThat(told).containsExactly("restore", "analyze", "restore");
        assertThat(rc.ctx.currentStepId()).isEqualTo("restore");
    }
}
