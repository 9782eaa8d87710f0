package dev.dbrefresh.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One run of a crash scenario ({@link SigkillEachStepIT}, {@link SigkillAwsWaitsIT}) from its start to its checks: its
 * kills made one after the other as the run reaches them ({@link Kill#inflict}), its end awaited, and then what
 * every such run must show recorded into the scenario's figures and asserted: completed, once (one notification), no
 * step succeeded twice nor another effect applied twice, no event lost, no message left on a queue or DLQ.
 *
 * @param name         the scenario's name (its figures)
 * @param runId        the run
 * @param kills        its kills, in the order made
 * @param entries      its audit entries once it ended
 * @param notRecovered what was wrong with the resumption of a kill, one line each
 */
record CrashRun(String name, String runId, List<Kill> kills, List<AuditEntry> entries, List<String> notRecovered) {

    /**
     * Makes the kills of a started run and waits for its end. Records {@code max-visibility-timeout-seconds} (of the
     * cluster queue) and {@code runs-started}, and {@code lost-runs} when it does not end in time.
     *
     * @param name        the scenario's name
     * @param runId       the run, started
     * @param kills       its kills, in the order the run reaches them
     * @param restartEnv  the environment a service killed by the i-th kill (from 0) gets anew when restarted
     * @param audit       the audit log
     * @param services    the service processes
     * @param sqs         SQS of the stack
     * @param step        how long the run may take to reach a step, and to end
     * @param startup     how long a restarted service may take to be ready
     * @return the ended run
     * @throws AssertionError when a step is not reached, a kill not resumed or the run does not end in time
     * @throws Exception      when a service cannot be restarted
     */
    static CrashRun killThrough(String name, String runId, List<Kill> kills, IntFunction<Map<String, String>> restartEnv,
            AuditLog audit, ServiceProcesses services, SqsClient sqs, Duration step, Duration startup)
            throws Exception {
        Figures.max(name, "max-visibility-timeout-seconds", RunObservations.visibilityTimeout(sqs,
                Routing.CLUSTER_QUEUE));
        Figures.add(name, "runs-started", 1);
        List<String> notRecovered = new ArrayList<>();
        for (int i = 0; i < kills.size(); i++) {
            kills.get(i).inflict(name, runId, audit, services, restartEnv.apply(i), step, startup)
                    .ifPresent(notRecovered::add);
        }
        try {
            RunObservations.awaitEntry(audit, runId, e -> RunObservations.ended(List.of(e)), step, "end of the run",
                    services);
        } catch (AssertionError lostRun) {
            Figures.add(name, "lost-runs", 1);
            throw lostRun;
        }
        return new CrashRun(name, runId, kills, audit.entries(runId), notRecovered);
    }

    /**
     * Records the run's figures ({@code runs-completed}, {@code runs-failed-with-reason}, {@code lost-runs},
     * {@code lost-messages}, {@code duplicate-effects}, {@code messages-left-on-queues}) and asserts what every crash
     * run must show.
     *
     * @param sqs          SQS of the stack (the notification queue, the service queues and DLQs)
     * @param moreEffects  effects the scenario found applied twice beyond the audit log's and the notifications (a
     *                     second AWS call, a parameter version repeated), one line each
     * @return the audit trail, one line an entry, for the scenario's own failure messages
     * @throws AssertionError when something that must hold does not
     * @throws InterruptedException when interrupted while waiting for the queues to drain
     */
    String recordAndCheck(SqsClient sqs, List<String> moreEffects) throws InterruptedException {
        boolean completed = RunObservations.completed(entries);
        int notifications = RunObservations.takeNotifications(sqs, runId);
        List<String> duplicates = new ArrayList<>(RunObservations.duplicateSteps(entries));
        duplicates.addAll(moreEffects);
        if (notifications > 1) {
            duplicates.add(notifications + " notifications");
        }
        List<String> lost = RunObservations.lostHops(entries, true);
        Map<String, Integer> left = RunObservations.awaitQueuesDrained(sqs);

        Figures.add(name, "runs-completed", completed ? 1 : 0);
        Figures.add(name, "runs-failed-with-reason", !completed && RunObservations.failedWithReason(entries) ? 1 : 0);
        Figures.add(name, "lost-runs", RunObservations.ended(entries) ? 0 : 1);
        Figures.add(name, "lost-messages", lost.size() + (notifications == 0 ? 1 : 0));
        Figures.add(name, "duplicate-effects", duplicates.size());
        Figures.add(name, "messages-left-on-queues", left.values().stream().mapToInt(Integer::intValue).sum());

        String trail = String.join("\n", entries.stream().map(RunObservations::line).toList());
        assertThat(notRecovered).as("kills not resumed as interrupted attempt 1 -> attempt 2:\n" + trail).isEmpty();
        assertThat(completed).as("run completed:\n" + trail).isTrue();
        assertThat(duplicates).as("effects applied twice:\n" + trail).isEmpty();
        assertThat(notifications).as("notifications of the run").isEqualTo(1);
        assertThat(lost).as("events published and never taken").isEmpty();
        assertThat(left).as("messages left on the queues and DLQs").isEmpty();
        return trail;
    }
}
