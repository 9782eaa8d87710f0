package dev.dbrefresh.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {

    @Test
    void parse_shouldHoldNothing_whenTheVariableIsUnset() {
        FaultInjection off = FaultInjection.parse(null, null);

        assertThat(off.enabled()).isFalse();
        assertThat(off.holds("p", "notify", FaultInjection.Position.BEFORE, 1)).isFalse();
    }

    @Test
    void holds_shouldMatchPlanStepAndPosition_onTheFirstAttemptOnly() {
        FaultInjection hook = FaultInjection.parse("p:notify:before, q:copy:AFTER, r:restoring:waiting", "5");

        assertThat(hook.holds("p", "notify", FaultInjection.Position.BEFORE, 1)).isTrue();
        assertThat(hook.holds("p", "notify", FaultInjection.Position.BEFORE, 2)).isFalse();
        assertThat(hook.holds("p", "notify", FaultInjection.Position.AFTER, 1)).isFalse();
        assertThat(hook.holds("q", "copy", FaultInjection.Position.AFTER, 1)).isTrue();
        assertThat(hook.holds("other", "copy", FaultInjection.Position.AFTER, 1)).isFalse();
        assertThat(hook.holds("r", "restoring", FaultInjection.Position.WAITING, 1)).isTrue();
        assertThat(hook.holds("r", "restoring", FaultInjection.Position.WAITING, 2)).isFalse();
        assertThat(hook.holds("r", "restoring", FaultInjection.Position.BEFORE, 1)).isFalse();
    }

    @Test
    void parse_shouldSayWhatIsWrong_whenAnEntryOrTheSecondsAreBad() {
        assertThatThrownBy(() -> FaultInjection.parse("p:notify", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'p:notify'")
                .hasMessageContaining("<plan>:<step>:before|after|waiting");
        assertThatThrownBy(() -> FaultInjection.parse("p:notify:during", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'during'");
        assertThatThrownBy(() -> FaultInjection.parse("p:notify:after", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(FaultInjection.SECONDS_ENV);
    }

    @Test
    void step_shouldBeHeldAfterItsWorkAndBeforeItsSucceededEntry_whenTheHookNamesItAfter() throws Exception {
        RecordingContext rc = new RecordingContext("run-1", "p", new RefreshRequested("p", null, null, false, "test",
                null));
        rc.ctx.faults(FaultInjection.parse("p:notify:after", "600"));
        CountDownLatch worked = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread handler = new Thread(() -> {
            try {
                rc.ctx.step(StepName.NOTIFY, () -> {
                    worked.countDown();
                    return "sent";
                }, s -> s);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        handler.start();
        assertThat(worked.await(30, TimeUnit.SECONDS)).isTrue();

        // Held: the work is done, and only its started entry is in the audit log.
        assertThat(handler.isAlive()).isTrue();
        assertThat(rc.audit).extracting(AuditEntry::status).containsExactly("started");
        handler.interrupt();
        handler.join(30_000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(rc.audit).extracting(AuditEntry::status).containsExactly("started", "failed");
    }

    @Test
    void waiting_shouldBeHeldAfterItsWaitingEntry_beforeTheHandlerGoesOn_whenTheHookNamesTheWaitsPhase()
            throws Exception {
        RecordingContext rc = new RecordingContext("run-1", "p", new RefreshRequested("p", null, null, false, "test",
                null));
        rc.ctx.faults(FaultInjection.parse("p:restoring:waiting", "600"));
        java.util.concurrent.atomic.AtomicBoolean wentOn = new java.util.concurrent.atomic.AtomicBoolean();
        Thread handler = new Thread(() -> {
            rc.ctx.waiting(StepName.RESTORING, "cluster c is creating");
            wentOn.set(true);
        });
        handler.start();
        handler.join(2_000);

        // Held: the waiting entry is written, the handler (which would send the poll next) has not gone on.
        assertThat(handler.isAlive()).isTrue();
        assertThat(wentOn).isFalse();
        assertThat(rc.audit).extracting(AuditEntry::status).containsExactly("waiting");
        handler.interrupt();
        handler.join(30_000);
        assertThat(wentOn).isTrue();
        assertThat(rc.audit).extracting(AuditEntry::status).containsExactly("waiting");
    }

    @Test
    void step_shouldRunThrough_whenTheHookIsOff() throws Exception {
        RecordingContext rc = new RecordingContext("run-1", "p", new RefreshRequested("p", null, null, false, "test",
                null));
        rc.ctx.faults(FaultInjection.parse(null, null));

        rc.ctx.step(StepName.NOTIFY, () -> "sent", s -> s);

        assertThat(rc.audit).extracting(AuditEntry::status).containsExactly("started", "succeeded");
    }
}
