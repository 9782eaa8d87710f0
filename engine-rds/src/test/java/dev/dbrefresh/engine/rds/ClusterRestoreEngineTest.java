package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.AwsCallRecorder;
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
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.ModifyDbClusterRequest;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * {@link ClusterRestoreEngine} with {@link RdsClusterApi} against moto's RDS, EC2 and KMS (a {@code moto_server}
 * per class): the guard, the preflight, the rename/restore/create-instances phases with the parameters moto
 * stores, redeliveries, and the dry-run. Every SDK call is recorded ({@link AwsCallRecorder}), so the tests assert
 * what was not called: no delete at all, no rename after a refusal. Error mapping that moto cannot produce is
 * checked with a fake {@link ClusterApi}.
 */
class ClusterRestoreEngineTest {

    private static final String REQUIRED_TAG = "dbrefresh:refresh-target=true";

    private static final AwsCallRecorder CALLS = new AwsCallRecorder();

    private static MotoServer moto;
    private static RdsClient rds;
    private static KmsClient kms;
    private static Ec2Client ec2;
    private static String kmsKey;
    private static String securityGroup;
    private static TargetPreflight preflight;
    private static ClusterRestoreEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the RDS cluster restore tests are skipped");
        rds = moto.client(RdsClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(CALLS)));
        kms = moto.client(KmsClient.builder());
        ec2 = moto.client(Ec2Client.builder());
        kmsKey = kms.createKey(r -> r.description("dbrefresh test")).keyMetadata().arn();
        // What the restore needs, as the target account would have it: moto's default VPC subnets in a DB subnet
        // group, a security group, a cluster parameter group.
        List<String> subnets = ec2.describeSubnets().subnets().stream().map(s -> s.subnetId()).toList();
        rds.createDBSubnetGroup(r -> r.dbSubnetGroupName("acc-subnets").dbSubnetGroupDescription("acceptance")
                .subnetIds(subnets));
        securityGroup = ec2.createSecurityGroup(r -> r.groupName("acc-db").description("acceptance db")).groupId();
        rds.createDBClusterParameterGroup(r -> r.dbClusterParameterGroupName("acc-params")
                .dbParameterGroupFamily("aurora-postgresql15").description("acceptance"));
        preflight = new TargetPreflight(ec2, kms);
        engine = new ClusterRestoreEngine(new ClusterApis(List.of(new RdsClusterApi(rds))), preflight);
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
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.GUARD_MISSING_TAG);
        assertThat(refused.message()).contains(REQUIRED_TAG).contains("nothing was renamed or deleted");
        assertThat(cluster(target)).isPresent();
        assertThat(cluster(target).get().status()).isEqualTo("available");
        assertThat(instances(target)).extracting(DBInstance::dbInstanceStatus).containsExactly("available", "available");
        assertThat(rc.ctx.changed()).isFalse();
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditStatus.STARTED.id()));
    }

    @Test
    void startAndPoll_shouldRenameTheOldTargetAndRestoreUnderItsName_deletingNothing() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();
        String oldName = ClusterIdentifiers.oldCluster(target, runId);
        CALLS.clear();

        RecordingContext first = context(runId, plan, snapshot);
        RestoreProgress progress = engine.start(plan, snapshot, false, first.ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo(StepName.RENAMING);
        assertThat(first.ctx.changed()).isTrue();
        assertThat(first.audit).filteredOn(e -> e.status().equals(AuditStatus.SUCCEEDED.id())).extracting(AuditEntry::step)
                .containsExactly("rename-instance:" + target + "-1", "rename-instance:" + target + "-2",
                        "rename-cluster");
        ModifyDbClusterRequest rename = (ModifyDbClusterRequest) CALLS.requests("ModifyDBCluster").get(0);
        assertThat(rename.dbClusterIdentifier()).isEqualTo(target);
        assertThat(rename.newDBClusterIdentifier()).isEqualTo(oldName).hasSizeLessThanOrEqualTo(63);
        assertThat(rename.applyImmediately()).isTrue();

        List<String> phases = new ArrayList<>();
        RestoreProgress.Restored restored = pollUntilDone(plan, runId, snapshot, progress, phases);

        assertThat(phases).contains("renaming", "restoring");
        assertThat(CALLS.operations()).doesNotContain("DeleteDBCluster", "DeleteDBInstance")
                .containsOnlyOnce("ModifyDBCluster");
        DBCluster old = cluster(oldName).orElseThrow();
        assertThat(old.status()).isEqualTo("available");
        assertThat(tags(old.dbClusterArn())).containsEntry("dbrefresh:refresh-target", "true")
                .doesNotContainKey("dbrefresh:run");
        assertThat(instanceIds()).contains(ClusterIdentifiers.oldInstance(target + "-1", runId),
                ClusterIdentifiers.oldInstance(target + "-2", runId));
        DBCluster cluster = cluster(target).orElseThrow();
        assertThat(cluster.kmsKeyId()).isEqualTo(kmsKey);
        assertThat(cluster.port()).isEqualTo(5433);
        assertThat(cluster.dbSubnetGroup()).isEqualTo("acc-subnets");
        assertThat(cluster.vpcSecurityGroups()).extracting(g -> g.vpcSecurityGroupId()).containsExactly(securityGroup);
        Map<String, String> tags = tags(cluster.dbClusterArn());
        assertThat(tags).containsEntry("dbrefresh:run", runId).containsEntry("dbrefresh:snapshot", snapshot)
                .containsEntry("dbrefresh:managed", "true").containsEntry("dbrefresh:refresh-target", "true")
                .containsEntry("team", "data");
        // moto keeps DBClusterIdentifier=<target> on the renamed old instances (AWS moves them with their
        // cluster), so the new instances are picked by name here
        assertThat(rds.describeDBInstances().dbInstances()).filteredOn(i -> i.dbInstanceIdentifier().equals(target + "-1")
                || i.dbInstanceIdentifier().equals(target + "-2")).hasSize(2)
                .allSatisfy(i -> assertThat(i.dbInstanceClass()).isEqualTo("db.r6g.large"));
        assertThat(restored).isEqualTo(new RestoreProgress.Restored(cluster.endpoint(), cluster.readerEndpoint(), 5433,
                "app"));
    }

    @Test
    void start_shouldNotRenameAgain_whenRedeliveredAfterTheRename() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();
        engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);
        CALLS.clear();

        RecordingContext redelivery = context(runId, plan, snapshot);
        RestoreProgress again = engine.start(plan, snapshot, false, redelivery.ctx);

        // moto renames at once: the redelivered start finds the name free and the old cluster renamed
        assertThat(((RestoreProgress.Waiting) again).phase()).isEqualTo(StepName.RESTORING);
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "ModifyDBInstance", "DeleteDBCluster",
                "DeleteDBInstance").containsOnlyOnce("RestoreDBClusterFromSnapshot");
        assertThat(cluster(ClusterIdentifiers.oldCluster(target, runId))).isPresent();
    }

    @Test
    void poll_shouldRefuseAndNotRestoreOverIt_whenSomeoneCreatedTheTargetAfterTheRename() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();
        engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);
        rds.createDBCluster(r -> r.dbClusterIdentifier(target).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("secret-password").tags(Tag.builder().key("dbrefresh:refresh-target").value("true")
                        .build()));
        String intruder = cluster(target).orElseThrow().dbClusterArn();
        CALLS.clear();

        RestoreProgress progress = engine.poll(plan, poll(plan, snapshot, "renaming"), context(runId, plan, snapshot).ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.TARGET_CHANGED);
        assertThat(refused.message()).contains("old target intact, renamed as " + ClusterIdentifiers.oldCluster(target,
                runId));
        assertThat(CALLS.operations()).doesNotContain("RestoreDBClusterFromSnapshot", "ModifyDBCluster", "DeleteDBCluster");
        assertThat(cluster(target).orElseThrow().dbClusterArn()).isEqualTo(intruder);
    }

    @Test
    void start_shouldNotRenameOrDelete_whenRedeliveredAfterRestoreBegan() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();
        RestoreProgress progress = engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);
        // poll until the restore call was made
        while (progress instanceof RestoreProgress.Waiting w && w.phase() == StepName.RENAMING) {
            progress = engine.poll(plan, poll(plan, snapshot, w.phase().id()), context(runId, plan, snapshot).ctx);
        }
        String restoredArn = cluster(target).orElseThrow().dbClusterArn();
        CALLS.clear();

        RecordingContext redelivery = context(runId, plan, snapshot);
        RestoreProgress again = engine.start(plan, snapshot, false, redelivery.ctx);

        assertThat(again).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) again).phase()).isEqualTo(StepName.RESTORING);
        assertThat(cluster(target).orElseThrow().dbClusterArn()).isEqualTo(restoredArn);
        assertThat(redelivery.details(AuditStatus.SKIPPED)).anyMatch(d -> d.contains("this run's own restore"));
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "ModifyDBInstance", "DeleteDBCluster",
                "DeleteDBInstance", "RestoreDBClusterFromSnapshot");
    }

    @Test
    void start_shouldChangeNothingAndRecordPlannedCalls_whenDryRun() throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        DBCluster before = cluster(target).orElseThrow();
        RefreshPlan plan = plan(target, true);
        RecordingContext rc = context(plan, snapshot);
        CALLS.clear();

        RestoreProgress progress = engine.start(plan, snapshot, true, rc.ctx);

        assertThat(progress).isEqualTo(new RestoreProgress.Restored(before.endpoint(), before.readerEndpoint(),
                before.port(), "app"));
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "ModifyDBInstance", "DeleteDBCluster",
                "DeleteDBInstance", "RestoreDBClusterFromSnapshot", "CreateDBInstance");
        DBCluster after = cluster(target).orElseThrow();
        assertThat(after.dbClusterArn()).isEqualTo(before.dbClusterArn());
        assertThat(instances(target)).extracting(DBInstance::dbInstanceIdentifier)
                .containsExactlyInAnyOrder(target + "-1", target + "-2");
        List<String> planned = rc.details(AuditStatus.PLANNED);
        assertThat(planned).hasSize(7);
        assertThat(planned).filteredOn(d -> d.contains("ModifyDBInstance") && d.contains("NewDBInstanceIdentifier="))
                .hasSize(2);
        assertThat(planned).anyMatch(d -> d.contains("ModifyDBCluster DBClusterIdentifier=" + target)
                && d.contains("NewDBClusterIdentifier=" + ClusterIdentifiers.oldCluster(target, rc.ctx.runId())));
        assertThat(planned).anyMatch(d -> d.contains("RestoreDBClusterFromSnapshot") && d.contains("KmsKeyId=" + kmsKey)
                && d.contains("SnapshotIdentifier=" + snapshot) && d.contains("Port=5433"));
        assertThat(planned).filteredOn(d -> d.contains("CreateDBInstance") && d.contains("DBInstanceClass=db.r6g.large"))
                .hasSize(2);
        assertThat(planned).anyMatch(d -> d.startsWith("delete-old: ") && d.contains("notifier-service"));
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditStatus.STARTED.id()));
        assertThat(rc.ctx.changed()).isFalse();
    }

    // ---------------------------------------------------------------- the snapshot belongs to the plan's source

    @Test
    void start_shouldRefuseAndChangeNothing_whenTheSnapshotIsACopyOfAnotherAccountsSnapshot() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String foreign = snapshotOf("prod", "copy-foreign-" + suffix,
                "arn:aws:rds:us-east-1:999999999999:cluster-snapshot:prod-" + suffix);
        assertRestoreRefusedAsNotOfSource(foreign, "999999999999");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenTheSnapshotIsOfAnotherCluster() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String other = snapshotOf("other-" + suffix, "copy-other-" + suffix,
                "arn:aws:rds:us-east-1:111111111111:cluster-snapshot:other-" + suffix);
        assertRestoreRefusedAsNotOfSource(other, "other-" + suffix);
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenTheSnapshotIsNoCopyOfTheSource() throws Exception {
        // an untagged snapshot of a same-named cluster in this (the target) account
        String own = snapshotOf("prod", "by-hand-" + UUID.randomUUID().toString().substring(0, 6), null);
        assertRestoreRefusedAsNotOfSource(own, "in account " + MotoServer.ACCOUNT);
    }

    private static void assertRestoreRefusedAsNotOfSource(String snapshot, String named) throws Exception {
        String target = targetCluster(true);
        RefreshPlan plan = plan(target, false);
        RecordingContext rc = context(plan, snapshot);
        CALLS.clear();

        RestoreProgress.Refused refused = (RestoreProgress.Refused) engine.start(plan, snapshot, false, rc.ctx);

        assertThat(refused.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(refused.message()).contains(named).contains("nothing was renamed, deleted or restored");
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "ModifyDBInstance", "DeleteDBCluster",
                "DeleteDBInstance", "RestoreDBClusterFromSnapshot", "CreateDBInstance");
        assertThat(instances(target)).extracting(DBInstance::dbInstanceIdentifier)
                .containsExactlyInAnyOrder(target + "-1", target + "-2");
        assertThat(rc.ctx.changed()).isFalse();
    }

    // ---------------------------------------------------------------- preflight

    @Test
    void start_shouldRefuseAndChangeNothing_whenSubnetGroupIsMissing() throws Exception {
        assertPreflightRefusal("subnet-group: acc-subnets", "subnet-group: no-such-subnets", "PREFLIGHT_SUBNET_GROUP",
                "no-such-subnets");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenSecurityGroupIsMissing() throws Exception {
        assertPreflightRefusal("security-groups: [SG]", "security-groups: [SG, sg-0000dead]", "PREFLIGHT_SECURITY_GROUPS",
                "[sg-0000dead]");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenKmsKeyIsDisabled() throws Exception {
        String disabled = kms.createKey(r -> r.description("disabled")).keyMetadata().keyId();
        kms.disableKey(r -> r.keyId(disabled));
        String arn = kms.describeKey(r -> r.keyId(disabled)).keyMetadata().arn();
        assertPreflightRefusal("kms-key-id: " + kmsKey, "kms-key-id: " + arn, "PREFLIGHT_KMS_KEY", "Disabled");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenKmsKeyDoesNotExist() throws Exception {
        String missing = "arn:aws:kms:us-east-1:" + MotoServer.ACCOUNT + ":key/00000000-0000-0000-0000-000000000000";
        assertPreflightRefusal("kms-key-id: " + kmsKey, "kms-key-id: " + missing, "PREFLIGHT_KMS_KEY", "does not exist");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenClusterParameterGroupIsMissing() throws Exception {
        assertPreflightRefusal("cluster-parameter-group: acc-params", "cluster-parameter-group: no-such-params",
                "PREFLIGHT_PARAMETER_GROUP", "no-such-params");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenInstanceClassIsNotOrderable() throws Exception {
        assertPreflightRefusal("instance-class: db.r6g.large", "instance-class: db.x9.huge", "PREFLIGHT_INSTANCE_CLASS",
                "db.x9.huge");
    }

    private static void assertPreflightRefusal(String good, String bad, String code, String named) throws Exception {
        String snapshot = snapshotCopy();
        String target = targetCluster(true);
        String arn = cluster(target).orElseThrow().dbClusterArn();
        RefreshPlan plan = plan(target, false, good.replace("SG", securityGroup), bad.replace("SG", securityGroup));
        RecordingContext rc = context(plan, snapshot);
        CALLS.clear();

        RestoreProgress progress = engine.start(plan, snapshot, false, rc.ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.step()).isEqualTo(StepName.PREFLIGHT);
        assertThat(refused.errorCode().code()).isEqualTo(code);
        assertThat(refused.message()).contains(named).contains("Nothing was renamed, deleted or restored")
                .contains("old target " + target + " intact under its name");
        assertThat(CALLS.operations()).doesNotContain("ModifyDBCluster", "ModifyDBInstance", "DeleteDBCluster",
                "DeleteDBInstance", "RestoreDBClusterFromSnapshot", "CreateDBInstance");
        assertThat(cluster(target).orElseThrow().dbClusterArn()).isEqualTo(arn);
        assertThat(instances(target)).extracting(DBInstance::dbInstanceIdentifier)
                .containsExactlyInAnyOrder(target + "-1", target + "-2");
        assertThat(rc.ctx.changed()).isFalse();
    }

    @Test
    void start_shouldRestoreRightAway_whenTargetDoesNotExist() throws Exception {
        String snapshot = snapshotCopy();
        String target = "acc-new-" + UUID.randomUUID().toString().substring(0, 6);
        RefreshPlan plan = plan(target, false);
        String runId = "run-" + UUID.randomUUID();

        RestoreProgress progress = engine.start(plan, snapshot, false, context(runId, plan, snapshot).ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo(StepName.RESTORING);
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
    void poll_shouldRestore_whenTheRenameFreedTheTargetName() throws Exception {
        List<String> calls = new ArrayList<>();
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(calls, "none",
                "-", "-", false))), preflight);
        RefreshPlan plan = plan("acc", false);

        RestoreProgress progress = fake.poll(plan, poll(plan, "copy-x", "renaming"), context(plan, "copy-x").ctx);

        assertThat(calls).containsExactly("describeCluster", "describeInstance", "describeInstance", "restoreCluster");
        assertThat(((RestoreProgress.Waiting) progress).phase()).isEqualTo(StepName.RESTORING);
    }

    @Test
    void poll_shouldRefuseWithKmsMessage_whenRestoreFailsOnKmsKey() throws Exception {
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(new ArrayList<>(),
                "restoreCluster", "InvalidParameterValue", "The specified KMS key does not exist or is not enabled",
                false))), preflight);
        RefreshPlan plan = plan("acc", false);

        RestoreProgress progress = fake.poll(plan, poll(plan, "copy-x", "renaming"), context(plan, "copy-x").ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.step()).isEqualTo(StepName.RESTORE);
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.KMS_KEY_NOT_ACCESSIBLE);
        assertThat(refused.message()).contains("must allow account 222222222222")
                .contains("(now: no cluster named acc or acc-old-run-");
    }

    @Test
    void poll_shouldRethrow_whenThrottled() {
        ClusterRestoreEngine fake = new ClusterRestoreEngine(new ClusterApis(List.of(fakeApi(new ArrayList<>(),
                "restoreCluster", "ThrottlingException", "Rate exceeded", false))), preflight);
        RefreshPlan plan = plan("acc", false);

        assertThatThrownBy(() -> fake.poll(plan, poll(plan, "copy-x", "renaming"), context(plan, "copy-x").ctx))
                .isInstanceOf(RdsException.class);
    }

    // ---------------------------------------------------------------- helpers

    private static RestoreProgress.Restored pollUntilDone(RefreshPlan plan, String runId, String snapshot,
            RestoreProgress progress, List<String> phases) throws Exception {
        for (int i = 0; i < 20 && progress instanceof RestoreProgress.Waiting w; i++) {
            phases.add(w.phase().id());
            RecordingContext rc = context(runId, plan, snapshot);
            progress = engine.poll(plan, poll(plan, snapshot, w.phase().id()), rc.ctx);
            assertThat(rc.ctx.changed()).isTrue();
        }
        assertThat(progress).isInstanceOf(RestoreProgress.Restored.class);
        return (RestoreProgress.Restored) progress;
    }

    /**
     * An encrypted manual snapshot of cluster {@code prod}, as snapshot-service's copy leaves it: tagged with the
     * ARN of the production snapshot (account 111111111111) it was copied from.
     */
    private static String snapshotCopy() {
        String name = "prod-" + UUID.randomUUID().toString().substring(0, 6);
        return snapshotOf("prod", "copy-" + name, "arn:aws:rds:us-east-1:111111111111:cluster-snapshot:" + name);
    }

    /** A manual snapshot of {@code cluster} (created when missing), tagged as a copy of {@code sourceArn} if given. */
    private static String snapshotOf(String cluster, String id, String sourceArn) {
        if (cluster(cluster).isEmpty()) {
            rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-postgresql").masterUsername("postgres")
                    .masterUserPassword("secret-password").storageEncrypted(true).kmsKeyId(kmsKey));
        }
        List<Tag> tags = sourceArn == null ? List.of()
                : List.of(Tag.builder().key("dbrefresh:source-snapshot").value(sourceArn).build());
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier(id).tags(tags));
        return id;
    }

    /** The cluster that is replaced, with two instances {@code <cluster>-1/2} (the names the new ones need). */
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
            String instance = id + "-" + n;
            rds.createDBInstance(r -> r.dbInstanceIdentifier(instance).dbClusterIdentifier(id)
                    .dbInstanceClass("db.r5.large").engine("aurora-postgresql"));
            // the same for the instance's automated snapshot rds:<instance>-<minute>: the new instance of that
            // name would collide with it
            rds.describeDBSnapshots(r -> r.dbInstanceIdentifier(instance).snapshotType("automated")).dbSnapshots()
                    .forEach(s -> rds.deleteDBSnapshot(d -> d.dbSnapshotIdentifier(s.dbSnapshotIdentifier())));
        }
        return id;
    }

    private static RefreshPlan plan(String targetCluster, boolean finalSnapshot) {
        return plan(targetCluster, finalSnapshot, "", "");
    }

    /** The test plan, with one line of its target replaced ({@code good} by {@code bad}). */
    private static RefreshPlan plan(String targetCluster, boolean finalSnapshot, String good, String bad) {
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
                      security-groups: [%s]
                      cluster-parameter-group: acc-params
                      instance-class: db.r6g.large
                      instances: 2
                      port: 5433
                      database: app
                      required-tag: "%s"
                      final-snapshot: %s
                      tags: {team: data}
                """.formatted(targetCluster, kmsKey, securityGroup, REQUIRED_TAG, finalSnapshot);
        if (!good.isEmpty()) {
            assertThat(yaml).contains(good);
            yaml = yaml.replace(good, bad);
        }
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

    private static List<String> instanceIds() {
        return rds.describeDBInstances().dbInstances().stream().map(DBInstance::dbInstanceIdentifier).toList();
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
                        case "restoreCluster", "createInstance" -> null;
                        default -> throw new UnsupportedOperationException(method.getName());
                    };
                });
    }
}
