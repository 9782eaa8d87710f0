package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.engine.rds.ClusterApi.InstanceInfo;
import dev.dbrefresh.engine.rds.ClusterApi.RestoreRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.docdb.DocDbClient;
import software.amazon.awssdk.services.docdb.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbClusterSnapshotAlreadyExistsException;
import software.amazon.awssdk.services.docdb.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.docdb.model.InvalidDbClusterStateException;
import software.amazon.awssdk.services.docdb.model.InvalidRestoreException;

/** {@link DocDbClusterApi} against {@link DocDbStub}: the requests it sends and how it reads the answers. */
class DocDbClusterApiTest {

    private static final String SOURCE_ACCOUNT = "999988887777";
    private static final String KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/acc-key";
    private static final Instant T1 = Instant.parse("2025-03-01T02:00:00Z");
    private static final Instant T2 = Instant.parse("2025-03-02T02:00:00Z");

    private DocDbStub stub;
    private DocDbClient client;
    private DocDbClusterApi api;

    @BeforeEach
    void start() {
        stub = DocDbStub.start();
        client = stub.client();
        api = new DocDbClusterApi(client);
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void serves_shouldAnswerTrue_onlyForDocdb() {
        assertThat(api.serves("docdb")).isTrue();
        assertThat(api.serves("aurora-postgresql")).isFalse();
        assertThat(api.serves("mongodb")).isFalse();
        assertThat(api.serves(null)).isFalse();
    }

    @Test
    void sharedSnapshots_shouldAskForSharedSnapshots_andKeepOnlyTheSourceCluster() {
        String older = stub.addSharedSnapshot(SOURCE_ACCOUNT, "rds:prod-docdb-2025-03-01", "prod-docdb", T1);
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "other-snap", "other-cluster", T2);
        stub.addManualSnapshot("own-snap", "prod-docdb", T2, Map.of());

        List<ClusterSnapshot> shared = api.sharedSnapshots("prod-docdb");

        assertThat(stub.lastCall("DescribeDBClusterSnapshots").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("SnapshotType", "shared", "IncludeShared", "true"));
        assertThat(shared).containsExactly(new ClusterSnapshot("rds:prod-docdb-2025-03-01", older, "prod-docdb",
                "available", "2025-03-01T02:00:00Z", "docdb",
                "arn:aws:kms:us-east-1:" + SOURCE_ACCOUNT + ":key/source-key", "shared", Map.of()));
        assertThat(stub.calls("ListTagsForResource")).isEmpty();
    }

