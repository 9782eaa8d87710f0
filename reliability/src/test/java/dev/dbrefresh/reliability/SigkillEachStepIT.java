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
        String runId = LocalStackRunner.newRunId();
        LocalStackRunner.publishStart(aws.sqsClient(), runId, new RefreshRequested(scenario.plan(), null, null, false,
                "cli", Map.of()));
        CrashRun run = CrashRun.killThrough(name, runId, scenario.kills(), i -> Map.of(), audit, services,
                aws.sqsClient(), STEP, STARTUP);
        List<AuditEntry> entries = run.entries();
        List<String> redone = new ArrayList<>();

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
        int parameterRepeats = RunObservations.repeatedParameterVersions(scenario.plan());
        if (parameterRepeats > 0) {
            redone.add(parameterRepeats + " parameter versions repeated");
        }
        run.recordAndCheck(aws.sqsClient(), redone);
        assertThat(pg.rowCounts(target(scenario))).isEqualTo(pg.rowCounts(source(scenario.scale())))
                .containsEntry("public.pgbench_accounts", scenario.scale() * 100_000L);
        // The audit log shows every killed step's interrupted attempt and the resumed one apart.
        for (Kill kill : scenario.kills()) {
            assertThat(entries).filteredOn(e -> e.service().equals(kill.service()) && e.step().equals(kill.step()))
                    .extracting(e -> e.status() + "#" + RunObservations.attempt(e))
                    .contains("started#a1", "interrupted#a1", "started#a2", "succeeded#final");
        }
    }

    private static String source(int scale) {
        return PREFIX + "s" + scale + "_production";
    }

    private static String target(Scenario s) {
        return PREFIX + s.plan() + "_acceptance";
    }
}
