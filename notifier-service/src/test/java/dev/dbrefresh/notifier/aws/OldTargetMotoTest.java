package dev.dbrefresh.notifier.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.rds.ClusterApis;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.engine.rds.RdsClusterApi;
import dev.dbrefresh.engine.dynamodb.DynamoDbCleanup;
import dev.dbrefresh.engine.rds.ClusterCleanup;
import dev.dbrefresh.engine.rds.OldTarget;
import dev.dbrefresh.engine.rds.SnapshotRetention;
import dev.dbrefresh.runtime.testing.AwsCallRecorder;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.codepipeline.CodePipelineClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DeleteDbClusterRequest;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * The end of the rename pattern in notifier-service against moto ({@code moto_server}, one per class; skipped
 * where it is not installed): after {@code users.applied} the renamed old target is deleted (with a final
 * snapshot where the plan asks), after {@code refresh.failed} it is renamed back or left in place, and a
 * {@code dynamodb} plan's previous tables are pruned only after a verified run. SDK calls are recorded
 * ({@link AwsCallRecorder}) to show what was not called.
 */
class OldTargetMotoTest {

    private static final AwsCallRecorder CALLS = new AwsCallRecorder();

    private static MotoServer moto;
    private static RdsClient rds;
    private static DynamoDbClient dynamo;
    private static AfterRefreshActions actions;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the old-target tests are skipped");
        rds = moto.client(RdsClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(CALLS)));
        dynamo = moto.client(DynamoDbClient.builder());
        ClusterApis apis = new ClusterApis(List.of(new RdsClusterApi(rds)));
        actions = new AfterRefreshActions(new EndpointParameterWriter(null),
                new PipelineStarter(moto.client(CodePipelineClient.builder())),
                List.of(new ClusterCleanup(new OldTarget(apis), new SnapshotRetention(apis)), new DynamoDbCleanup(dynamo)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void run_shouldDeleteTheRenamedOldTarget_onlyAfterTheVerifiedRun_withItsFinalSnapshot() throws Exception {
        String target = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        String runId = "run-" + UUID.randomUUID();
        String old = ClusterIdentifiers.oldCluster(target, runId);
        cluster(old, Map.of("dbrefresh:refresh-target", "true"));
        cluster(target, Map.of("dbrefresh:run", runId));
        RefreshPlan plan = plan(target, true);
        RecordingContext rc = context(runId, plan);
        CALLS.clear();

        actions.run(plan, applied(plan, target), rc.ctx);

        assertThat(cluster(old)).isEmpty();
        assertThat(cluster(target)).isPresent();
        List<DeleteDbClusterRequest> deletes = CALLS.requests("DeleteDBCluster").stream()
                .map(DeleteDbClusterRequest.class::cast).toList();
        assertThat(deletes).singleElement().satisfies(d -> {
            assertThat(d.dbClusterIdentifier()).isEqualTo(old);
            assertThat(d.finalDBSnapshotIdentifier()).isEqualTo(ClusterIdentifiers.finalSnapshot(target, runId));
        });
        assertThat(rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots())
                .anyMatch(s -> s.dbClusterSnapshotIdentifier().equals(ClusterIdentifiers.finalSnapshot(target, runId)));
        assertThat(rc.details(AuditStatus.SUCCEEDED)).anyMatch(d -> d.startsWith("delete-old-target: ")
                && d.contains("DeleteDBCluster " + old));

        CALLS.clear();
        actions.run(plan, applied(plan, target), context(runId, plan).ctx);
        assertThat(CALLS.operations()).as("a redelivery deletes nothing more").doesNotContain("DeleteDBCluster",
                "DeleteDBInstance");
    }

    @Test
    void run_shouldNotDeleteTheOldTarget_whenTheTargetNameDoesNotHoldThisRunsRestore() throws Exception {
        String target = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        String runId = "run-" + UUID.randomUUID();
        String old = ClusterIdentifiers.oldCluster(target, runId);
        cluster(old, Map.of());
        cluster(target, Map.of("dbrefresh:run", "someone-else"));
        RefreshPlan plan = plan(target, false);
        CALLS.clear();

        assertThatThrownBy(() -> actions.run(plan, applied(plan, target), context(runId, plan).ctx))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("was not deleted");

        assertThat(CALLS.operations()).doesNotContain("DeleteDBCluster", "DeleteDBInstance");
        assertThat(cluster(old)).isPresent();
    }

    @Test
    void afterFailure_shouldRenameTheOldTargetBack_whenNoNewTargetTookItsName() throws Exception {
        String target = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        String runId = "run-" + UUID.randomUUID();
        String old = ClusterIdentifiers.oldCluster(target, runId);
        cluster(old, Map.of("dbrefresh:refresh-target", "true", "owner", "team-a"));
        RefreshPlan plan = plan(target, false);
        CALLS.clear();

        String state = actions.afterFailure(plan, runId, context(runId, plan).ctx);

        assertThat(state).contains("renamed back from " + old + " to " + target);
        assertThat(CALLS.operations()).doesNotContain("DeleteDBCluster", "DeleteDBInstance")
                .containsOnlyOnce("ModifyDBCluster");
        DBCluster back = cluster(target).orElseThrow();
        assertThat(tags(back.dbClusterArn())).containsEntry("owner", "team-a");
        assertThat(cluster(old)).isEmpty();
    }

    @Test
    void afterFailure_shouldLeaveBothAndSaySo_whenThisRunsNewTargetHoldsTheName() throws Exception {
        String target = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        String runId = "run-" + UUID.randomUUID();
        String old = ClusterIdentifiers.oldCluster(target, runId);
        cluster(old, Map.of());
        cluster(target, Map.of("dbrefresh:run", runId));
        RefreshPlan plan = plan(target, false);
        CALLS.clear();

        String state = actions.afterFailure(plan, runId, context(runId, plan).ctx);

        assertThat(state).contains("old target intact, renamed as " + old)
                .contains("new target " + target + " present (restored by this run").contains("not renamed back");
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "DeleteDBCluster", "DeleteDBInstance");
        assertThat(cluster(old)).isPresent();
        assertThat(cluster(target)).isPresent();
    }

    @Test
    void afterFailure_shouldSayTheTargetIsIntact_whenNothingWasRenamed() throws Exception {
        String target = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        cluster(target, Map.of());
        RefreshPlan plan = plan(target, false);
        CALLS.clear();

        String state = actions.afterFailure(plan, "run-x", context("run-x", plan).ctx);

        assertThat(state).isEqualTo("old target " + target + " intact under its name (available)");
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "DeleteDBCluster", "DeleteDBInstance");
    }

    @Test
    void run_shouldPruneThePreviousDynamoDbTables_onlyAfterTheVerifiedRun() throws Exception {
        String planName = "p" + UUID.randomUUID().toString().substring(0, 8);
        String source = "shop-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        RefreshPlan plan = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                plans:
                  %s:
                    engine: dynamodb
                    source: {account: "%s", region: %s, table: %s}
                    target: {keep-tables: 1}
                """.formatted(planName, MotoServer.ACCOUNT, MotoServer.REGION, source)), Path.of(".")).require(planName);
        String prefix = plan.dynamodb().targetTable();
        String previous = table(prefix + "-20200101-00-00-00", planName);
        String verified = table(prefix + "-20300101-00-00-00", planName);
        String untagged = table(prefix + "-20190101-00-00-00", null);
        String verifiedArn = dynamo.describeTable(r -> r.tableName(verified)).table().tableArn();

        actions.afterFailure(plan, "run-failed", context("run-failed", plan).ctx);
        assertThat(exists(previous)).as("a failed run prunes nothing").isTrue();

        actions.run(plan, new UsersApplied(planName, "dynamodb", "backup", verifiedArn, List.of(), List.of(), 0, false, 0),
                context("run-ok", plan).ctx);

        assertThat(exists(previous)).isFalse();
        assertThat(exists(verified)).isTrue();
        assertThat(exists(untagged)).isTrue();
    }

    // ---------------------------------------------------------------- helpers

    private static RefreshPlan plan(String target, boolean finalSnapshot) throws Exception {
        String yaml = """
                plans:
                  aurora:
                    engine: aurora-postgresql
                    source: {account: "111111111111", region: us-east-1, cluster: prod}
                    target:
                      account: "%s"
                      region: us-east-1
                      cluster: %s
                      kms-key-id: arn:aws:kms:us-east-1:%s:key/k
                      subnet-group: acc-subnets
                      security-groups: [sg-1]
                      instance-class: db.r6g.large
                      final-snapshot: %s
                """.formatted(MotoServer.ACCOUNT, target, MotoServer.ACCOUNT, finalSnapshot);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("aurora");
    }

    private static UsersApplied applied(RefreshPlan plan, String target) {
        return new UsersApplied(plan.name(), plan.engine(), "copy-x", target + ".cluster-x", List.of(), List.of(), 1,
                false, 1);
    }

    private static RecordingContext context(String runId, RefreshPlan plan) {
        return new RecordingContext(runId, plan.name(), new RefreshFailed(plan.name(), "users-service", "verify",
                "VERIFY_EMPTY", "test", true));
    }

    private static void cluster(String id, Map<String, String> tags) {
        rds.createDBCluster(r -> r.dbClusterIdentifier(id).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("secret-password").tags(tags.entrySet().stream()
                        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList()));
    }

    private static Optional<DBCluster> cluster(String id) {
        try {
            return rds.describeDBClusters(r -> r.dbClusterIdentifier(id)).dbClusters().stream().findFirst();
        } catch (RdsException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> tags(String arn) {
        return rds.listTagsForResource(r -> r.resourceName(arn)).tagList().stream()
                .collect(Collectors.toMap(Tag::key, Tag::value));
    }

    private static String table(String name, String planName) {
        dynamo.createTable(r -> r.tableName(name).keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
        if (planName != null) {
            String arn = dynamo.describeTable(r -> r.tableName(name)).table().tableArn();
            dynamo.tagResource(r -> r.resourceArn(arn).tags(t -> t.key("dbrefresh:managed").value("true"),
                    t -> t.key("dbrefresh:plan").value(planName)));
        }
        return name;
    }

    private static boolean exists(String table) {
        try {
            dynamo.describeTable(r -> r.tableName(table));
            return true;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }
}
