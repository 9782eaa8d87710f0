package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.docdb.DocDbClient;

/**
 * {@link ClusterSnapshotEngine} for engine {@code docdb}, through {@link DocDbClusterApi}, against the DocumentDB
 * stub ({@link DocDbStub}; no emulator supports DocumentDB): the newest snapshot shared from production is
 * copied into this account with the plan's KMS key and dbrefresh's tags, awaited, and not copied again.
 */
class DocDbClusterSnapshotEngineTest {

    private static final String SOURCE_ACCOUNT = "999988887777";
    private static final String KMS_KEY = "arn:aws:kms:us-east-1:" + DocDbStub.ACCOUNT + ":key/acc-key";

    private DocDbStub stub;
    private DocDbClient client;
    private ClusterSnapshotEngine engine;
    private String newestArn;

    @BeforeEach
    void start() {
        stub = DocDbStub.start().describesPerTransition(2);
        client = stub.client();
        engine = new ClusterSnapshotEngine(new ClusterApis(List.of(new DocDbClusterApi(client))));
        stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-docdb-2025-03-01", "prod-docdb", Instant.parse("2025-03-01T02:00:00Z"));
        newestArn = stub.addSharedSnapshot(SOURCE_ACCOUNT, "prod-docdb-2025-03-02", "prod-docdb",
                Instant.parse("2025-03-02T02:00:00Z"));
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void startAndPoll_shouldCopyTheNewestSharedSnapshotOnce_withKmsKeyAndTags() throws Exception {
        RefreshPlan plan = plan();
        String copyId = "copy-prod-docdb-2025-03-02";

        SnapshotProgress started = engine.start(plan, request(plan), context(plan).ctx);

        assertThat(started).isInstanceOf(SnapshotProgress.Waiting.class);
        assertThat(((SnapshotProgress.Waiting) started).snapshotId()).isEqualTo(copyId);
        DocDbStub.Call copy = stub.lastCall("CopyDBClusterSnapshot");
        assertThat(copy.params())
                .containsEntry("SourceDBClusterSnapshotIdentifier", newestArn)
                .containsEntry("TargetDBClusterSnapshotIdentifier", copyId)
                .containsEntry("KmsKeyId", KMS_KEY)
                .doesNotContainKeys("SourceRegion", "PreSignedUrl");
        assertThat(stub.snapshotTags(copyId)).get().satisfies(tags -> assertThat(tags)
                .containsEntry(Tags.MANAGED, "true")
                .containsEntry(Tags.PLAN, plan.name())
                .containsEntry(Tags.SOURCE_SNAPSHOT, newestArn)
                .containsEntry("team", "data"));

        SnapshotProgress polled = started;
        for (int attempt = 1; attempt <= 10 && polled instanceof SnapshotProgress.Waiting; attempt++) {
            polled = engine.poll(plan, new SnapshotCopyPoll(plan.name(), copyId, attempt, Instant.now().plusSeconds(600)),
                    context(plan).ctx);
        }
        assertThat(polled).isEqualTo(new SnapshotProgress.Ready(copyId, newestArn, 0, null, true));

        RecordingContext again = context(plan);
        SnapshotProgress second = engine.start(plan, request(plan), again.ctx);

        assertThat(second).isEqualTo(new SnapshotProgress.Ready(copyId, newestArn, 0, null, false));
        assertThat(again.details(AuditStatus.SKIPPED)).anyMatch(d -> d.startsWith("copy: copy " + copyId + " exists"));
        assertThat(stub.calls("CopyDBClusterSnapshot")).hasSize(1);
        assertThat(stub.calls("ModifyDBClusterSnapshotAttribute")).isEmpty();
    }

    private static RefreshPlan plan() {
        String yaml = """
                plans:
                  docs:
                    engine: docdb
                    source: {account: "%s", region: us-east-1, cluster: prod-docdb}
                    target:
                      account: "%s"
                      region: us-east-1
                      cluster: acc-docdb
                      kms-key-id: %s
                      subnet-group: acc-subnets
                      security-groups: [sg-12345]
                      instance-class: db.r6g.large
                      tags: {team: data}
                """.formatted(SOURCE_ACCOUNT, DocDbStub.ACCOUNT, KMS_KEY);
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("docs");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RefreshRequested request(RefreshPlan plan) {
        return new RefreshRequested(plan.name(), null, null, false, "test");
    }

    private static RecordingContext context(RefreshPlan plan) {
        return new RecordingContext("run-" + UUID.randomUUID(), plan.name(), request(plan));
    }
}
