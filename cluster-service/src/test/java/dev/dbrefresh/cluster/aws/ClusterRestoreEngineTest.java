package dev.dbrefresh.cluster.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.cluster.domain.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.aws.cluster.ClusterApi;
import dev.dbrefresh.runtime.aws.cluster.ClusterApis;
import dev.dbrefresh.runtime.aws.cluster.RdsClusterApi;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * {@link ClusterRestoreEngine} with {@link RdsClusterApi} against moto's RDS (a {@code moto_server} per
 * class): the guard, the delete/restore/create-instances phases with the parameters moto stores, the
 * redelivery of a start after the restore began, and the dry-run. Error mapping that moto cannot
 * produce is checked with a fake {@link ClusterApi}.
 */
class ClusterRestoreEngineTest {

    private static final String REQUIRED_TAG = "dbrefresh:refresh-target=true";

    private static MotoServer moto;
    private static RdsClient rds;
    private static String kmsKey;
    private static ClusterRestoreEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the RDS cluster restore tests are skipped");
        rds = moto.client(RdsClient.builder());
        kmsKey = moto.client(KmsClient.builder()).createKey(r -> r.description("dbrefresh test")).keyMetadata().arn();
        engine = new ClusterRestoreEngine(new ClusterApis(List.of(new RdsClusterApi(rds))));
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void start_shouldRefuseAndDeleteNothing_whenTargetLacksRequiredTag() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(false);
        RefreshPlan plan = plan(target, false);
        RecordingContext rc = context(plan, snapshot);

