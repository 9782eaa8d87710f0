package dev.dbrefresh.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, point 1: ElasticMQ, DynamoDB Local and PostgreSQL each unavailable for {@value #OUTAGE_SECONDS} s in the
 * middle of a run, then back, on the real local stack (the four service jars as processes). The run must end, completed
 * or failed with a reason, never lost; no message lost; no effect applied twice; the services still running.
 *
 * <p>How each outage is made, as a real one looks:
 * <ul>
 *   <li>ElasticMQ: SQS does not lose its messages in an outage, it stops answering. ElasticMQ keeps its queues in
 *       memory, so the services reach it through a {@link BlockablePort} that resets every connection and refuses
 *       new ones for the outage, while the queues stay as they were;</li>
 *   <li>DynamoDB Local: stopped and started again on the same port, with its data on disk
 *       ({@link LocalAws#startDynamoAgain()}), so the audit log, claims and leases are there again after it;</li>
 *   <li>PostgreSQL: a private cluster of this test ({@link SecondPostgres}: initdb and pg_ctl on a free port, trust
 *       authentication) holds the plan's source and target, and is stopped ({@code pg_ctl stop -m fast}) and started
 *       again on the same port; the shared server on 5432, which holds the local stack's parameter store, is never
 *       touched.</li>
 * </ul>
 * Each outage starts when the step named in {@link Outage} starts, in a run of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutageIT {

    static final int OUTAGE_SECONDS = 30;
    /** pgbench scale of the source: 500,000 accounts, a restore of a few seconds. */
    static final int SCALE = 5;
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String PLAN = "outage" + SUFFIX;
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration RUN = Duration.ofMinutes(6);

    /** The outages, each with the step of the run whose start begins it. */
    enum Outage {
        ELASTICMQ("outage-elasticmq", "snapshot-service", "dump"),
        DYNAMODB("outage-dynamodb", "cluster-service", "restore"),
        POSTGRESQL("outage-postgresql", "cluster-service", "restore");

        final String kind;
        final String service;
        final String step;

        Outage(String kind, String service, String step) {
            this.kind = kind;
            this.service = service;
            this.step = step;
        }
    }

    @TempDir
    static Path home;

    private SecondPostgres pg;
    private LocalPostgres databases;
    private LocalAws aws;
    private BlockablePort sqsPort;
    private ServiceProcesses services;
    private AuditLog audit;

    @BeforeAll
    void startStack() throws Exception {
        Assumptions.assumeTrue(SecondPostgres.available(), "no PostgreSQL server binaries at " + SecondPostgres.BIN
                + ": the PostgreSQL outage needs a private cluster");
        pg = SecondPostgres.start();
        databases = new LocalPostgres(pg.endpoint("postgres"));
        databases.ensurePgbenchSource("outage_production", SCALE);
        new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null))
                .createIfMissing("dbrefresh");
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  %s:
                    engine: postgres
                    source: {host: 127.0.0.1, port: %d, database: outage_production, username: postgres}
                    target: {host: 127.0.0.1, port: %d, database: outage_acceptance, username: postgres}
                    snapshot: {mode: create, source-store: store/source, target-store: store/target}
                    restore: {jobs: 1}
                    guards: {protected-patterns: ["(?i).*production$"]}
                """.formatted(PLAN, pg.port(), pg.port()));
        aws = LocalAws.start(0, 0, home.resolve("dynamodb"), Routing.MAX_RECEIVE_COUNT,
                SigkillEachStepIT.VISIBILITY_TIMEOUT_SECONDS);
        sqsPort = new BlockablePort(Integer.parseInt(aws.sqsEndpoint().replaceAll(".*:", "")));
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, plans,
                Map.of("MICRONAUT_ENVIRONMENTS", "local", "AWS_SQS_ENDPOINT", sqsPort.endpoint(),
                        "AWS_DYNAMODB_ENDPOINT", aws.dynamoEndpoint()), List.of(), STARTUP);
        audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
    }

    @AfterAll
    void stopStack() throws Exception {
        try (var p = pg; var s = sqsPort; var a = aws; var all = services) {
            // closed in reverse order: services first
        } finally {
            // The plan's parameters live in the shared server's parameter store.
            try (var c = dev.dbrefresh.e2e.SharedServer.connect("dbrefresh"); var s = c.prepareStatement(
                    "DELETE FROM dbrefresh.parameter WHERE name LIKE ?")) {
                s.setString(1, "/dbrefresh/" + PLAN + "/%");
                s.executeUpdate();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Outage.class)
    void run_shouldEndWithoutLosingAMessage_whenAServerIsDownForHalfAMinuteInTheMiddleOfIt(Outage outage)
            throws Exception {
        String scenario = outage.kind;
        String runId = LocalStackRunner.newRunId();
        LocalStackRunner.publishStart(aws.sqsClient(), runId, new RefreshRequested(PLAN, null, null, false, "cli",
                Map.of()));
        Figures.add(scenario, "runs-started", 1);
        RunObservations.awaitEntry(audit, runId, e -> e.service().equals(outage.service)
                && e.step().equals(outage.step) && e.is(AuditStatus.STARTED), RUN, outage.step + " started", services);

        Instant down = Instant.now();
        stop(outage);
        Figures.faults(scenario, outage.kind, 1);
        Thread.sleep(OUTAGE_SECONDS * 1000L);
        start(outage);
        Instant up = Instant.now();
        System.out.printf("%s: down %s, up %s%n", scenario, down, up);

        AuditEntry end;
        try {
            end = RunObservations.awaitEntry(audit, runId, e -> RunObservations.ended(List.of(e)), RUN,
                    "end of the run", services);
        } catch (AssertionError lostRun) {
            Figures.add(scenario, "lost-runs", 1);
            throw lostRun;
        }
        List<AuditEntry> entries = audit.entries(runId);
        boolean completed = RunObservations.completed(entries);
        boolean failedWithReason = !completed && RunObservations.failedWithReason(entries);
        int notifications = RunObservations.takeNotifications(aws.sqsClient(), runId);
        List<String> duplicates = new ArrayList<>(RunObservations.duplicateSteps(entries));
        if (notifications > 1) {
            duplicates.add(notifications + " notifications");
        }
        int parameterRepeats = RunObservations.repeatedParameterVersions(PLAN);
        if (parameterRepeats > 0) {
            duplicates.add(parameterRepeats + " parameter versions repeated");
        }
        List<String> lost = new ArrayList<>(RunObservations.lostHops(entries, true));
        if (notifications == 0) {
            lost.add("the run's notification");
        }
        Map<String, Integer> left = RunObservations.awaitQueuesDrained(aws.sqsClient());
        List<String> dead = new ArrayList<>();
        services.pids().forEach((service, pid) -> {
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                dead.add(service);
            }
        });
        double afterUp = Duration.between(up, end.at()).toMillis() / 1000.0;

        Figures.add(scenario, "runs-completed", completed ? 1 : 0);
        Figures.add(scenario, "runs-failed-with-reason", failedWithReason ? 1 : 0);
        Figures.add(scenario, "lost-runs", completed || failedWithReason ? 0 : 1);
        Figures.add(scenario, "lost-messages", lost.size());
        Figures.add(scenario, "duplicate-effects", duplicates.size());
        Figures.add(scenario, "messages-left-on-queues", left.values().stream().mapToInt(Integer::intValue).sum());
        Figures.add(scenario, "services-died", dead.size());
        Figures.max(scenario, "max-seconds-to-end-after-outage", afterUp);
        System.out.printf("%s: the run %s %.1f s after the server was back%n", scenario,
                completed ? "completed" : failedWithReason ? "failed with a reason" : "ended", afterUp);

        String trail = String.join("\n", entries.stream().map(RunObservations::line).toList());
        assertThat(completed || failedWithReason).as("run ended with a result:\n" + trail).isTrue();
        assertThat(lost).as("messages lost").isEmpty();
        assertThat(duplicates).as("effects applied twice:\n" + trail).isEmpty();
        assertThat(dead).as("services that died").isEmpty();
        if (completed) {
            assertThat(left).as("messages left on the queues and DLQs").isEmpty();
            assertThat(databases.rowCounts("outage_acceptance")).isEqualTo(databases.rowCounts("outage_production"))
                    .containsEntry("public.pgbench_accounts", SCALE * 100_000L);
        }
    }

    private void stop(Outage outage) throws Exception {
        switch (outage) {
            case ELASTICMQ -> sqsPort.block();
            case DYNAMODB -> aws.stopDynamo();
            case POSTGRESQL -> pg.stop();
        }
    }

    private void start(Outage outage) throws Exception {
        switch (outage) {
            case ELASTICMQ -> sqsPort.unblock();
            case DYNAMODB -> aws.startDynamoAgain();
            case POSTGRESQL -> pg.startAgain();
        }
    }
}
