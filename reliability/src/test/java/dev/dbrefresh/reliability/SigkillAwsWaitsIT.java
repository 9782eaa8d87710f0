package dev.dbrefresh.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.e2e.MotoStack;
import dev.dbrefresh.e2e.MotoWorld;
import dev.dbrefresh.e2e.SharedServer;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.messaging.FaultInjection;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;

/**
 * Issue 12, point 1, the waits of the AWS engines: the four service jars in {@code aws} mode against moto (SNS, SQS,
 * SSM, DynamoDB, RDS, KMS, EC2, Secrets Manager in one {@code moto_server}), an Aurora PostgreSQL refresh and then a
 * DynamoDB backup restore, each service that owns a wait killed with SIGKILL while the wait is pending and started
 * again:
 * <ul>
 *   <li>Aurora: snapshot-service after its {@code CopyDBClusterSnapshot} call, before the copy's {@code succeeded}
 *       entry; cluster-service in the {@code renaming} wait (the old target renamed, the restore not yet made) and in
 *       the {@code restoring} wait (a poll that found the restored cluster's instances not yet available);
 *       notifier-service after {@code DeleteDBCluster} of the old target, before its {@code succeeded} entry;</li>
 *   <li>DynamoDB: cluster-service in the {@code restoring} wait after {@code RestoreTableFromBackup}.</li>
 * </ul>
 *
 * <p>How a wait is caught pending: moto 5.2.1 has no state transitions for RDS or DynamoDB (its state manager,
 * {@code /moto-api/state-manager/set-transition}, covers other services' models only: {@code moto/moto_api/__init__.py}
 * registers none for them): a cluster snapshot copy is {@code available} in the answer to {@code CopyDBClusterSnapshot},
 * a restored table {@code ACTIVE} at once, and a restored cluster reports {@code creating} to one read. So the services
 * run with the fault-injection hook ({@link FaultInjection}, {@value FaultInjection#HOLD_ENV}) holding each wait at
 * {@link FaultInjection.Position#WAITING}: after the wait's {@code waiting} audit entry, before its delayed poll is
 * sent, the delivery unacknowledged; the hook holds only first attempts, and a restarted service gets the holds of
 * the kills still to come only. snapshot-service's copy wait itself cannot be reached on moto (the copy is never
 * pending there): its {@code copy} step is killed after its call instead. A restart is always of the killed service.
 *
 * <p>What must hold, for each run: it completes once (one notification); each kill is resumed by the next delivery
 * ({@code interrupted} entry of attempt 1 in the step killed, resumed by attempt 2) within about one visibility
 * timeout ({@value #VISIBILITY_TIMEOUT_SECONDS} s here, {@code max-seconds-to-resume}); no step succeeded twice, no SSM
 * parameter version repeated, no message left on a queue or DLQ; and, counted in moto's own record of the calls it
 * answered ({@link MotoStack#recordedCalls()}) and in what it holds after the run: one {@code CopyDBClusterSnapshot},
 * one {@code RestoreDBClusterFromSnapshot}, one rename ({@code ModifyDBCluster NewDBClusterIdentifier}), the plan's
 * two {@code CreateDBInstance}, one {@code DeleteDBCluster}; one cluster carrying the run's tag, the old target gone;
 * one {@code RestoreTableFromBackup} and one restored table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SigkillAwsWaitsIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String PREFIX = "dbr_awskill_" + SUFFIX + "_";
    /** The service queues' visibility timeout, seconds: the suite's ({@link SigkillEachStepIT}). */
    static final int VISIBILITY_TIMEOUT_SECONDS = SigkillEachStepIT.VISIBILITY_TIMEOUT_SECONDS;
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration STEP = Duration.ofMinutes(5);
    private static final String AURORA_PLAN = "waitaurora" + SUFFIX;
    private static final String ORDERS_PLAN = "waitorders" + SUFFIX;
    private static final String AURORA_TARGET = "rel-acc-" + SUFFIX;
    private static final String ORDERS_SOURCE = "orders" + SUFFIX + "-production";
    /** The plan's instances ({@link MotoWorld#auroraPlan}). */
    private static final int AURORA_INSTANCES = 2;

    static final List<Kill> AURORA_KILLS = List.of(
            new Kill("snapshot-service", "copy", FaultInjection.Position.AFTER),
            new Kill("cluster-service", "renaming", FaultInjection.Position.WAITING),
            new Kill("cluster-service", "restoring", FaultInjection.Position.WAITING),
            new Kill("notifier-service", "delete-old-target", FaultInjection.Position.AFTER));
    static final List<Kill> ORDERS_KILLS = List.of(
            new Kill("cluster-service", "restoring", FaultInjection.Position.WAITING));
    /** Every kill of this class in the order made, and the plan of each. */
    private static final List<Kill> KILLS = Stream.concat(AURORA_KILLS.stream(), ORDERS_KILLS.stream()).toList();
    private static final List<String> PLANS = Stream.concat(AURORA_KILLS.stream().map(k -> AURORA_PLAN),
            ORDERS_KILLS.stream().map(k -> ORDERS_PLAN)).toList();

    @TempDir
    static Path home;

    private final LocalPostgres pg = new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres",
            null));
    private final String auroraData = PREFIX + "aurora";
    private final String reader = PREFIX + "reader";
    private MotoStack moto;
    private ServiceProcesses services;
    private AuditLog audit;
    private int killsMade;

    @BeforeAll
    void startStack() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the AWS engines' waits are killed against"
                + " moto");
        moto = MotoStack.startRecording(home.resolve("moto.log"), home.resolve("moto-recording.jsonl"),
                VISIBILITY_TIMEOUT_SECONDS);
        // moto holds no data: users-service reaches the "restored" cluster through the plan's test endpoint override
        pg.ensurePgbenchSource(auroraData, 1);
        String kmsKey = moto.client(KmsClient.builder()).createKey(r -> r.description("acceptance")).keyMetadata()
                .arn();
        MotoWorld.Aurora aurora = MotoWorld.aurora(moto, SUFFIX, kmsKey, "acc/master-" + SUFFIX);
        MotoWorld.auroraTarget(moto, AURORA_TARGET, true);
        MotoWorld.dropAutomatedSnapshots(moto);
        MotoWorld.ordersTable(moto, ORDERS_SOURCE, 3);
        Path password = home.resolve("reader.password");
        Files.writeString(password, "reader-" + SUFFIX);
        String plans = "plans:\n" + MotoWorld.auroraPlan(AURORA_PLAN, AURORA_TARGET, aurora, auroraData, reader,
                password) + """
                  %s:
                    engine: dynamodb
                    source: {account: "123456789012", region: us-east-1, table: %s}
                    target: {ttl-attribute: expiresAt, tags: {team: orders}, table-arn-parameter: /dbrefresh/%s/table-arn}
                    wait: {first-poll-seconds: 1, max-poll-seconds: 2, deadline-minutes: 10}
                    triggers: {aws-backup: {source-pattern: "(?i)%s$"}}
                """.formatted(ORDERS_PLAN, ORDERS_SOURCE, ORDERS_PLAN, ORDERS_SOURCE);
        Path plansFile = home.resolve("plans.yml");
        Files.writeString(plansFile, plans);
        Map<String, String> env = new HashMap<>(moto.serviceEnv());
        env.put(FaultInjection.HOLD_ENV, Kill.holdsFrom(KILLS, PLANS, 0));
        env.put(FaultInjection.SECONDS_ENV, "300");
        services = ServiceProcesses.start(ROOT, home, plansFile, env, moto.serviceProperties(), STARTUP);
        audit = new DynamoDbAuditLog(moto.dynamo(), Tables.AUDIT);
    }

    @AfterAll
    void stopStack() throws Exception {
        // closed in reverse order: the services first
        try (AutoCloseable m = moto; AutoCloseable s = services) {
            // nothing but closing them
        } finally {
            SharedServer.dropDatabasesStartingWith(PREFIX);
            try (Connection c = SharedServer.connect("postgres")) {
                c.createStatement().execute("DROP ROLE IF EXISTS " + reader);
            }
        }
    }

    @Test
    @Order(1)
    void auroraRefresh_shouldCompleteOnce_whenEachServiceOwningAWaitIsKilledInItAndRestarted() throws Exception {
        String name = scenarioName("aurora", AURORA_KILLS);
        int callsBefore = moto.recordedCalls().size();
        String runId = LocalStackRunner.newRunId();
        moto.publishToTopic(EventEnvelope.create("dbrefresh/reliability", runId, null, new RefreshRequested(AURORA_PLAN,
                null, null, false, "cli", Map.of()), Instant.now()));
        CrashRun run = killThrough(name, runId, AURORA_KILLS);

        List<String> calls = since(callsBefore);
        Map<String, long[]> counted = new LinkedHashMap<>();
        counted.put("CopyDBClusterSnapshot", new long[] {count(calls, "CopyDBClusterSnapshot", ""), 1});
        counted.put("RestoreDBClusterFromSnapshot", new long[] {count(calls, "RestoreDBClusterFromSnapshot",
                "DBClusterIdentifier=" + AURORA_TARGET + "&"), 1});
        counted.put("ModifyDBCluster NewDBClusterIdentifier", new long[] {count(calls, "ModifyDBCluster",
                "NewDBClusterIdentifier="), 1});
        counted.put("CreateDBInstance", new long[] {count(calls, "CreateDBInstance", ""), AURORA_INSTANCES});
        counted.put("DeleteDBCluster", new long[] {count(calls, "DeleteDBCluster", ""), 1});
        int repeatedVersions = repeatedVersions("/dbrefresh/" + AURORA_PLAN + "/snapshot/latest")
                + repeatedVersions("/dbrefresh/" + AURORA_PLAN + "/snapshot/current");
        check(run, counted, repeatedVersions);

        RdsClient rds = moto.client(RdsClient.builder());
        List<DBCluster> clusters = rds.describeDBClusters().dbClusters();
        assertThat(clusters).filteredOn(c -> c.tagList().stream().anyMatch(t -> t.key().equals(Tags.RUN)
                && t.value().equals(runId))).extracting(DBCluster::dbClusterIdentifier).containsExactly(AURORA_TARGET);
        assertThat(clusters).extracting(DBCluster::dbClusterIdentifier)
                .doesNotContain(ClusterIdentifiers.oldCluster(AURORA_TARGET, runId));
        // moto keeps DBClusterIdentifier=<target> on the renamed old instance, so it is a member of the new cluster
        // there, not of the renamed old one, and the old target's delete leaves it (on AWS it goes with its cluster)
        assertThat(rds.describeDBInstances().dbInstances()).extracting(i -> i.dbInstanceIdentifier())
                .filteredOn(id -> id.startsWith(AURORA_TARGET) && !ClusterIdentifiers.isOldInstance(id, runId))
                .containsExactlyInAnyOrder(AURORA_TARGET + "-1", AURORA_TARGET + "-2");
        assertThat(rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots())
                .extracting(s -> s.dbClusterSnapshotIdentifier())
                .filteredOn(id -> !id.equals(MotoWorld.SOURCE_SNAPSHOT)).hasSize(1);
        // The resumed attempts found what the killed ones had done.
        assertThat(run.entries()).filteredOn(e -> e.service().equals("snapshot-service") && e.step().equals("copy"))
                .extracting(e -> e.status() + "#" + RunObservations.attempt(e))
                .contains("started#a1", "interrupted#a1", "skipped#final").doesNotContain("succeeded#final");
        assertThat(run.entries()).filteredOn(e -> e.step().equals("delete-old-target") && e.is(AuditStatus.SUCCEEDED))
                .singleElement().satisfies(e -> assertThat(e.details()).startsWith("no old target of this run"));
        calls.stream().filter(c -> c.startsWith("DeleteDBCluster ")).forEach(c -> assertThat(c)
                .contains("DBClusterIdentifier=" + ClusterIdentifiers.oldCluster(AURORA_TARGET, runId) + "&"));
    }

    @Test
    @Order(2)
    void dynamoDbBackupRestore_shouldCompleteOnce_whenClusterServiceIsKilledInTheRestoreWaitAndRestarted()
            throws Exception {
        String name = scenarioName("dynamodb", ORDERS_KILLS);
        int callsBefore = moto.recordedCalls().size();
        String runId = MotoWorld.backupCompleted(moto, ORDERS_SOURCE, ORDERS_PLAN);
        CrashRun run = killThrough(name, runId, ORDERS_KILLS);

        List<String> calls = since(callsBefore);
        Map<String, long[]> counted = new LinkedHashMap<>();
        counted.put("RestoreTableFromBackup", new long[] {count(calls, "RestoreTableFromBackup", ""), 1});
        check(run, counted, repeatedVersions("/dbrefresh/" + ORDERS_PLAN + "/table-arn"));

        String restoredPrefix = "orders" + SUFFIX + "-acceptance-";
        assertThat(moto.dynamo().listTables().tableNames()).filteredOn(t -> t.startsWith(restoredPrefix)).hasSize(1);
        assertThat(run.entries()).filteredOn(e -> e.service().equals("cluster-service") && e.step().equals("restore"))
                .extracting(AuditEntry::status).contains(AuditStatus.SUCCEEDED.id(), AuditStatus.SKIPPED.id());
    }

    /** Makes the kills of a started run, each restart with the holds of the kills still to come, and awaits its end. */
    private CrashRun killThrough(String name, String runId, List<Kill> kills) throws Exception {
        int made = killsMade;
        killsMade += kills.size();
        return CrashRun.killThrough(name, runId, kills, i -> Map.of(FaultInjection.HOLD_ENV, Kill.holdsFrom(KILLS,
                PLANS, made + i + 1)), audit, services, moto.sqs(), STEP, STARTUP);
    }

    /**
     * Records a run's figures, asserts what must hold for every crash run ({@link CrashRun#recordAndCheck}), that the
     * AWS operations were called as often as expected, and that the audit log shows after every kill's interrupted
     * attempt the resumed one: of a step, entries of the same event; of a wait, the run going on.
     *
     * @param run              the ended run
     * @param counted          per AWS operation: {calls moto answered, calls expected}
     * @param repeatedVersions SSM parameter versions written again with the value they had
     */
    private void check(CrashRun run, Map<String, long[]> counted, int repeatedVersions) throws Exception {
        List<String> twice = new ArrayList<>();
        if (repeatedVersions > 0) {
            twice.add(repeatedVersions + " SSM parameter versions repeated");
        }
        counted.forEach((operation, n) -> {
            if (n[0] > n[1]) {
                twice.add(operation + " called " + n[0] + " times, " + n[1] + " expected");
            }
        });
        String trail = run.recordAndCheck(moto.sqs(), twice);
        counted.forEach((operation, n) -> assertThat(n[0]).as(operation + " calls moto answered").isEqualTo(n[1]));
        for (Kill kill : run.kills()) {
            AuditEntry interrupted = run.entries().stream().filter(e -> e.service().equals(kill.service())
                    && e.step().equals(kill.step()) && e.is(AuditStatus.INTERRUPTED)
                    && "a1".equals(RunObservations.attempt(e))).findFirst().orElseThrow(() -> new AssertionError(
                    "no interrupted entry of " + kill + ":\n" + trail));
            // A step's resumed attempt writes its entries under the same event; a wait's resumed attempt that finds
            // the resource ready writes none of its own (it publishes the next event): the run goes on after it.
            boolean wait = kill.held() == FaultInjection.Position.WAITING;
            assertThat(run.entries()).as("entries after the interrupted attempt of " + kill + ":\n" + trail)
                    .anyMatch(e -> !e.is(AuditStatus.INTERRUPTED) && !e.at().isBefore(interrupted.at()) && (wait
                            || (e.service().equals(kill.service()) && e.eventId().equals(interrupted.eventId()))));
        }
    }

    private static String scenarioName(String run, List<Kill> kills) {
        return "sigkill-aws " + run + " " + String.join(" ", kills.stream().map(Kill::toString).toList());
    }

    private List<String> since(int callsBefore) throws Exception {
        List<String> calls = moto.recordedCalls();
        return calls.subList(callsBefore, calls.size());
    }

    /** @return how many calls of an operation (exactly) whose parameters contain the text */
    private static long count(List<String> calls, String operation, String containing) {
        return calls.stream().filter(c -> c.startsWith(operation + " ") && c.contains(containing)).count();
    }

    /** @return versions of an SSM parameter whose value is the one the version before had */
    private int repeatedVersions(String parameter) {
        List<String> values = moto.ssm().getParameterHistoryPaginator(r -> r.name(parameter)).stream()
                .flatMap(p -> p.parameters().stream()).map(p -> p.value()).toList();
        int repeated = 0;
        for (int i = 1; i < values.size(); i++) {
            repeated += values.get(i).equals(values.get(i - 1)) ? 1 : 0;
        }
        return repeated;
    }
}
