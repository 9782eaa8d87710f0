package dev.dbrefresh.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.e2e.SharedServer;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.messaging.FaultInjection;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, points 1 and 2: every service of the postgres local-stack path killed with SIGKILL at each of its steps
 * (snapshot-service in dump, copy and parameter; cluster-service in promote and restore; users-service in users and
 * verify; notifier-service in notify), each kill followed by a restart of that service, on the real local stack (the
 * four service jars as processes, ElasticMQ, DynamoDB Local, PostgreSQL). Three runs, each with kills that fall in
 * different services one after the other, to keep the time down.
 *
 * <p>How a step is caught: dump and restore of a pgbench source of scale {@value #BIG_SCALE} last seconds, and the
 * kill follows their {@code started} audit entry. The other steps are over in milliseconds: the services run with
 * the fault-injection hook ({@link FaultInjection}, environment variable {@value FaultInjection#HOLD_ENV}, off
 * unless set) holding them on their first attempt, {@code after} their work (the kill then leaves an effect that no
 * audit entry records: the resumed attempt must find it and not apply it again) except {@code notify}, held
 * {@code before} the send (a crash between the send and its audit entry would send a second notification: see the
 * README's Guarantees).
 *
 * <p>For every kill: the restarted service resumes the run (an {@code interrupted} audit entry of attempt 1 in that
 * step, resumed by attempt 2); seconds from the kill to it are {@code max-seconds-to-resume}, against the visibility
 * timeout the queues have ({@value #VISIBILITY_TIMEOUT_SECONDS} s here, {@link LocalAws#start(int, int, Path, int,
 * int)}). For every run: it completes once, with the source's rows in the target, one notification, no step
 * succeeded twice, no parameter version repeated, a restore or copy killed after its work found and not redone, no
 * message left on a queue or a DLQ.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigkillEachStepIT {

    private static final DatabaseEndpoint SERVER = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String PREFIX = "dbr_sigkill_" + SUFFIX + "_";
    /** pgbench scale of the source whose dump and restore are killed: 2,000,000 accounts, seconds of work. */
    static final int BIG_SCALE = 20;
    /** pgbench scale of the source of the runs whose steps are held by the hook. */
    static final int SMALL_SCALE = 1;
    /** The service queues' visibility timeout in this suite, seconds (the default is 60). */
    static final int VISIBILITY_TIMEOUT_SECONDS = 20;
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration STEP = Duration.ofMinutes(5);

    /** One kill: the service, the step it is killed in, and whether the hook holds that step (else it is long). */
    record Kill(String service, String step, FaultInjection.Position held) {
        String hold(String plan) {
            return held == null ? null : plan + ":" + step + ":" + held.name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public String toString() {
            return service.replace("-service", "") + ":" + step;
        }
    }

    /** One run: its plan, the size of its source, and its kills in pipeline order. */
    record Scenario(String plan, int scale, List<Kill> kills) {
        String name() {
            return "sigkill " + String.join(" ", kills.stream().map(Kill::toString).toList());
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("sigkilla" + SUFFIX, BIG_SCALE, List.of(
                    new Kill("snapshot-service", "dump", null),
                    new Kill("cluster-service", "restore", null),
                    new Kill("users-service", "users", FaultInjection.Position.AFTER),
                    new Kill("notifier-service", "notify", FaultInjection.Position.BEFORE))),
            new Scenario("sigkillb" + SUFFIX, SMALL_SCALE, List.of(
                    new Kill("snapshot-service", "copy", FaultInjection.Position.AFTER),
                    new Kill("cluster-service", "restore", FaultInjection.Position.AFTER),
                    new Kill("users-service", "verify", FaultInjection.Position.AFTER))),
            new Scenario("sigkillc" + SUFFIX, SMALL_SCALE, List.of(
                    new Kill("snapshot-service", "parameter", FaultInjection.Position.AFTER),
                    new Kill("cluster-service", "promote", FaultInjection.Position.AFTER))));

    @TempDir
    static Path home;

    private LocalPostgres pg;
    private LocalAws aws;
    private ServiceProcesses services;
    private AuditLog audit;

    @BeforeAll
    void startStack() throws Exception {
        pg = new LocalPostgres(SERVER);
        pg.createIfMissing("dbrefresh");
        pg.ensurePgbenchSource(source(BIG_SCALE), BIG_SCALE);
        pg.ensurePgbenchSource(source(SMALL_SCALE), SMALL_SCALE);
        StringBuilder plans = new StringBuilder("plans:\n");
        List<String> holds = new ArrayList<>();
        for (Scenario s : SCENARIOS) {
            plans.append("""
                      %s:
                        engine: postgres
                        source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                        target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                        snapshot: {mode: create, source-store: store/source, target-store: store/target}
                        restore: {jobs: 1}
                        guards: {protected-patterns: ["(?i).*production$"]}
                    """.formatted(s.plan(), source(s.scale()), target(s)));
            s.kills().stream().map(k -> k.hold(s.plan())).filter(java.util.Objects::nonNull).forEach(holds::add);
        }
        Path plansFile = home.resolve("plans.yml");
        Files.writeString(plansFile, plans);
        aws = LocalAws.start(0, 0, home.resolve("dynamodb"), Routing.MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_SECONDS);
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, aws, plansFile,
                Map.of(FaultInjection.HOLD_ENV, String.join(",", holds), FaultInjection.SECONDS_ENV, "300"), STARTUP);
        audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
    }

    @AfterAll
    void stopStack() throws Exception {
        try {
            if (services != null) {
                services.close();
            }
            if (aws != null) {
                aws.close();
            }
        } finally {
            SharedServer.dropDatabasesStartingWith(PREFIX);
            try (var c = SharedServer.connect("dbrefresh"); var s = c.prepareStatement(
                    "DELETE FROM dbrefresh.parameter WHERE name LIKE ?")) {
                for (Scenario sc : SCENARIOS) {
                    s.setString(1, "/dbrefresh/" + sc.plan() + "/%");
                    s.executeUpdate();
                }
            }
        }
    }

    static Stream<Scenario> scenarios() {
        return SCENARIOS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void run_shouldCompleteOnceWithTheSourcesRows_whenEachServiceIsKilledInAStepAndRestarted(Scenario scenario)
            throws Exception {
        String name = scenario.name();
        int visibility = RunObservations.visibilityTimeout(aws.sqsClient(), Routing.CLUSTER_QUEUE);
        Figures.max(name, "max-visibility-timeout-seconds", visibility);
        String runId = LocalStackRunner.newRunId();
        LocalStackRunner.publishStart(aws.sqsClient(), runId, new RefreshRequested(scenario.plan(), null, null, false,
                "cli", Map.of()));
        Figures.add(name, "runs-started", 1);
        List<String> notRecovered = new ArrayList<>();
        List<String> redone = new ArrayList<>();

        for (Kill kill : scenario.kills()) {
            if (kill.held() == null) {
                RunObservations.awaitEntry(audit, runId, e -> e.service().equals(kill.service())
                        && e.step().equals(kill.step()) && e.is(AuditStatus.STARTED)
                        && "a1".equals(RunObservations.attempt(e)), STEP, kill + " started", services);
            } else {
                awaitHold(runId, kill);
            }
            Instant killedAt = Instant.now();
            services.kill(kill.service());
            Figures.faults(name, "sigkill", 1);
            services.restart(kill.service(), STARTUP);
            // How long the restarted JVM took to be ready bounds the resumption from below on a busy machine.
            Figures.max(name, "max-seconds-restart-to-ready", services.readiness().get(kill.service()).toMillis()
                    / 1000.0);
            AuditEntry interrupted = RunObservations.awaitEntry(audit, runId, e -> e.service().equals(kill.service())
                    && e.is(AuditStatus.INTERRUPTED), STEP, "interrupted entry of " + kill, services);
            double seconds = Duration.between(killedAt, interrupted.at()).toMillis() / 1000.0;
            Figures.max(name, "max-seconds-to-resume", seconds);
            System.out.printf("%s: %s resumed %.1f s after the kill (visibility timeout %d s): %s%n", name, kill,
                    seconds, visibility, interrupted.details());
            if (!interrupted.step().equals(kill.step()) || !interrupted.details().contains("attempt 1 stopped in "
                    + kill.step()) || !interrupted.details().contains("resumed by attempt 2")) {
                notRecovered.add(kill + ": " + interrupted.step() + " " + interrupted.details());
            }
        }
        try {
            RunObservations.awaitEntry(audit, runId, e -> RunObservations.ended(List.of(e)), STEP, "end of the run",
                    services);
        } catch (AssertionError lostRun) {
            Figures.add(name, "lost-runs", 1);
            throw lostRun;
        }
        List<AuditEntry> entries = audit.entries(runId);

        // The resumed attempts found the work an attempt killed after it had done, and did not do it again.
        for (Kill kill : scenario.kills()) {
            if (kill.held() != FaultInjection.Position.AFTER) {
                continue;
            }
            AuditEntry done = entries.stream().filter(e -> e.service().equals(kill.service())
                    && e.step().equals(kill.step()) && e.is(AuditStatus.SUCCEEDED)).findFirst().orElse(null);
            if (done == null || (kill.step().equals("restore") && !done.details().startsWith("already restored"))
                    || (kill.step().equals("copy") && !done.details().startsWith("copy exists"))) {
                redone.add(kill + " killed after its work, then: " + (done == null ? "no success" : done.details()));
            }
        }
        boolean completed = RunObservations.completed(entries);
        int notifications = RunObservations.takeNotifications(aws.sqsClient(), runId);
        List<String> duplicates = new ArrayList<>(RunObservations.duplicateSteps(entries));
        duplicates.addAll(redone);
        if (notifications > 1) {
            duplicates.add(notifications + " notifications");
        }
        int parameterRepeats = RunObservations.repeatedParameterVersions(scenario.plan());
        if (parameterRepeats > 0) {
            duplicates.add(parameterRepeats + " parameter versions repeated");
        }
        List<String> lost = RunObservations.lostHops(entries, true);
        Map<String, Integer> left = RunObservations.awaitQueuesDrained(aws.sqsClient());

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
        assertThat(pg.rowCounts(target(scenario))).isEqualTo(pg.rowCounts(source(scenario.scale())))
                .containsEntry("public.pgbench_accounts", scenario.scale() * 100_000L);
        // The audit log shows every killed step's interrupted attempt and the resumed one apart.
        for (Kill kill : scenario.kills()) {
            assertThat(entries).filteredOn(e -> e.service().equals(kill.service()) && e.step().equals(kill.step()))
                    .extracting(e -> e.status() + "#" + RunObservations.attempt(e))
                    .contains("started#a1", "interrupted#a1", "started#a2", "succeeded#final");
        }
    }

    /** Waits for the hook's log line of this run and step in the service's log. */
    private void awaitHold(String runId, Kill kill) throws InterruptedException {
        String line = "fault injection: holding run " + runId + " step " + kill.step() + " ";
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!RunObservations.logContains(services, kill.service(), line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(kill + " was not held in " + STEP.toSeconds() + " s; entries:\n"
                        + String.join("\n", audit.entries(runId).stream().map(RunObservations::line).toList())
                        + "\n" + services.logTail(kill.service()));
            }
            Thread.sleep(200);
        }
    }

    private static String source(int scale) {
        return PREFIX + "s" + scale + "_production";
    }

    private static String target(Scenario s) {
        return PREFIX + s.plan() + "_acceptance";
    }
}