        RestoreProgress progress = engine.start(plan, snapshot, false, rc.ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Refused.class);
        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo("GUARD_MISSING_TAG");
        assertThat(refused.message()).contains(REQUIRED_TAG).contains("nothing was deleted");
        assertThat(cluster(target)).isPresent();
        assertThat(cluster(target).get().status()).isEqualTo("available");
        assertThat(instances(target)).extracting(DBInstance::dbInstanceStatus).containsExactly("available", "available");
        assertThat(rc.ctx.changed()).isFalse();
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditEntry.STARTED));
    }

    @Test
    void startAndPoll_shouldReplaceTarget_withKmsKeyTagsAndInstances() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        String oldArn = cluster(target).orElseThrow().dbClusterArn();
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();

        RecordingContext first = context(runId, plan, snapshot);
        RestoreProgress progress = engine.start(plan, snapshot, false, first.ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo("deleting");
        assertThat(first.ctx.changed()).isTrue();
        assertThat(first.audit).filteredOn(e -> e.status().equals(AuditEntry.SUCCEEDED)).extracting(AuditEntry::step)
                .containsExactly("delete-instance:" + target + "-old-1", "delete-instance:" + target + "-old-2");

        List<String> phases = new ArrayList<>();
        RestoreProgress.Restored restored = pollUntilDone(plan, runId, snapshot, progress, phases);

        assertThat(phases).contains("deleting", "restoring");
        DBCluster cluster = cluster(target).orElseThrow();
        assertThat(cluster.dbClusterArn()).as("a new cluster").isNotNull();
        assertThat(cluster.kmsKeyId()).isEqualTo(kmsKey);
        assertThat(cluster.port()).isEqualTo(5433);
        assertThat(cluster.dbSubnetGroup()).isEqualTo("acc-subnets");
        assertThat(cluster.vpcSecurityGroups()).extracting(g -> g.vpcSecurityGroupId()).containsExactly("sg-12345");
        Map<String, String> tags = tags(cluster.dbClusterArn());
        assertThat(tags).containsEntry("dbrefresh:run", runId).containsEntry("dbrefresh:snapshot", snapshot)
                .containsEntry("dbrefresh:managed", "true").containsEntry("dbrefresh:refresh-target", "true")
                .containsEntry("team", "data");
        assertThat(instances(target)).extracting(DBInstance::dbInstanceIdentifier)
                .containsExactlyInAnyOrder(target + "-1", target + "-2");
        assertThat(instances(target)).allSatisfy(i -> {
            assertThat(i.dbInstanceClass()).isEqualTo("db.r6g.large");
            assertThat(i.dbClusterIdentifier()).isEqualTo(target);
        });
        assertThat(restored).isEqualTo(new RestoreProgress.Restored(cluster.endpoint(), cluster.readerEndpoint(), 5433,
                "app"));
        assertThat(oldArn).isNotNull();
    }

    @Test
    void start_shouldNotDeleteAgain_whenRedeliveredAfterRestoreBegan() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();
        RestoreProgress progress = engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);
        // poll until the restore call was made
        while (progress instanceof RestoreProgress.Waiting w && w.phase().equals("deleting")) {
            progress = engine.poll(plan, poll(plan, snapshot, w.phase()), context(runId, plan, snapshot).ctx);
        }
        String restoredArn = cluster(target).orElseThrow().dbClusterArn();

        RecordingContext redelivery = context(runId, plan, snapshot);
        RestoreProgress again = engine.start(plan, snapshot, false, redelivery.ctx);

        assertThat(again).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) again).phase()).isEqualTo("restoring");
        assertThat(cluster(target).orElseThrow().dbClusterArn()).isEqualTo(restoredArn);
        assertThat(redelivery.details(AuditEntry.SKIPPED)).anyMatch(d -> d.contains("this run's own restore"));
        assertThat(redelivery.audit).noneMatch(e -> e.step().startsWith("delete") && e.status().equals(AuditEntry.STARTED));
    }

    @Test
    void start_shouldChangeNothingAndRecordPlannedCalls_whenDryRun() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        DBCluster before = cluster(target).orElseThrow();
        RefreshPlan plan = plan(target, true);
        RecordingContext rc = context(plan, snapshot);

        RestoreProgress progress = engine.start(plan, snapshot, true, rc.ctx);

        assertThat(progress).isEqualTo(new RestoreProgress.Restored(before.endpoint(), before.readerEndpoint(),
                before.port(), "app"));
        DBCluster after = cluster(target).orElseThrow();
        assertThat(after.dbClusterArn()).isEqualTo(before.dbClusterArn());
        assertThat(after.status()).isEqualTo("available");
        assertThat(instances(target)).extracting(DBInstance::dbInstanceIdentifier)
                .containsExactlyInAnyOrder(target + "-old-1", target + "-old-2");
        assertThat(tags(after.dbClusterArn())).doesNotContainKey("dbrefresh:run");
        List<String> planned = rc.details(AuditEntry.PLANNED);
        assertThat(planned).hasSize(6);
        assertThat(planned).filteredOn(d -> d.contains("DeleteDBInstance")).hasSize(2);
        assertThat(planned).anyMatch(d -> d.contains("DeleteDBCluster DBClusterIdentifier=" + target)
                && d.contains("FinalDBSnapshotIdentifier=" + target + "-final-"));
        assertThat(planned).anyMatch(d -> d.contains("RestoreDBClusterFromSnapshot") && d.contains("KmsKeyId=" + kmsKey)
                && d.contains("SnapshotIdentifier=" + snapshot) && d.contains("Port=5433"));
        assertThat(planned).filteredOn(d -> d.contains("CreateDBInstance") && d.contains("DBInstanceClass=db.r6g.large"))
                .hasSize(2);
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditEntry.STARTED));
        assertThat(rc.ctx.changed()).isFalse();
    }

    @Test
    void poll_shouldTakeFinalSnapshot_whenPlanAsksForOne() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, true);
        String runId = "run-" + UUID.randomUUID();

        pollUntilDone(plan, runId, snapshot, engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx),
                new ArrayList<>());

        String finalId = ClusterRestoreEngine.finalSnapshotId(target, runId);
        assertThat(rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots())
                .anyMatch(s -> s.dbClusterSnapshotIdentifier().equals(finalId));
    }

    @Test
    void start_shouldRestoreRightAway_whenTargetDoesNotExist() throws Exception {
        String snapshot = snapshotCopy();
        String target = "acc-new-" + UUID.randomUUID().toString().substring(0, 6);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();

        RestoreProgress progress = engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo("restoring");
        assertThat(pollUntilDone(plan, runId, snapshot, progress, new ArrayList<>()).port()).isEqualTo(5433);
        assertThat(instances(target)).hasSize(2);
    }

    @Test
    void snapshotExists_shouldAnswerFromDescribe() throws Exception {
        String snapshot = snapshotCopy();
        RefreshPlan plan = plan("acc", false);

        assertThat(engine.snapshotExists(plan, snapshot)).isTrue();
        assertThat(engine.snapshotExists(plan, "copy-does-not-exist")).isFalse();
    }

    // ---------------------------------------------------------------- AWS errors (fake API)

    @Test
    void poll_shouldTreatClusterNotFoundOnDeleteAsGone_andRestore() throws Exception {
        List<String> calls = new ArrayList<>();
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(calls, "deleteCluster",
                "DBClusterNotFoundFault", "DBCluster acc not found"))));
        RefreshPlan plan = plan("acc", false);

        RestoreProgress progress = fake.poll(plan, poll(plan, "copy-x", "deleting"), context(plan, "copy-x").ctx);

        assertThat(calls).containsExactly("describeCluster", "deleteCluster", "restoreCluster");
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo("restoring");
    }

    @Test
    void poll_shouldRefuseWithKmsMessage_whenRestoreFailsOnKmsKey() throws Exception {
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(new ArrayList<>(),
                "restoreCluster", "InvalidParameterValue", "The specified KMS key does not exist or is not enabled",
                false))));
        RefreshPlan plan = plan("acc", false);

        RestoreProgress progress = fake.poll(plan, poll(plan, "copy-x", "deleting"), context(plan, "copy-x").ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.step()).isEqualTo("restore");
        assertThat(refused.errorCode()).isEqualTo("KMS_KEY_NOT_ACCESSIBLE");
        assertThat(refused.message()).contains("must allow account 222222222222");
    }

    @Test
    void poll_shouldRethrow_whenThrottled() {
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(new ArrayList<>(),
                "restoreCluster", "ThrottlingException", "Rate exceeded", false))));
        RefreshPlan plan = plan("acc", false);

        assertThatThrownBy(() -> fake.poll(plan, poll(plan, "copy-x", "deleting"), context(plan, "copy-x").ctx))
                .isInstanceOf(RdsException.class);
    }

    // ---------------------------------------------------------------- helpers

    private static RestoreProgress.Restored pollUntilDone(RefreshPlan plan, String runId, String snapshot,
            RestoreProgress progress, List<String> phases) throws Exception {
        for (int i = 0; i < 20 && progress instanceof RestoreProgress.Waiting w; i++) {
            phases.add(w.phase());
            RecordingContext rc = context(runId, plan, snapshot);
            progress = engine.poll(plan, poll(plan, snapshot, w.phase()), rc.ctx);
            assertThat(rc.ctx.changed()).isTrue();
        }
        assertThat(progress).isInstanceOf(RestoreProgress.Restored.class);
        return (RestoreProgress.Restored) progress;
    }

    /** An encrypted manual snapshot, as snapshot-service's copy leaves it. */
    private static String snapshotCopy() {
        String source = "prod-" + UUID.randomUUID().toString().substring(0, 6);
        rds.createDBCluster(r -> r.dbClusterIdentifier(source).engine("aurora-postgresql")
                .masterUsername("postgres").masterUserPassword("secret-password").storageEncrypted(true).kmsKeyId(kmsKey));
        String id = "copy-" + source + "-snap";
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(source).dbClusterSnapshotIdentifier(id));
        return id;
    }

    /** The cluster that is replaced, with two instances {@code <cluster>-old-1/2}. */
    private static String targetCluster(boolean withRequiredTag) {
        String id = "acc-" + UUID.randomUUID().toString().substring(0, 6);
        List<Tag> tags = withRequiredTag ? List.of(Tag.builder().key("dbrefresh:refresh-target").value("true").build())
                : List.of(Tag.builder().key("owner").value("someone").build());
        rds.createDBCluster(r -> r.dbClusterIdentifier(id).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("secret-password").tags(tags));
        // moto names a cluster's automated snapshot rds:<cluster>-<minute> and keeps it after the delete, so a
        // restore under the same identifier within that minute would collide with it (not so on AWS)
        rds.describeDBClusterSnapshots(r -> r.dbClusterIdentifier(id).snapshotType("automated"))
                .dbClusterSnapshots().forEach(s -> rds.deleteDBClusterSnapshot(d -> d
                        .dbClusterSnapshotIdentifier(s.dbClusterSnapshotIdentifier())));
        for (int n = 1; n <= 2; n++) {
            String instance = id + "-old-" + n;
            rds.createDBInstance(r -> r.dbInstanceIdentifier(instance).dbClusterIdentifier(id)
                    .dbInstanceClass("db.r5.large").engine("aurora-postgresql"));
        }
        return id;
    }

    private static RefreshPlan plan(String targetCluster, boolean finalSnapshot) {
        String yaml = """
                plans:
                  aurora:
                    engine: aurora-postgresql
                    source: {account: "111111111111", region: us-east-1, cluster: prod}
                    target:
                      account: "222222222222"
                      region: us-east-1
                      cluster: %s
                      kms-key-id: %s
                      subnet-group: acc-subnets
                      security-groups: [sg-12345]
                      instance-class: db.r6g.large
                      instances: 2
                      port: 5433
                      database: app
                      required-tag: "%s"
                      final-snapshot: %s
                      tags: {team: data}
                """.formatted(targetCluster, kmsKey, REQUIRED_TAG, finalSnapshot);
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("aurora");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ClusterRestorePoll poll(RefreshPlan plan, String snapshot, String phase) {
        return new ClusterRestorePoll(plan.name(), snapshot, phase, 1, Instant.now().plusSeconds(3600));
    }

    private static RecordingContext context(RefreshPlan plan, String snapshot) {
        return context("run-" + UUID.randomUUID(), plan, snapshot);
    }

    private static RecordingContext context(String runId, RefreshPlan plan, String snapshot) {
        return new RecordingContext(runId, plan.name(), new SnapshotReady(plan.name(), plan.engine(), snapshot, snapshot,
                0, null, true, false));
    }

    private static Optional<DBCluster> cluster(String id) {
        try {
            return rds.describeDBClusters(r -> r.dbClusterIdentifier(id)).dbClusters().stream().findFirst();
        } catch (RdsException e) {
            return Optional.empty();
        }
    }

    private static List<DBInstance> instances(String clusterId) {
        return rds.describeDBInstances().dbInstances().stream()
                .filter(i -> clusterId.equals(i.dbClusterIdentifier())).toList();
    }

    private static Map<String, String> tags(String arn) {
        return rds.listTagsForResource(r -> r.resourceName(arn)).tagList().stream()
                .collect(Collectors.toMap(Tag::key, Tag::value));
    }

    /**
     * A ClusterApi whose target cluster {@code acc} (where it exists) carries the required tag and has no instances, and
     * whose {@code failing} method throws the given AWS error; every call's name goes to {@code calls}.
     */
    private static ClusterApi fakeApi(List<String> calls, String failing, String code, String message) {
        return fakeApi(calls, failing, code, message, true);
    }

    private static ClusterApi fakeApi(List<String> calls, String failing, String code, String message,
            boolean clusterExists) {
        ClusterApi.ClusterInfo acc = new ClusterApi.ClusterInfo("acc", "arn:aws:rds:us-east-1:222222222222:cluster:acc",
                "available", "acc.cluster-x", "acc.cluster-ro-x", 5432, "aurora-postgresql", List.of(),
                Map.of("dbrefresh:refresh-target", "true"));
        return (ClusterApi) Proxy.newProxyInstance(ClusterApi.class.getClassLoader(), new Class<?>[] {ClusterApi.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("serves")) {
                        return true;
                    }
                    calls.add(method.getName());
                    if (method.getName().equals(failing)) {
                        throw RdsException.builder().message(message).statusCode(400).awsErrorDetails(AwsErrorDetails
                                .builder().errorCode(code).errorMessage(message).serviceName("Rds").build()).build();
                    }
                    return switch (method.getName()) {
                        case "describeCluster" -> clusterExists ? Optional.of(acc) : Optional.empty();
                        case "describeInstance" -> Optional.empty();
                        case "deleteCluster", "restoreCluster", "createInstance", "deleteInstance" -> null;
                        default -> throw new UnsupportedOperationException(method.getName());
                    };
                });
    }
}
