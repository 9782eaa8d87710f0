package dev.dbrefresh.reliability;

import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.FaultInjection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One SIGKILL of the crash scenarios ({@link SigkillEachStepIT}, {@link SigkillAwsWaitsIT}): the service killed, the
 * step it is killed in as the audit log names it (a step such as {@code copy}, or the phase of a wait such as
 * {@code restoring}), and where the fault-injection hook ({@link FaultInjection}) holds it for the kill; {@code null}
 * when the step lasts long enough by itself and is killed after its {@code started} entry.
 *
 * @param service the service, e.g. {@code cluster-service}
 * @param step    the step or wait phase, e.g. {@code restore}, {@code renaming}
 * @param held    where the hook holds it, or {@code null}
 */
record Kill(String service, String step, FaultInjection.Position held) {

    /**
     * @param plan the plan of the run the kill falls in
     * @return the hook's entry for this kill ({@value FaultInjection#HOLD_ENV}: {@code <plan>:<step>:<position>}), or
     *         {@code null} when the step is not held
     */
    String hold(String plan) {
        return held == null ? null : plan + ":" + step + ":" + held.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return service.replace("-service", "") + ":" + step + (held == FaultInjection.Position.WAITING ? "(wait)" : "");
    }

    /**
     * Waits until the run is in this kill's step (its {@code started} entry of attempt 1, or the hook's log line that
     * it holds the step), kills the service with SIGKILL, starts it again and waits for the {@code interrupted} entry
     * of the delivery that takes the killed one over. Records {@code faults-injected-sigkill},
     * {@code max-seconds-restart-to-ready} and {@code max-seconds-to-resume} (seconds from the kill to that entry) into
     * the scenario's figures.
     *
     * @param scenario    the scenario's name (its figures)
     * @param runId       the run
     * @param audit       the audit log
     * @param services    the service processes
     * @param environment environment variables the restarted service gets anew (e.g. the holds left), or none
     * @param step        how long the run may take to reach the step, and the resumption to come
     * @param startup     how long the restarted service may take to be ready
     * @return what was wrong with the resumption (not an {@code interrupted} entry of attempt 1 in this step, resumed by
     *         attempt 2), or empty
     * @throws AssertionError when the step is not reached or no resumption comes in time
     * @throws Exception      when the service cannot be restarted
     */
    Optional<String> inflict(String scenario, String runId, AuditLog audit, ServiceProcesses services,
            Map<String, String> environment, Duration step, Duration startup) throws Exception {
        if (held == null) {
            RunObservations.awaitEntry(audit, runId, e -> e.service().equals(service) && e.step().equals(this.step)
                    && e.is(AuditStatus.STARTED) && "a1".equals(RunObservations.attempt(e)), step, this + " started",
                    services);
        } else {
            awaitHold(runId, audit, services, step);
        }
        Instant killedAt = Instant.now();
        services.kill(service);
        Figures.faults(scenario, "sigkill", 1);
        services.restart(service, environment, startup);
        // How long the restarted JVM took to be ready bounds the resumption from below on a busy machine.
        Figures.max(scenario, "max-seconds-restart-to-ready", services.readiness().get(service).toMillis() / 1000.0);
        // After the kill: a service killed twice in one run has the first kill's entry already.
        AuditEntry interrupted = RunObservations.awaitEntry(audit, runId, e -> e.service().equals(service)
                && e.is(AuditStatus.INTERRUPTED) && !e.at().isBefore(killedAt), step, "interrupted entry of " + this,
                services);
        double seconds = Duration.between(killedAt, interrupted.at()).toMillis() / 1000.0;
        Figures.max(scenario, "max-seconds-to-resume", seconds);
        System.out.printf("%s: %s resumed %.1f s after the kill: %s%n", scenario, this, seconds,
                interrupted.details());
        if (!interrupted.step().equals(this.step) || !interrupted.details().contains("attempt 1 stopped in "
                + this.step) || !interrupted.details().contains("resumed by attempt 2")) {
            return Optional.of(this + ": " + interrupted.step() + " " + interrupted.details());
        }
        return Optional.empty();
    }

    /** Waits for the hook's log line of this run and step in the service's log. */
    private void awaitHold(String runId, AuditLog audit, ServiceProcesses services, Duration timeout)
            throws InterruptedException {
        String line = "fault injection: holding run " + runId + " step " + step + " ";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!RunObservations.logContains(services, service, line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(this + " was not held in " + timeout.toSeconds() + " s; entries:\n"
                        + String.join("\n", RunObservations.entries(audit, runId).stream().map(RunObservations::line)
                        .toList()) + "\n" + services.logTail(service));
            }
            Thread.sleep(200);
        }
    }

    /**
     * @param kills every kill of a test, in the order they are made
     * @param plans the plan of each kill's run, in the same order
     * @param from  how many of them are made already
     * @return the hook's entries of the kills from {@code from} on, comma-separated (the value of
     *         {@value FaultInjection#HOLD_ENV} for a service started now)
     */
    static String holdsFrom(List<Kill> kills, List<String> plans, int from) {
        StringBuilder holds = new StringBuilder();
        for (int i = from; i < kills.size(); i++) {
            String hold = kills.get(i).hold(plans.get(i));
            if (hold != null) {
                holds.append(holds.isEmpty() ? "" : ",").append(hold);
            }
        }
        return holds.toString();
    }
}
