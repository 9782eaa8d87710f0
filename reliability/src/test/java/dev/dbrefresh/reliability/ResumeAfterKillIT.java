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
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, points 1 and 2, a first slice of the reliability suite on the real local stack (the four service jars
 * as processes, ElasticMQ, DynamoDB Local, PostgreSQL): cluster-service is killed with SIGKILL while its restore
 * runs and started again. The run must complete once, with the source's data in the target; the first redelivery of
 * the killed handler's message resumes it (its claim lapsed after two missed heartbeats, so nothing is deferred);
 * the audit log shows the interrupted attempt and the resumed one apart. Prints {@code reliability <figure> <value>}
 * lines: how long the resumption took after the kill, against the queue's visibility timeout.
 */
class ResumeAfterKillIT {

    private static final DatabaseEndpoint SERVER = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String SOURCE = "dbr_kill_" + SUFFIX + "_production";
    private static final String TARGET = "dbr_kill_" + SUFFIX + "_acceptance";
    /** pgbench scale of the source: 2,000,000 accounts, so the restore runs for seconds and can be caught. */
    private static final int SCALE = 20;
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration RUN = Duration.ofMinutes(10);

    @TempDir
    static Path home;

    @AfterAll
    static void dropDatabases() throws Exception {
        SharedServer.dropDatabasesStartingWith("dbr_kill_" + SUFFIX + "_");
    }

    @Test
    void run_shouldCompleteOnce_whenClusterServiceIsKilledDuringTheRestoreAndRestarted() throws Exception {
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  kill:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {mode: create, source-store: store/source, target-store: store/target}
                    restore: {jobs: 1}
                    guards: {protected-patterns: ["(?i).*production$"]}
                """.formatted(SOURCE, TARGET));
        LocalPostgres pg = new LocalPostgres(SERVER);
        pg.createIfMissing("dbrefresh");
        pg.ensurePgbenchSource(SOURCE, SCALE);
        Path repo = Path.of("..").toAbsolutePath().normalize();

        try (LocalAws aws = LocalAws.start(0, 0, home.resolve("dynamodb"), Routing.MAX_RECEIVE_COUNT);
                ServiceProcesses services = ServiceProcesses.start(repo, home, aws, plans, Map.of(), STARTUP)) {
            AuditLog audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
            String runId = LocalStackRunner.newRunId();
            LocalStackRunner.publishStart(aws.sqsClient(), runId, new RefreshRequested("kill", null, null, false, "cli",
                    Map.of()));

            awaitEntry(audit, runId, e -> e.service().equals("cluster-service") && e.isStep(StepName.RESTORE)
                    && e.is(AuditStatus.STARTED), RUN, services);
            Instant killedAt = Instant.now();
            services.kill("cluster-service");
            services.restart("cluster-service", STARTUP);
            Instant readyAt = Instant.now();
            awaitEntry(audit, runId, e -> e.service().equals("notifier-service") && e.isStep(StepName.NOTIFY)
                    && e.is(AuditStatus.SUCCEEDED), RUN, services);

            List<AuditEntry> restore = audit.entries(runId).stream()
                    .filter(e -> e.service().equals("cluster-service") && e.isStep(StepName.RESTORE)).toList();
            AuditEntry resumed = restore.stream().filter(e -> e.is(AuditStatus.STARTED) && e.sortKey().endsWith("#a2"))
                    .findFirst().orElseThrow(() -> new AssertionError("no restore started by attempt 2: " + restore));
            double toResume = Duration.between(killedAt, resumed.at()).toMillis() / 1000.0;
            double afterReady = Duration.between(readyAt, resumed.at()).toMillis() / 1000.0;
            String scenario = "sigkill-cluster-service-restore";
            Figures.faults(scenario, "sigkill", 1);
            Figures.add(scenario, "runs-started", 1);
            Figures.max(scenario, "max-seconds-to-resume", toResume);
            Figures.max(scenario, "max-visibility-timeout-seconds", Routing.VISIBILITY_TIMEOUT_SECONDS);
            System.out.printf("resume after kill: %.1f s after the kill, %.1f s after the restarted service was ready%n",
                    toResume, afterReady);

            // The interrupted attempt and the resumed one, apart; the restore succeeded once.
            assertThat(restore).extracting(e -> e.sortKey().substring(e.sortKey().indexOf("#restore#") + 1))
                    .containsExactlyInAnyOrder("restore#started#a1", "restore#interrupted#a1", "restore#started#a2",
                            "restore#succeeded#final");
            assertThat(restore).filteredOn(e -> e.is(AuditStatus.INTERRUPTED)).singleElement()
                    .satisfies(e -> assertThat(e.details()).contains("attempt 1 stopped in restore")
                            .contains("resumed by attempt 2"));
            // The run completed once, with the source's data in the target.
            long notified = audit.entries(runId).stream()
                    .filter(e -> e.is(AuditStatus.SUCCEEDED) && e.isStep(StepName.NOTIFY)).count();
            long restored = restore.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).count();
            Figures.add(scenario, "runs-completed", Math.min(notified, 1));
            Figures.add(scenario, "lost-runs", notified == 0 ? 1 : 0);
            Figures.add(scenario, "duplicate-effects", Math.max(0, notified - 1) + Math.max(0, restored - 1));
            assertThat(notified).isEqualTo(1);
            assertThat(restored).isEqualTo(1);
            assertThat(pg.rowCounts(TARGET)).isEqualTo(pg.rowCounts(SOURCE))
                    .containsEntry("public.pgbench_accounts", SCALE * 100_000L);
        }
    }

    private static AuditEntry awaitEntry(AuditLog audit, String runId, Predicate<AuditEntry> wanted, Duration timeout,
            ServiceProcesses services) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<AuditEntry> found = audit.entries(runId).stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + runId + " did not get there in " + timeout.toSeconds() + " s; entries: "
                + audit.entries(runId) + "\ncluster-service:\n" + services.logTail("cluster-service"));
    }
}
