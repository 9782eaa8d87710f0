package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.e2e.AwsEmulator.Capability;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * The four service jars in {@code aws} mode against an AWS emulator, written once against {@link #emulator}:
 * {@link AwsModeRefreshOnMoto} runs it here on moto, {@link AwsModeRefreshOnLocalStackIT} on LocalStack's community
 * image where Docker exists ({@link AwsModeRefreshParameterisationIT} runs the moto one and checks the shape). Events
 * go through one SNS topic to the queues its filter policies select, parameters live in SSM, the audit log, leases
 * and idempotency keys in DynamoDB. One emulator and one set of service processes serve every behaviour of a class.
 *
 * <ul>
 *   <li>a {@code postgres} refresh (the refreshed database is the machine's PostgreSQL): SNS, SQS, SSM, DynamoDB,
 *       which every emulator has;</li>
 *   <li>an Aurora PostgreSQL refresh: RDS snapshot share/copy/restore and instance creation, KMS, Secrets Manager
 *       ({@link Capability#RDS}); moto holds no data, so users-service reaches the "restored" cluster through the
 *       plan's test-only endpoint override, a local PostgreSQL database with pgbench data;</li>
 *   <li>the AWS Backup rotator flow of a {@code dynamodb} plan ({@link Capability#DYNAMODB_BACKUPS}).</li>
 * </ul>
 * A behaviour whose capability the emulator lacks is reported as skipped with the emulator's reason; the world it
 * needs is then not made either.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AwsModeRefreshBehaviour {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String prefix = "dbr_aws_" + suffix + "_";
    private final String pgSource = prefix + "production";
    private final String pgTarget = prefix + "acceptance";
    private final String auroraData = prefix + "aurora";
    private final String reader = prefix + "reader";
    private final String auroraTarget = "e2e-acc-" + suffix;
    private final String untaggedTarget = "e2e-untagged-" + suffix;
    private final String ordersSource = "orders" + suffix + "-production";
    private final String ordersOldCopy = "orders" + suffix + "-acceptance-20260101-02-00-00";
    private final String ordersUntagged = "orders" + suffix + "-acceptance-handmade";
    private final LocalPostgres pg = new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres",
            null));

    private Path home;
    private AwsEmulator aws;
    private ServiceProcesses services;

    /**
     * The emulator under test (the only thing a subclass provides), running, with the messaging resources and tables
     * made ({@link AwsEmulator#createResources()}).
     *
     * @param workDir the test's directory (for the emulator's log, where it writes one)
     * @return the emulator; closed by the behaviour after its last test
     * @throws Exception when it cannot be started (a missing emulator aborts instead, with the reason)
     */
    protected abstract AwsEmulator emulator(Path workDir) throws Exception;

    @BeforeAll
    void start(@TempDir Path workDir) throws Exception {
        home = workDir;
        aws = emulator(home);
        pg.ensurePgbenchSource(pgSource, 1);
        StringBuilder plans = new StringBuilder("""
                plans:
                  aws-e2e:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {source-store: store/source, target-store: store/target}
                    parameters: {latest: /dbrefresh/aws-e2e/latest, current: /dbrefresh/aws-e2e/current}
                """.formatted(pgSource, pgTarget));
        if (aws.supports(Capability.RDS)) {
            plans.append(auroraWorld());
        }
        if (aws.supports(Capability.DYNAMODB_BACKUPS)) {
            plans.append(dynamoDbWorld());
        }
        Path plansFile = home.resolve("plans.yml");
        Files.writeString(plansFile, plans);
        services = ServiceProcesses.start(ROOT, home, plansFile, aws.serviceEnv(), aws.serviceProperties(),
                Duration.ofSeconds(120));
    }

    /** @return the plans {@code aurora-e2e} (a tagged target) and {@code untagged}, with their world made */
    private String auroraWorld() throws Exception {
        pg.ensurePgbenchSource(auroraData, 1);
        String kmsKey = aws.client(KmsClient.builder()).createKey(r -> r.description("acceptance")).keyMetadata().arn();
        MotoWorld.Aurora aurora = MotoWorld.aurora(aws, suffix, kmsKey, "acc/master");
        MotoWorld.auroraTarget(aws, auroraTarget, true);
        MotoWorld.auroraTarget(aws, untaggedTarget, false);
        dropAutomatedSnapshots();
        Path password = home.resolve("reader.password");
        Files.writeString(password, "reader-" + suffix);
        return MotoWorld.auroraPlan("aurora-e2e", auroraTarget, aurora, auroraData, reader, password)
                + MotoWorld.auroraPlan("untagged", untaggedTarget, aurora, auroraData, reader, password);
    }

    /** @return the plan {@code orders}, with its source table, an older copy it made and an untagged table */
    private String dynamoDbWorld() {
        MotoWorld.ordersTable(aws, ordersSource, 3);
        MotoWorld.ordersTable(aws, ordersOldCopy, 0);
        MotoWorld.ordersTable(aws, ordersUntagged, 0);
        DynamoDbClient dynamo = aws.dynamo();
        String oldArn = dynamo.describeTable(r -> r.tableName(ordersOldCopy)).table().tableArn();
        dynamo.tagResource(r -> r.resourceArn(oldArn).tags(Tag.builder().key("dbrefresh:managed").value("true").build(),
                Tag.builder().key("dbrefresh:plan").value("orders").build()));
        return """
                  orders:
                    engine: dynamodb
                    source: {account: "123456789012", region: us-east-1, table: %s}
                    target:
                      ttl-attribute: expiresAt
                      tags: {team: orders}
                      keep-tables: 1
                      table-arn-parameter: /dbrefresh/orders/table-arn
                    triggers: {aws-backup: {source-pattern: "(?i)-production$"}}
                """.formatted(ordersSource);
    }

    @AfterAll
    void stop() throws Exception {
        if (services != null) {
            services.close();
        }
        if (aws != null) {
            aws.close();
        }
        SharedServer.dropDatabasesStartingWith(prefix);
        try (Connection c = SharedServer.connect("postgres")) {
            c.createStatement().execute("DROP ROLE IF EXISTS " + reader);
        }
    }

    @Test
    void startMessageOnTheTopic_shouldRefreshThroughSnsFanOut_withSsmParametersAndAuditLog() throws Exception {
        AwsRun run = AwsRun.follow(aws, AwsRun.start(aws, "aws-e2e"), Duration.ofMinutes(3), services);

        assertThat(run.result()).as(run.toString()).isEqualTo("succeeded");
        assertThat(run.succeeded()).containsSubsequence("snapshot-service/dump", "snapshot-service/copy",
                "snapshot-service/parameter", "cluster-service/promote", "cluster-service/restore",
                "users-service/verify", "notifier-service/notify");
        String snapshotId = run.notification().path("snapshotId").asText();
        assertThat(aws.ssm().getParameter(r -> r.name("/dbrefresh/aws-e2e/latest")).parameter().value())
                .isEqualTo(snapshotId);
        assertThat(aws.ssm().getParameter(r -> r.name("/dbrefresh/aws-e2e/current")).parameter().value())
                .isEqualTo(snapshotId);
        assertThat(pg.rowCounts(pgTarget)).isEqualTo(pg.rowCounts(pgSource));
    }

    @Test
    void auroraRefresh_shouldCopyRestoreAndComplete_thenSkipTheCopy_andAGuardRefusalDeletesNothing() throws Exception {
        aws.assumeSupports(Capability.RDS);
        RdsClient rds = aws.client(RdsClient.builder());
        AwsRun first = AwsRun.follow(aws, AwsRun.start(aws, "aurora-e2e"), Duration.ofMinutes(4), services);

        assertThat(first.result()).as(first.toString()).isEqualTo("succeeded");
        assertThat(first.succeeded()).contains("snapshot-service/copy", "snapshot-service/parameter",
                "cluster-service/promote", "users-service/users", "users-service/verify", "notifier-service/notify");
        String copy = first.notification().path("snapshotId").asText();
        var copied = rds.describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(copy)).dbClusterSnapshots().get(0);
        assertThat(copied.kmsKeyId()).isNotBlank();
        var restored = rds.describeDBClusters(r -> r.dbClusterIdentifier(auroraTarget)).dbClusters().get(0);
        // moto keeps DBClusterIdentifier=<target> on the renamed old instance and so lists it here as well (AWS
        // moves it with its renamed cluster): the new instances are checked by name
        assertThat(restored.dbClusterMembers()).extracting(m -> m.dbInstanceIdentifier())
                .contains(auroraTarget + "-1", auroraTarget + "-2");
        assertThat(aws.ssm().getParameter(r -> r.name("/dbrefresh/aurora-e2e/snapshot/current")).parameter().value())
                .isEqualTo(copy);

        String firstOld = ClusterIdentifiers.oldCluster(auroraTarget, first.runId());
        assertThat(first.succeeded()).contains("cluster-service/rename-cluster", "notifier-service/delete-old-target");
        assertThat(rds.describeDBClusters().dbClusters()).noneMatch(c -> c.dbClusterIdentifier().equals(firstOld));

        dropAutomatedSnapshots();
        AwsRun second = AwsRun.follow(aws, AwsRun.start(aws, "aurora-e2e"), Duration.ofMinutes(4), services);

        assertThat(second.result()).as(second.toString()).isEqualTo("succeeded");
        assertThat(second.entries()).filteredOn(e -> e.step().startsWith("copy"))
                .extracting(AuditEntry::status).contains(AuditStatus.SKIPPED.id()).doesNotContain(AuditStatus.SUCCEEDED.id());

        AwsRun refused = AwsRun.follow(aws, AwsRun.start(aws, "untagged"), Duration.ofMinutes(4), services);

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.notification().path("errorCode").asText()).isEqualTo("GUARD_MISSING_TAG");
        var untouched = rds.describeDBClusters(r -> r.dbClusterIdentifier(untaggedTarget)).dbClusters().get(0);
        assertThat(untouched.dbClusterMembers()).extracting(m -> m.dbInstanceIdentifier())
                .containsExactly(untaggedTarget + "-1");
        assertThat(refused.entries()).noneMatch(e -> e.step().startsWith("delete"));
    }

    @Test
    void backupJobCompleted_shouldRestoreRenamedTable_setItsArn_pruneOldTables_andNotify() throws Exception {
        aws.assumeSupports(Capability.DYNAMODB_BACKUPS);
        DynamoDbClient dynamo = aws.dynamo();
        AwsRun run = AwsRun.follow(aws, MotoWorld.backupCompleted(aws, ordersSource, "orders"), Duration.ofMinutes(3),
                services);

        assertThat(run.result()).as(run.toString()).isEqualTo("succeeded");
        String restoredArn = run.notification().path("endpoint").asText();
        String restored = restoredArn.substring(restoredArn.lastIndexOf('/') + 1);
        assertThat(restored).matches("orders" + suffix + "-acceptance-\\d{8}-\\d{2}-\\d{2}-\\d{2}");
        assertThat(aws.ssm().getParameter(r -> r.name("/dbrefresh/orders/table-arn")).parameter().value())
                .isEqualTo(restoredArn);
        assertThat(dynamo.listTables().tableNames()).contains(ordersSource, restored, ordersUntagged)
                .doesNotContain(ordersOldCopy);
        assertThat(dynamo.scan(r -> r.tableName(restored)).count()).isEqualTo(3);
        assertThat(run.entries()).extracting(AuditEntry::service).contains("snapshot-service", "cluster-service",
                "users-service", "notifier-service");
    }

    private void dropAutomatedSnapshots() {
        MotoWorld.dropAutomatedSnapshots(aws);
    }
}
