package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.engine.rds.ClusterApi.InstanceInfo;
import dev.dbrefresh.engine.rds.ClusterApi.RestoreRequest;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.docdb.DocDbClient;

/**
 * The DocumentDB copy-then-restore sequence walked through {@link DocDbClusterApi} the way the cluster engines
 * drive it, against {@link DocDbStub}: newest shared snapshot, copy into this account (KMS key, tags), wait,
 * no second copy on a second run, delete the target's instances and cluster, restore from the copy, create the
 * instances, wait until everything is available.
 */
class DocDbCopyRestoreFlowTest {

    private static final String SOURCE_ACCOUNT = "999988887777";
    private static final String KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/acc-key";
    private static final int MAX_POLLS = 20;

    private DocDbStub stub;
    private DocDbClient client;
    private DocDbClusterApi api;

    @BeforeEach
    void start() {
        stub = DocDbStub.start().describesPerTransition(3);
        client = stub.client();
        api = new DocDbClusterApi(client);
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-docdb-2025-03-01", "prod-docdb", Instant.parse("2025-03-01T02:00:00Z"));
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-docdb-2025-03-02", "prod-docdb", Instant.parse("2025-03-02T02:00:00Z"));
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "other-2025-03-03", "other-docdb", Instant.parse("2025-03-03T02:00:00Z"));
        stub.addCluster("acc-docdb", Map.of("dbrefresh:refresh-target", "true"), "acc-docdb-1", "acc-docdb-2");
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void copyThenRestore_shouldCopyOnce_replaceTheTarget_andEndAvailable() {
        // Snapshot side, first run: newest shared snapshot of the source cluster.
        ClusterSnapshot newest = api.sharedSnapshots("prod-docdb").stream()
                .filter(s -> "available".equals(s.status()))
                .max(Comparator.comparing(s -> Instant.parse(s.createdAt())))
                .orElseThrow();
        assertThat(newest.id()).isEqualTo("prod-docdb-2025-03-02");
        String copyId = "copy-" + newest.id();

        assertThat(copyExists(copyId)).isFalse();
        ClusterSnapshot copy = api.copySnapshot(newest.arn(), copyId, KMS_KEY, null,
                Map.of("dbrefresh:managed", "true", "dbrefresh:source-snapshot", newest.arn()));
        assertThat(copy.status()).isEqualTo("copying");
        ClusterSnapshot available = awaitPresent(() -> api.describeSnapshot(copyId)
                .filter(s -> "available".equals(s.status())));
        assertThat(available.kmsKeyId()).isEqualTo(KMS_KEY);
        assertThat(available.tags()).containsEntry("dbrefresh:source-snapshot", newest.arn());

        // Snapshot side, second run (redelivery or a new run for the same snapshot): the copy is found, not made again.
        assertThat(copyExists(copyId)).isTrue();
        assertThat(stub.calls("CopyDBClusterSnapshot")).hasSize(1);

        // Restore side: delete the target's instances, wait until they are gone.
        ClusterInfo target = api.describeCluster("acc-docdb").orElseThrow();
        assertThat(target.tags()).containsEntry("dbrefresh:refresh-target", "true");
        target.members().forEach(api::deleteInstance);
        for (String member : target.members()) {
            awaitGone(() -> api.describeInstance(member).map(InstanceInfo::status));
        }

        // Delete the cluster, wait until it is gone.
        assertThat(api.describeCluster("acc-docdb").orElseThrow().members()).isEmpty();
        api.deleteCluster("acc-docdb", null);
        awaitGone(() -> api.describeCluster("acc-docdb").map(ClusterInfo::status));

        // Restore from the copy (not the shared snapshot) and create the instances a restore does not create.
        api.restoreCluster(new RestoreRequest("acc-docdb", copyId, "docdb", null, "acc-subnets", List.of("sg-1"),
                KMS_KEY, null, 0, Map.of("dbrefresh:refresh-target", "true", "dbrefresh:snapshot", copyId)));
        awaitPresent(() -> api.describeCluster("acc-docdb").filter(c -> "available".equals(c.status())));
        for (int n = 1; n <= 2; n++) {
            api.createInstance("acc-docdb-" + n, "acc-docdb", "db.r6g.large", "docdb", Map.of("dbrefresh:managed", "true"));
        }
        for (int n = 1; n <= 2; n++) {
            String id = "acc-docdb-" + n;
            awaitPresent(() -> api.describeInstance(id).filter(i -> "available".equals(i.status())));
        }

        ClusterInfo restored = api.describeCluster("acc-docdb").orElseThrow();
        assertThat(restored.status()).isEqualTo("available");
        assertThat(restored.members()).containsExactly("acc-docdb-1", "acc-docdb-2");
        assertThat(restored.port()).isEqualTo(27017);
        assertThat(restored.tags()).containsEntry("dbrefresh:snapshot", copyId);
        assertThat(stub.lastCall("RestoreDBClusterFromSnapshot").param("SnapshotIdentifier")).isEqualTo(copyId);
        assertThat(stub.calls().stream().map(DocDbStub.Call::action)
                .filter(a -> !a.startsWith("Describe") && !a.equals("ListTagsForResource")).toList())
                .containsExactly("CopyDBClusterSnapshot", "DeleteDBInstance", "DeleteDBInstance", "DeleteDBCluster",
                        "RestoreDBClusterFromSnapshot", "CreateDBInstance", "CreateDBInstance");
    }

    /** The engine's copy-exists check: an own manual snapshot with the copy's identifier. */
    private boolean copyExists(String copyId) {
        return api.manualSnapshots(null).stream().anyMatch(s -> s.id().equals(copyId));
    }

    private static <T> T awaitPresent(Supplier<Optional<T>> describe) {
        for (int n = 0; n < MAX_POLLS; n++) {
            Optional<T> found = describe.get();
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new AssertionError("not there after " + MAX_POLLS + " describes");
    }

    private static void awaitGone(Supplier<Optional<String>> status) {
        for (int n = 0; n < MAX_POLLS; n++) {
            if (status.get().isEmpty()) {
                return;
            }
        }
        throw new AssertionError("still there after " + MAX_POLLS + " describes");
    }
}
