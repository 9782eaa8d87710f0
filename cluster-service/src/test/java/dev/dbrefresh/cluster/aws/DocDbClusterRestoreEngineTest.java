package dev.dbrefresh.cluster.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.cluster.domain.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.aws.cluster.ClusterApis;
import dev.dbrefresh.runtime.aws.cluster.DocDbClusterApi;
import dev.dbrefresh.runtime.aws.cluster.DocDbStub;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.docdb.DocDbClient;

/**
 * {@link ClusterRestoreEngine} for engine {@code docdb}, through {@link DocDbClusterApi}, against the DocumentDB
 * stub ({@link DocDbStub}; no emulator supports DocumentDB): the target's instances and cluster are deleted and
 * awaited, the cluster is restored from the snapshot copy, its instances are created and awaited.
 */
class DocDbClusterRestoreEngineTest {

    private static final String KMS_KEY = "arn:aws:kms:us-east-1:" + DocDbStub.ACCOUNT + ":key/acc-key";
    private static final String COPY_ID = "copy-prod-docdb-2025-03-02";
    private static final String RUN_ID = "run-docdb-1";

    private DocDbStub stub;
    private DocDbClient client;
    private ClusterRestoreEngine engine;

    @BeforeEach
    void start() {
        stub = DocDbStub.start().describesPerTransition(2);
        client = stub.client();
        engine = new ClusterRestoreEngine(new ClusterApis(List.of(new DocDbClusterApi(client))));
        stub.addManualSnapshot(COPY_ID, "prod-docdb", Instant.parse("2025-03-02T02:10:00Z"),
                Map.of("dbrefresh:managed", "true"));
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void startAndPoll_shouldReplaceTheTargetCluster_andCreateItsInstances() throws Exception {
        stub.addCluster("acc-docdb", Map.of("dbrefresh:refresh-target", "true"), "acc-docdb-1", "acc-docdb-2");
        RefreshPlan plan = plan();
        assertThat(engine.snapshotExists(plan, COPY_ID)).isTrue();

        RestoreProgress progress = engine.start(plan, COPY_ID, false, context(plan).ctx);
        for (int attempt = 1; attempt <= 40 && progress instanceof RestoreProgress.Waiting waiting; attempt++) {
            progress = engine.poll(plan, new ClusterRestorePoll(plan.name(), COPY_ID, waiting.phase(), attempt,
                    Instant.now().plusSeconds(3600)), context(plan).ctx);
        }

        assertThat(progress).isEqualTo(new RestoreProgress.Restored(
                "acc-docdb.cluster.c0abcdefgh12.us-east-1.docdb.amazonaws.com",
                "acc-docdb.cluster-ro.c0abcdefgh12.us-east-1.docdb.amazonaws.com", 27017, null));
        assertThat(stub.calls().stream().map(DocDbStub.Call::action)
                .filter(a -> !a.startsWith("Describe") && !a.equals("ListTagsForResource")).toList())
                .containsExactly("DeleteDBInstance", "DeleteDBInstance", "DeleteDBCluster", "RestoreDBClusterFromSnapshot",
                        "CreateDBInstance", "CreateDBInstance");
        assertThat(stub.lastCall("DeleteDBCluster").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("DBClusterIdentifier", "acc-docdb", "SkipFinalSnapshot", "true"));
        assertThat(stub.lastCall("RestoreDBClusterFromSnapshot").params())
                .containsEntry("SnapshotIdentifier", COPY_ID)
                .containsEntry("Engine", "docdb")
                .containsEntry("DBSubnetGroupName", "acc-subnets")
                .containsEntry("VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-12345")
                .containsEntry("KmsKeyId", KMS_KEY);
        assertThat(stub.calls("CreateDBInstance")).allSatisfy(c -> assertThat(c.params())
                .containsEntry("DBClusterIdentifier", "acc-docdb")
                .containsEntry("DBInstanceClass", "db.r6g.large")
                .containsEntry("Engine", "docdb"));
        assertThat(stub.clusterTags("acc-docdb")).get().satisfies(tags -> assertThat(tags)
                .containsEntry("dbrefresh:refresh-target", "true")
                .containsEntry(ClusterRestoreEngine.TAG_RUN, RUN_ID)
                .containsEntry(ClusterRestoreEngine.TAG_SNAPSHOT, COPY_ID));
        assertThat(stub.clusterMembers("acc-docdb")).contains(List.of("acc-docdb-1", "acc-docdb-2"));
        assertThat(stub.instanceStatus("acc-docdb-1")).contains("available");
        assertThat(stub.instanceStatus("acc-docdb-2")).contains("available");
    }

    @Test
    void start_shouldDeleteNothing_whenTheTargetLacksTheRequiredTag() throws Exception {
        stub.addCluster("acc-docdb", Map.of("env", "acc"), "acc-docdb-1");
        RefreshPlan plan = plan();

        RestoreProgress progress = engine.start(plan, COPY_ID, false, context(plan).ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Refused.class);
        assertThat(((RestoreProgress.Refused) progress).errorCode()).isEqualTo("GUARD_MISSING_TAG");
        assertThat(stub.calls()).extracting(DocDbStub.Call::action).doesNotContain("DeleteDBInstance", "DeleteDBCluster");
    }

    private static RefreshPlan plan() {
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
                      subnet-group: acc-subnets
                      security-groups: [sg-12345]
                      instance-class: db.r6g.large
                      instances: 2
                      required-tag: dbrefresh:refresh-target=true
                """.formatted(DocDbStub.ACCOUNT, KMS_KEY);
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
