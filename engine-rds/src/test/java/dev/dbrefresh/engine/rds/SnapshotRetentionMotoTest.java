package dev.dbrefresh.engine.rds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SnapshotRetention} through {@link RdsClusterApi} against moto's RDS ({@code moto_server}, started
 * for this class; skipped where it is not installed): tagged copies of the plan, copies of another plan,
 * untagged manual snapshots; only the plan's old tagged copies may go.
 */
class SnapshotRetentionMotoTest {

    private static MotoServer moto;
    private static RdsClient rds;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.startOrSkip();
        rds = moto.client(RdsClient.builder());
        rds.createDBCluster(r -> r.dbClusterIdentifier("prod-cluster").engine("aurora-postgresql")
                .masterUsername("postgres").masterUserPassword("not-a-real-one-123"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (rds != null) {
            rds.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void prune_shouldDeleteOnlyTheOldTaggedCopiesOfThePlan_whenMoreThanKeepCopiesExist() throws Exception {
        snapshot("copy-1", Map.of("dbrefresh:managed", "true", "dbrefresh:plan", "acc"));
        snapshot("manual-by-hand", Map.of());
        snapshot("copy-2", Map.of("dbrefresh:managed", "true", "dbrefresh:plan", "acc"));
        snapshot("other-plan-copy", Map.of("dbrefresh:managed", "true", "dbrefresh:plan", "other"));
        snapshot("plan-tag-only", Map.of("dbrefresh:plan", "acc"));
        snapshot("copy-3", Map.of("dbrefresh:managed", "true", "dbrefresh:plan", "acc"));
        snapshot("copy-4", Map.of("dbrefresh:managed", "true", "dbrefresh:plan", "acc"));
        SnapshotRetention retention = new SnapshotRetention(new ClusterApis(List.of(new RdsClusterApi(rds))));

        SnapshotRetention.Result result = retention.prune(plan(2), "copy-4");

        assertThat(result.kept()).containsExactly("copy-4", "copy-3");
        assertThat(result.deleted()).containsExactly("copy-2", "copy-1");
        assertThat(remaining()).containsExactlyInAnyOrder("manual-by-hand", "other-plan-copy", "plan-tag-only",
                "copy-3", "copy-4");

        SnapshotRetention.Result again = retention.prune(plan(2), "copy-4");
        assertThat(again.deleted()).isEmpty();
    }

    private static void snapshot(String id, Map<String, String> tags) throws InterruptedException {
        List<Tag> tagList = new ArrayList<>();
        tags.forEach((k, v) -> tagList.add(Tag.builder().key(k).value(v).build()));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier("prod-cluster").dbClusterSnapshotIdentifier(id)
                .tags(tagList));
        Thread.sleep(20); // distinct creation times, newest last
    }

    private static List<String> remaining() {
        return rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots().stream()
                .map(DBClusterSnapshot::dbClusterSnapshotIdentifier).toList();
    }

    private static RefreshPlan plan(int keep) throws Exception {
        String yaml = """
                plans:
                  acc:
                    engine: aurora-postgresql
                    source: {account: '111111111111', region: us-east-1, cluster: prod-cluster}
                    target: {account: '111111111111', region: us-east-1, cluster: acc-cluster, subnet-group: sg,
                             instance-class: db.r6g.large, master-password-secret: env:X, database: app}
                    retention: {keep-copies: %d}
                """.formatted(keep);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("acc");
    }
}
