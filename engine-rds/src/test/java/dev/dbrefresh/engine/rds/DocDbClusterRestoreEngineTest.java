package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.docdb.DocDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * {@link ClusterRestoreEngine} for engine {@code docdb}, through {@link DocDbClusterApi}, against the DocumentDB
 * stub ({@link DocDbStub}; no emulator supports DocumentDB): the preflight, the rename of the target's instances
 * and cluster, the restore from the snapshot copy under the target's name, its instances created and awaited,
 * and nothing deleted. The preflight's EC2 security groups and KMS key are moto's ({@code moto_server}); without
 * it these tests are skipped.
 */
class DocDbClusterRestoreEngineTest {

    private static final String COPY_ID = "copy-prod-docdb-2025-03-02";
    private static final String RUN_ID = "run-docdb-1";

    private static MotoServer moto;
    private static TargetPreflight preflight;
    private static String kmsKey;
    private static String securityGroup;

    private DocDbStub stub;
    private DocDbClient client;
    private ClusterRestoreEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the preflight's EC2 and KMS are moto's; skipped");
        KmsClient kms = moto.client(KmsClient.builder());
        Ec2Client ec2 = moto.client(Ec2Client.builder());
        kmsKey = kms.createKey(r -> r.description("acceptance docdb")).keyMetadata().arn();
        securityGroup = ec2.createSecurityGroup(r -> r.groupName("acc-docdb").description("acceptance")).groupId();
        preflight = new TargetPreflight(ec2, kms);
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void start() {
        stub = DocDbStub.start().describesPerTransition(2).addSubnetGroup("acc-subnets");
        client = stub.client();
        engine = new ClusterRestoreEngine(new ClusterApis(List.of(new DocDbClusterApi(client))), preflight);
        stub.addManualSnapshot(COPY_ID, "prod-docdb", Instant.parse("2025-03-02T02:10:00Z"),
                Map.of("dbrefresh:managed", "true", "dbrefresh:source-snapshot",
                        "arn:aws:rds:us-east-1:999988887777:cluster-snapshot:prod-docdb-2025-03-02"));
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void startAndPoll_shouldRenameTheTarget_restoreUnderItsName_andDeleteNothing() throws Exception {
        stub.addCluster("acc-docdb", Map.of("dbrefresh:refresh-target", "true"), "acc-docdb-1", "acc-docdb-2");
        RefreshPlan plan = plan("instance-class: db.r6g.large");
        assertThat(engine.snapshotExists(plan, COPY_ID)).isTrue();
        String oldName = ClusterIdentifiers.oldCluster("acc-docdb", RUN_ID);

        RestoreProgress progress = engine.start(plan, COPY_ID, false, context(plan).ctx);
        for (int attempt = 1; attempt <= 40 && progress instanceof RestoreProgress.Waiting waiting; attempt++) {
            progress = engine.poll(plan, new ClusterRestorePoll(plan.name(), COPY_ID, waiting.phase().id(), attempt,
                    Instant.now().plusSeconds(3600)), context(plan).ctx);
        }

        assertThat(progress).isEqualTo(new RestoreProgress.Restored(
                "acc-docdb.cluster.c0abcdefgh12.us-east-1.docdb.amazonaws.com",
                "acc-docdb.cluster-ro.c0abcdefgh12.us-east-1.docdb.amazonaws.com", 27017, null));
        assertThat(stub.calls().stream().map(DocDbStub.Call::action)
                .filter(a -> !a.startsWith("Describe") && !a.equals("ListTagsForResource")).toList())
                .containsExactly("ModifyDBInstance", "ModifyDBInstance", "ModifyDBCluster", "RestoreDBClusterFromSnapshot",
                        "CreateDBInstance", "CreateDBInstance");
        assertThat(stub.lastCall("ModifyDBCluster").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBClusterIdentifier", "acc-docdb", "NewDBClusterIdentifier", oldName, "ApplyImmediately", "true"));
        assertThat(stub.clusterTags(oldName)).get().satisfies(tags -> assertThat(tags)
                .containsEntry("dbrefresh:refresh-target", "true").doesNotContainKey(Tags.RUN));
        assertThat(stub.clusterMembers(oldName)).contains(List.of(ClusterIdentifiers.oldInstance("acc-docdb-1", RUN_ID),
                ClusterIdentifiers.oldInstance("acc-docdb-2", RUN_ID)));
        assertThat(stub.lastCall("RestoreDBClusterFromSnapshot").params())
                .containsEntry("DBClusterIdentifier", "acc-docdb")
                .containsEntry("SnapshotIdentifier", COPY_ID)
                .containsEntry("Engine", "docdb")
                .containsEntry("DBSubnetGroupName", "acc-subnets")
                .containsEntry("VpcSecurityGroupIds.VpcSecurityGroupId.1", securityGroup)
                .containsEntry("KmsKeyId", kmsKey);
        assertThat(stub.calls("CreateDBInstance")).allSatisfy(c -> assertThat(c.params())
                .containsEntry("DBClusterIdentifier", "acc-docdb")
                .containsEntry("DBInstanceClass", "db.r6g.large")
                .containsEntry("Engine", "docdb"));
        assertThat(stub.clusterTags("acc-docdb")).get().satisfies(tags -> assertThat(tags)
                .containsEntry("dbrefresh:refresh-target", "true")
                .containsEntry(Tags.RUN, RUN_ID)
                .containsEntry(Tags.SNAPSHOT, COPY_ID));
        assertThat(stub.clusterMembers("acc-docdb")).contains(List.of("acc-docdb-1", "acc-docdb-2"));
        assertThat(stub.instanceStatus("acc-docdb-1")).contains("available");
        assertThat(stub.instanceStatus("acc-docdb-2")).contains("available");
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenTheInstanceClassIsNotOrderableForDocDb() throws Exception {
        stub.addCluster("acc-docdb", Map.of("dbrefresh:refresh-target", "true"), "acc-docdb-1");
        RefreshPlan plan = plan("instance-class: db.r6g.4xlarge");

        RestoreProgress progress = engine.start(plan, COPY_ID, false, context(plan).ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.PREFLIGHT_INSTANCE_CLASS);
        assertThat(refused.message()).contains("db.r6g.4xlarge").contains("old target acc-docdb intact under its name");
        assertThat(stub.lastCall("DescribeOrderableDBInstanceOptions").params())
                .containsEntry("Engine", "docdb").containsEntry("DBInstanceClass", "db.r6g.4xlarge");
        assertThat(stub.calls()).extracting(DocDbStub.Call::action).doesNotContain("ModifyDBCluster", "ModifyDBInstance",
                "DeleteDBInstance", "DeleteDBCluster", "RestoreDBClusterFromSnapshot");
        assertThat(stub.clusterMembers("acc-docdb")).contains(List.of("acc-docdb-1"));
    }

    @Test
    void start_shouldRefuseAndChangeNothing_whenTheSubnetGroupOrParameterGroupIsMissing() throws Exception {
        stub.addCluster("acc-docdb", Map.of("dbrefresh:refresh-target", "true"), "acc-docdb-1");
        RefreshPlan plan = plan("subnet-group: no-such-subnets\n      cluster-parameter-group: no-such-params");

        RestoreProgress.Refused refused = (RestoreProgress.Refused) engine.start(plan, COPY_ID, false,
                context(plan).ctx);

        assertThat(refused.errorCode()).isEqualTo(ErrorCode.PREFLIGHT_SUBNET_GROUP);
        assertThat(refused.message()).contains("no-such-subnets").contains("no-such-params");
        assertThat(stub.calls()).extracting(DocDbStub.Call::action).doesNotContain("ModifyDBCluster", "ModifyDBInstance",
                "DeleteDBInstance", "DeleteDBCluster", "RestoreDBClusterFromSnapshot");
    }

    @Test
    void start_shouldDeleteNothing_whenTheTargetLacksTheRequiredTag() throws Exception {
        stub.addCluster("acc-docdb", Map.of("env", "acc"), "acc-docdb-1");
        RefreshPlan plan = plan("instance-class: db.r6g.large");

        RestoreProgress progress = engine.start(plan, COPY_ID, false, context(plan).ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Refused.class);
        assertThat(((RestoreProgress.Refused) progress).errorCode()).isEqualTo(ErrorCode.GUARD_MISSING_TAG);
        assertThat(stub.calls()).extracting(DocDbStub.Call::action).doesNotContain("DeleteDBInstance", "DeleteDBCluster",
                "ModifyDBCluster", "ModifyDBInstance");
    }

    /** @param extra target lines added after {@code instances} (or replacing the instance class line) */
    private static RefreshPlan plan(String extra) {
        String yaml = """
                plans:
                  docs:
                    engine: docdb
                    source: {account: "999988887777", region: us-east-1, cluster: prod-docdb}
                    target:
                      account: "%s"
                      region: us-east-1
                      cluster: acc-docdb
                      kms-key-id: %s
                      security-groups: [%s]
                      instances: 2
                      required-tag: dbrefresh:refresh-target=true
                      %s
                """.formatted(DocDbStub.ACCOUNT, kmsKey, securityGroup, extra.startsWith("instance-class")
                ? "subnet-group: acc-subnets\n      " + extra : "instance-class: db.r6g.large\n      " + extra);
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("docs");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RecordingContext context(RefreshPlan plan) {
        return new RecordingContext(RUN_ID, plan.name(),
                new SnapshotReady(plan.name(), "docdb", COPY_ID, "prod-docdb-2025-03-02", 0, null, true, false));
    }
}
