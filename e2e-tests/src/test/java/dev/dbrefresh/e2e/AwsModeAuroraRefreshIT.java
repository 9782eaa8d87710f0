package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * An Aurora PostgreSQL refresh end to end in {@code aws} mode against moto: the four service jars,
 * SNS fan-out to the queues, the RDS snapshot share/copy/restore and instance creation in moto, SSM
 * latest/current, Secrets Manager for the master password, the audit log in DynamoDB. moto holds no
 * data, so users-service reaches the "restored" cluster through the plan's test-only endpoint
 * override: a local PostgreSQL database with pgbench data. Skips where moto_server is absent.
 */
class AwsModeAuroraRefreshIT {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String DATA = "dbr_aurora_" + SUFFIX;
    private static final String TARGET = "e2e-acc-" + SUFFIX;
    private static final String UNTAGGED_TARGET = "e2e-untagged-" + SUFFIX;

    @TempDir
    static Path home;

    private static MotoStack moto;
    private static ServiceProcesses services;
    private static RdsClient rds;
    private static MotoWorld.Aurora aurora;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the Aurora end-to-end test needs it");
        new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null)).ensurePgbenchSource(DATA, 1);
        moto = MotoStack.start(home.resolve("moto.log"));
        rds = moto.client(RdsClient.builder());
        String kmsKey = moto.client(KmsClient.builder()).createKey(r -> r.description("acceptance")).keyMetadata().arn();
        aurora = MotoWorld.aurora(moto, SUFFIX, kmsKey, "acc/master");
        MotoWorld.auroraTarget(moto, TARGET, true);
        MotoWorld.auroraTarget(moto, UNTAGGED_TARGET, false);
        dropAutomatedInstanceSnapshots();
        Files.writeString(home.resolve("reader.password"), "reader-" + SUFFIX);
        Path plans = home.resolve("plans.yml");
        Path password = home.resolve("reader.password");
        String reader = "dbr_aurora_" + SUFFIX + "_reader";
        Files.writeString(plans, "plans:\n" + MotoWorld.auroraPlan("aurora-e2e", TARGET, aurora, DATA, reader, password)
                + MotoWorld.auroraPlan("untagged", UNTAGGED_TARGET, aurora, DATA, reader, password));
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, plans, moto.serviceEnv(),
                moto.serviceProperties(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) {
            services.close();
        }
        if (moto != null) {
            moto.close();
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "")) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + DATA + " WITH (FORCE)");
            c.createStatement().execute("DROP ROLE IF EXISTS dbr_aurora_" + SUFFIX + "_reader");
        }
    }

    @Test
    void auroraRefresh_shouldCopyRestoreAndComplete_thenSkipTheCopy_andAGuardRefusalDeletesNothing() throws Exception {
        Result first = run("aurora-e2e");

        assertThat(first.notification().path("result").asText()).as(first.toString()).isEqualTo("succeeded");
        assertThat(first.succeeded()).contains("snapshot-service/copy", "snapshot-service/parameter",
                "cluster-service/promote", "users-service/users", "users-service/verify", "notifier-service/notify");
        String copy = first.notification().path("snapshotId").asText();
        var copied = rds.describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(copy)).dbClusterSnapshots().get(0);
        assertThat(copied.kmsKeyId()).isNotBlank();
        var restored = rds.describeDBClusters(r -> r.dbClusterIdentifier(TARGET)).dbClusters().get(0);
        // moto keeps DBClusterIdentifier=<target> on the renamed old instance and so lists it here as well (AWS
        // moves it with its renamed cluster): the new instances are checked by name
        assertThat(restored.dbClusterMembers()).extracting(m -> m.dbInstanceIdentifier())
                .contains(TARGET + "-1", TARGET + "-2");
        assertThat(moto.ssm().getParameter(r -> r.name("/dbrefresh/aurora-e2e/snapshot/current")).parameter().value()).isEqualTo(copy);

        String firstOld = ClusterIdentifiers.oldCluster(TARGET, first.runId());
        assertThat(first.succeeded()).contains("cluster-service/rename-cluster", "notifier-service/delete-old-target");
        assertThat(rds.describeDBClusters().dbClusters()).noneMatch(c -> c.dbClusterIdentifier().equals(firstOld));

        dropAutomatedInstanceSnapshots();
        Result second = run("aurora-e2e");

        assertThat(second.notification().path("result").asText()).as(second.toString()).isEqualTo("succeeded");
        assertThat(second.entries()).filteredOn(e -> "copy".equals(e.step()) || e.step().startsWith("copy"))
                .extracting(AuditEntry::status).contains(AuditStatus.SKIPPED.id()).doesNotContain(AuditStatus.SUCCEEDED.id());

        Result refused = run("untagged");

        assertThat(refused.notification().path("result").asText()).isEqualTo("failed");
        assertThat(refused.notification().path("errorCode").asText()).isEqualTo("GUARD_MISSING_TAG");
        var untouched = rds.describeDBClusters(r -> r.dbClusterIdentifier(UNTAGGED_TARGET)).dbClusters().get(0);
        assertThat(untouched.dbClusterMembers()).extracting(m -> m.dbInstanceIdentifier())
                .containsExactly(UNTAGGED_TARGET + "-1");
        assertThat(refused.entries()).noneMatch(e -> e.step().startsWith("delete"));
    }

    /**
     * moto names a cluster's and an instance's automated snapshot {@code rds:<identifier>-<minute>} and keeps it
     * after the cluster or instance was renamed, so a new one of the old name within that minute would collide with
     * it (not so on AWS).
     */
    private static void dropAutomatedInstanceSnapshots() {
        rds.describeDBSnapshots(r -> r.snapshotType("automated")).dbSnapshots()
                .forEach(s -> rds.deleteDBSnapshot(d -> d.dbSnapshotIdentifier(s.dbSnapshotIdentifier())));
        rds.describeDBClusterSnapshots(r -> r.snapshotType("automated")).dbClusterSnapshots()
                .forEach(s -> rds.deleteDBClusterSnapshot(d -> d.dbClusterSnapshotIdentifier(
                        s.dbClusterSnapshotIdentifier())));
    }

    private record Result(String runId, JsonNode notification, List<AuditEntry> entries) {
        List<String> succeeded() {
            return entries.stream().filter(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                    .map(e -> e.service() + "/" + e.step()).toList();
        }
    }

    private Result run(String plan) throws Exception {
        String runId = LocalStackRunner.newRunId();
        EventEnvelope start = EventEnvelope.create("e2e", runId, null, new RefreshRequested(plan, null, null, false, "test"),
                Instant.now());
        moto.publishToTopic(start);
        List<AuditEntry> entries = LocalStackRunner.follow(new DynamoDbAuditLog(moto.dynamo(), "dbrefresh-audit"), runId,
                Duration.ofMinutes(4), System.out);
        JsonNode notification = LocalStackRunner.awaitNotification(moto.sqs(), "dbrefresh-notifications", runId);
        assertThat(notification).as("notification of run %s (logs in %s)", runId, services.logDir()).isNotNull();
        return new Result(runId, notification, entries);
    }
}