    @Test
    void sharedSnapshots_shouldFollowMarkers_whenTheAnswerIsPaged() {
        stub.pageSize(1);
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "s1", "prod-docdb", T1);
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "s2", "prod-docdb", T2);
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "s3", "prod-docdb", T2.plusSeconds(60));

        List<ClusterSnapshot> shared = api.sharedSnapshots("prod-docdb");

        assertThat(shared).extracting(ClusterSnapshot::id).containsExactly("s1", "s2", "s3");
        List<DocDbStub.Call> pages = stub.calls("DescribeDBClusterSnapshots");
        assertThat(pages).hasSize(3);
        assertThat(pages.get(0).param("Marker")).isNull();
        assertThat(pages.get(1).param("Marker")).isEqualTo("1");
        assertThat(pages.get(2).param("Marker")).isEqualTo("2");
    }

    @Test
    void manualSnapshots_shouldAskForManualSnapshotsOfTheCluster_andReadEachSnapshotsTags() {
        String arn = stub.addManualSnapshot("copy-a", "prod-docdb", T1, Map.of("dbrefresh", "copy", "plan", "acc"));
        stub.addManualSnapshot("unrelated", "another", T2, Map.of());

        List<ClusterSnapshot> manual = api.manualSnapshots("prod-docdb");

        assertThat(stub.lastCall("DescribeDBClusterSnapshots").params()).containsExactlyInAnyOrderEntriesOf(
                Map.of("SnapshotType", "manual", "DBClusterIdentifier", "prod-docdb"));
        assertThat(stub.lastCall("ListTagsForResource").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("ResourceName", arn));
        assertThat(manual).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo("copy-a");
            assertThat(s.arn()).isEqualTo(arn);
            assertThat(s.type()).isEqualTo("manual");
            assertThat(s.tags()).containsExactly(entry("dbrefresh", "copy"), entry("plan", "acc"));
        });
    }

    @Test
    void manualSnapshots_shouldListAllOwnManualSnapshots_whenNoClusterIsGiven() {
        stub.addManualSnapshot("a", "c1", T1, Map.of());
        stub.addManualSnapshot("b", "c2", T2, Map.of());
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "shared", "prod-docdb", T2);

        List<ClusterSnapshot> manual = api.manualSnapshots(null);

        assertThat(stub.lastCall("DescribeDBClusterSnapshots").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("SnapshotType", "manual"));
        assertThat(manual).extracting(ClusterSnapshot::id).containsExactly("a", "b");
    }

    @Test
    void describeSnapshot_shouldReturnEmpty_whenTheSnapshotDoesNotExist() {
        assertThat(api.describeSnapshot("copy-missing")).isEmpty();

        assertThat(stub.lastCall("DescribeDBClusterSnapshots").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("DBClusterSnapshotIdentifier", "copy-missing"));
    }

    @Test
    void describeSnapshot_shouldIncludeShared_andSkipTags_whenGivenTheArnOfASharedSnapshot() {
        String arn = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-snap", "prod-docdb", T1);

        Optional<ClusterSnapshot> found = api.describeSnapshot(arn);

        assertThat(stub.lastCall("DescribeDBClusterSnapshots").params()).containsExactlyInAnyOrderEntriesOf(
                Map.of("DBClusterSnapshotIdentifier", arn, "IncludeShared", "true"));
        assertThat(found).get().satisfies(s -> {
            assertThat(s.id()).isEqualTo("prod-snap");
            assertThat(s.arn()).isEqualTo(arn);
            assertThat(s.tags()).isEmpty();
        });
        assertThat(stub.calls("ListTagsForResource")).isEmpty();
    }

    @Test
    void shareSnapshot_shouldAddTheAccountToTheRestoreAttribute() {
        stub.addManualSnapshot("prod-snap", "prod-docdb", T1, Map.of());

        api.shareSnapshot("prod-snap", "444455556666");

        assertThat(stub.lastCall("ModifyDBClusterSnapshotAttribute").params()).containsExactlyInAnyOrderEntriesOf(
                Map.of("DBClusterSnapshotIdentifier", "prod-snap", "AttributeName", "restore",
                        "ValuesToAdd.AttributeValue.1", "444455556666"));
        assertThat(stub.restoreAccounts("prod-snap")).containsExactly("444455556666");
    }

    @Test
    void copySnapshot_shouldSendKmsKeyAndTags_andNoSourceRegion_whenTheSourceIsInTheSameRegion() {
        String source = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-snap", "prod-docdb", T1);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("plan", "acc-docdb");
        tags.put("dbrefresh", "copy");

        ClusterSnapshot copy = api.copySnapshot(source, "copy-prod-snap", KMS_KEY, "us-east-1", tags);

        assertThat(stub.lastCall("CopyDBClusterSnapshot").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "SourceDBClusterSnapshotIdentifier", source,
                "TargetDBClusterSnapshotIdentifier", "copy-prod-snap",
                "KmsKeyId", KMS_KEY,
                "Tags.Tag.1.Key", "dbrefresh", "Tags.Tag.1.Value", "copy",
                "Tags.Tag.2.Key", "plan", "Tags.Tag.2.Value", "acc-docdb"));
        assertThat(copy.id()).isEqualTo("copy-prod-snap");
        assertThat(copy.arn()).isEqualTo("arn:aws:rds:us-east-1:111122223333:cluster-snapshot:copy-prod-snap");
        assertThat(copy.status()).isEqualTo("copying");
        assertThat(copy.kmsKeyId()).isEqualTo(KMS_KEY);
        assertThat(copy.tags()).containsExactlyInAnyOrderEntriesOf(tags);
        assertThat(stub.snapshotTags("copy-prod-snap")).get().isEqualTo(tags);
    }

    @Test
    void copySnapshot_shouldSendAPresignedUrl_whenTheSourceIsInAnotherRegion() {
        String source = stub.addManualSnapshot("own-snap", "prod-docdb", T1, Map.of());

        api.copySnapshot(source, "copy-own-snap", KMS_KEY, "eu-west-1", Map.of());

        DocDbStub.Call copy = stub.lastCall("CopyDBClusterSnapshot");
        assertThat(copy.param("PreSignedUrl"))
                .contains("eu-west-1")
                .contains("Action=CopyDBClusterSnapshot")
                .contains("DestinationRegion=us-east-1")
                .contains("X-Amz-Signature=");
        // SourceRegion only drives the SDK's presigning; it is not a wire parameter.
        assertThat(copy.params()).doesNotContainKeys("SourceRegion", "Tags.Tag.1.Key");
    }

    @Test
    void copySnapshot_shouldGoFromCopyingToAvailable_afterTheConfiguredDescribes() {
        stub.describesPerTransition(2);
        String source = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-snap", "prod-docdb", T1);
        api.copySnapshot(source, "copy-prod-snap", KMS_KEY, null, Map.of());

        List<String> seen = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            seen.add(api.describeSnapshot("copy-prod-snap").orElseThrow().status());
        }

        assertThat(seen).containsExactly("copying", "copying", "available", "available");
    }

    @Test
    void copySnapshot_shouldSurfaceTheAwsError_whenTheCopyExists() {
        String source = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-snap", "prod-docdb", T1);
        api.copySnapshot(source, "copy-prod-snap", KMS_KEY, null, Map.of());

        assertThatThrownBy(() -> api.copySnapshot(source, "copy-prod-snap", KMS_KEY, null, Map.of()))
                .isInstanceOfSatisfying(DbClusterSnapshotAlreadyExistsException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DBClusterSnapshotAlreadyExistsFault");
                    assertThat(e.statusCode()).isEqualTo(400);
                });
    }

    @Test
    void deleteSnapshot_shouldDeleteTheSnapshot_andToleratePriorDeletion() {
        stub.addManualSnapshot("copy-old", "prod-docdb", T1, Map.of());

        api.deleteSnapshot("copy-old");
        api.deleteSnapshot("copy-old");

        assertThat(stub.calls("DeleteDBClusterSnapshot")).extracting(DocDbStub.Call::params)
                .containsOnly(Map.of("DBClusterSnapshotIdentifier", "copy-old"));
        assertThat(stub.snapshotStatus("copy-old")).isEmpty();
        assertThat(api.describeSnapshot("copy-old")).isEmpty();
    }

    @Test
    void describeCluster_shouldFilterOnEngineDocdb_andReadTheTagsSeparately() {
        String arn = stub.addCluster("acc-docdb", Map.of("env", "acc", "owner", "data"), "acc-docdb-1", "acc-docdb-2");

        ClusterInfo cluster = api.describeCluster("acc-docdb").orElseThrow();

        assertThat(stub.lastCall("DescribeDBClusters").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBClusterIdentifier", "acc-docdb",
                "Filters.Filter.1.Name", "engine",
                "Filters.Filter.1.Values.Value.1", "docdb"));
        assertThat(stub.lastCall("ListTagsForResource").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("ResourceName", arn));
        assertThat(cluster).isEqualTo(new ClusterInfo("acc-docdb", arn, "available",
                "acc-docdb.cluster.c0abcdefgh12.us-east-1.docdb.amazonaws.com",
                "acc-docdb.cluster-ro.c0abcdefgh12.us-east-1.docdb.amazonaws.com", 27017, "docdb",
                List.of("acc-docdb-1", "acc-docdb-2"), Map.of("env", "acc", "owner", "data")));
    }

    @Test
    void describeCluster_shouldReturnEmpty_whenTheClusterIsNotFound() {
        assertThat(api.describeCluster("missing")).isEmpty();
        assertThat(stub.calls("ListTagsForResource")).isEmpty();
    }

    @Test
    void describeCluster_shouldReturnEmpty_whenTheIdentifierNamesAClusterOfAnotherEngine() {
        stub.addCluster("acc-aurora", "aurora-postgresql", Map.of(), "acc-aurora-1");

        assertThat(api.describeCluster("acc-aurora")).isEmpty();
        assertThat(api.describeInstance("acc-aurora-1")).isEmpty();
    }

    @Test
    void stub_shouldAnswerNotFoundWithTheDocumentedCodeAndStatus() {
        assertThatThrownBy(() -> client.describeDBClusters(r -> r.dbClusterIdentifier("missing")))
                .isInstanceOfSatisfying(DbClusterNotFoundException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DBClusterNotFoundFault");
                    assertThat(e.statusCode()).isEqualTo(404);
                });
        assertThatThrownBy(() -> client.describeDBInstances(r -> r.dbInstanceIdentifier("missing")))
                .isInstanceOfSatisfying(DbInstanceNotFoundException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DBInstanceNotFound");
                    assertThat(e.statusCode()).isEqualTo(404);
                });
    }

    @Test
    void describeInstance_shouldFilterOnEngineDocdb_andReadTheStatus() {
        stub.addCluster("acc-docdb", Map.of(), "acc-docdb-1");

        Optional<InstanceInfo> instance = api.describeInstance("acc-docdb-1");

        assertThat(stub.lastCall("DescribeDBInstances").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBInstanceIdentifier", "acc-docdb-1",
                "Filters.Filter.1.Name", "engine",
                "Filters.Filter.1.Values.Value.1", "docdb"));
        assertThat(instance).contains(new InstanceInfo("acc-docdb-1", "available"));
        assertThat(api.describeInstance("missing")).isEmpty();
    }

    @Test
    void deleteInstance_shouldSendOnlyTheIdentifier_andTheInstanceGoesFromDeletingToGone() {
        stub.addCluster("acc-docdb", Map.of(), "acc-docdb-1");

        api.deleteInstance("acc-docdb-1");

        assertThat(stub.lastCall("DeleteDBInstance").params())
                .containsExactlyInAnyOrderEntriesOf(Map.of("DBInstanceIdentifier", "acc-docdb-1"));
        assertThat(statuses(() -> api.describeInstance("acc-docdb-1").map(InstanceInfo::status), 4))
                .containsExactly("deleting", "deleting", "<gone>", "<gone>");
        assertThat(stub.clusterMembers("acc-docdb")).contains(List.of());
        api.deleteInstance("acc-docdb-1");
    }

    @Test
    void deleteCluster_shouldSkipTheFinalSnapshot_andTheClusterGoesFromDeletingToGone() {
        stub.addCluster("acc-docdb", Map.of());

        api.deleteCluster("acc-docdb", null);

        assertThat(stub.lastCall("DeleteDBCluster").params()).containsExactlyInAnyOrderEntriesOf(
                Map.of("DBClusterIdentifier", "acc-docdb", "SkipFinalSnapshot", "true"));
        assertThat(statuses(() -> api.describeCluster("acc-docdb").map(ClusterInfo::status), 4))
                .containsExactly("deleting", "deleting", "<gone>", "<gone>");
        api.deleteCluster("acc-docdb", null);
    }

    @Test
    void deleteCluster_shouldAskForAFinalSnapshot_whenOneIsNamed() {
        stub.addCluster("acc-docdb", Map.of());

        api.deleteCluster("acc-docdb", "acc-docdb-final");

        assertThat(stub.lastCall("DeleteDBCluster").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBClusterIdentifier", "acc-docdb", "SkipFinalSnapshot", "false",
                "FinalDBSnapshotIdentifier", "acc-docdb-final"));
        assertThat(stub.snapshotStatus("acc-docdb-final")).contains("creating");
    }

    @Test
    void deleteCluster_shouldFail_whileInstancesRemain() {
        stub.addCluster("acc-docdb", Map.of(), "acc-docdb-1");

        assertThatThrownBy(() -> api.deleteCluster("acc-docdb", null))
                .isInstanceOfSatisfying(InvalidDbClusterStateException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidDBClusterStateFault"));
    }

    @Test
    void restoreCluster_shouldSendEveryRestoreSetting_andTheClusterGoesFromCreatingToAvailable() {
        stub.addManualSnapshot("copy-prod-snap", "prod-docdb", T1, Map.of());

        api.restoreCluster(new RestoreRequest("acc-docdb", "copy-prod-snap", "docdb", "5.0.0", "acc-subnets",
                List.of("sg-1", "sg-2"), KMS_KEY, "acc-docdb-params", 27018, Map.of("env", "acc")));

        assertThat(stub.lastCall("RestoreDBClusterFromSnapshot").params()).containsExactlyInAnyOrderEntriesOf(
                Map.ofEntries(
                        entry("DBClusterIdentifier", "acc-docdb"),
                        entry("SnapshotIdentifier", "copy-prod-snap"),
                        entry("Engine", "docdb"),
                        entry("EngineVersion", "5.0.0"),
                        entry("DBSubnetGroupName", "acc-subnets"),
                        entry("VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-1"),
                        entry("VpcSecurityGroupIds.VpcSecurityGroupId.2", "sg-2"),
                        entry("KmsKeyId", KMS_KEY),
                        entry("DBClusterParameterGroupName", "acc-docdb-params"),
                        entry("Port", "27018"),
                        entry("Tags.Tag.1.Key", "env"),
                        entry("Tags.Tag.1.Value", "acc")));
        assertThat(statuses(() -> api.describeCluster("acc-docdb").map(ClusterInfo::status), 3))
                .containsExactly("creating", "creating", "available");
        ClusterInfo restored = api.describeCluster("acc-docdb").orElseThrow();
        assertThat(restored.port()).isEqualTo(27018);
        assertThat(restored.tags()).containsExactly(entry("env", "acc"));
        assertThat(restored.members()).isEmpty();
    }

    @Test
    void restoreCluster_shouldLeaveOutOptionalSettings_whenTheyAreNotSet() {
        stub.addManualSnapshot("copy-prod-snap", "prod-docdb", T1, Map.of());

        api.restoreCluster(new RestoreRequest("acc-docdb", "copy-prod-snap", null, null, "acc-subnets", List.of(), null,
                null, 0, Map.of()));

        assertThat(stub.lastCall("RestoreDBClusterFromSnapshot").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBClusterIdentifier", "acc-docdb", "SnapshotIdentifier", "copy-prod-snap", "Engine", "docdb",
                "DBSubnetGroupName", "acc-subnets"));
    }

    @Test
    void restoreCluster_shouldRefuse_whenTheRequestNamesAnotherEngine() {
        RestoreRequest aurora = new RestoreRequest("acc", "snap", "aurora-postgresql", null, "subnets", List.of(), null,
                null, 0, Map.of());

        assertThatThrownBy(() -> api.restoreCluster(aurora)).isInstanceOf(IllegalArgumentException.class);
        assertThat(stub.calls()).isEmpty();
    }

    @Test
    void restoreCluster_shouldSurfaceTheStubsCopyFirstRule_whenGivenASharedSnapshot() {
        String shared = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-snap", "prod-docdb", T1);

        assertThatThrownBy(() -> api.restoreCluster(new RestoreRequest("acc-docdb", shared, "docdb", null, "subnets",
                List.of(), KMS_KEY, null, 0, Map.of()))).isInstanceOf(InvalidRestoreException.class);
    }

    @Test
    void createInstance_shouldSendClusterClassEngineAndTags_andTheInstanceGoesFromCreatingToAvailable() {
        stub.addManualSnapshot("copy-prod-snap", "prod-docdb", T1, Map.of());
        api.restoreCluster(new RestoreRequest("acc-docdb", "copy-prod-snap", "docdb", null, "acc-subnets", List.of(),
                null, null, 0, Map.of()));

        api.createInstance("acc-docdb-1", "acc-docdb", "db.r6g.large", "docdb", Map.of("env", "acc"));

        assertThat(stub.lastCall("CreateDBInstance").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBInstanceIdentifier", "acc-docdb-1",
                "DBClusterIdentifier", "acc-docdb",
                "DBInstanceClass", "db.r6g.large",
                "Engine", "docdb",
                "Tags.Tag.1.Key", "env", "Tags.Tag.1.Value", "acc"));
        assertThat(statuses(() -> api.describeInstance("acc-docdb-1").map(InstanceInfo::status), 3))
                .containsExactly("creating", "creating", "available");
        assertThat(stub.clusterMembers("acc-docdb")).contains(List.of("acc-docdb-1"));
    }

    @Test
    void createInstance_shouldRefuse_whenTheEngineIsNotDocdb() {
        assertThatThrownBy(() -> api.createInstance("i", "c", "db.r6g.large", "aurora-mysql", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(stub.calls()).isEmpty();
    }

    @Test
    void modifyMasterPassword_shouldSendThePasswordAndApplyImmediately() {
        stub.addCluster("acc-docdb", Map.of(), "acc-docdb-1");

        api.modifyMasterPassword("acc-docdb", "s3cret&=+".toCharArray());

        assertThat(stub.lastCall("ModifyDBCluster").params()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "DBClusterIdentifier", "acc-docdb", "MasterUserPassword", "s3cret&=+", "ApplyImmediately", "true"));
    }

    /** Calls {@code describe} {@code times} times; a missing resource reads {@code <gone>}. */
    static List<String> statuses(Supplier<Optional<String>> describe, int times) {
        List<String> seen = new ArrayList<>();
        for (int n = 0; n < times; n++) {
            seen.add(describe.get().orElse("<gone>"));
        }
        return seen;
    }
}
