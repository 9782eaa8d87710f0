package dev.dbrefresh.engine.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.params.SsmParameterStore;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshGuard;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * {@link DynamoDbRestoreEngine} against moto's DynamoDB and SSM: restore into the renamed table,
 * re-applied TTL and tags, the ARN parameter, pruning of older managed tables only, and a redelivered start.
 */
class DynamoDbRestoreEngineTest {

    private static MotoServer moto;
    private static DynamoDbClient dynamo;
    private static SsmParameterStore parameters;
    private static DynamoDbRestoreEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the DynamoDB restore tests are skipped");
        dynamo = moto.client(DynamoDbClient.builder());
        parameters = new SsmParameterStore(moto.client(SsmClient.builder()));
        engine = new DynamoDbRestoreEngine(dynamo, parameters);
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    private static RefreshPlan plan(String name, String sourceTable, int keep) throws Exception {
        String yaml = """
                plans:
                  %s:
                    engine: dynamodb
                    source: {account: "%s", region: %s, table: %s}
                    target:
                      ttl-attribute: expiresAt
                      stream-view-type: NEW_AND_OLD_IMAGES
                      point-in-time-recovery: true
                      tags: {team: orders}
                      keep-tables: %d
                      table-arn-parameter: /dbrefresh/%s/table-arn
                """.formatted(name, MotoServer.ACCOUNT, MotoServer.REGION, sourceTable, keep, name);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require(name);
    }

    private static void createTable(String table) {
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
    }

    private static Map<String, String> tags(String table) {
        String arn = dynamo.describeTable(r -> r.tableName(table)).table().tableArn();
        return dynamo.listTagsOfResource(r -> r.resourceArn(arn)).tags().stream()
                .collect(Collectors.toMap(t -> t.key(), t -> t.value(), (a, b) -> b)); // moto repeats re-applied tags
    }

    private static boolean exists(String table) {
        return dynamo.listTables().tableNames().contains(table);
    }

    @Test
    void planAndGuard_shouldRenameTarget_andRefuseWhenNameUnchanged() throws Exception {
        RefreshPlan plan = plan("orders", "orders-production", 3);
        assertThat(plan.dynamodb().targetTable()).isEqualTo("orders-acceptance");
        assertThat(plan.targetId()).isEqualTo("dynamodb://" + MotoServer.ACCOUNT + "/" + MotoServer.REGION + "/orders-acceptance");
        assertThat(RefreshGuard.check(plan)).isEmpty();
        RefreshPlan same = plan("other", "orders-staging", 3);
        assertThat(RefreshGuard.check(same)).get().extracting(RefreshGuard.GuardViolation::errorCode)
                .isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE);
    }

    @Test
    void start_shouldRefuseAndRestoreNothing_whenTheBackupIsOfAnotherTable() throws Exception {
        String source = "shop-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        String other = "other-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        String planName = "p" + UUID.randomUUID().toString().substring(0, 8);
        RefreshPlan plan = plan(planName, source, 1);
        createTable(source);
        createTable(other);
        String foreign = dynamo.createBackup(r -> r.tableName(other).backupName("theirs")).backupDetails().backupArn();
        RecordingContext rc = new RecordingContext("run-" + UUID.randomUUID(), planName, new SnapshotReady(planName,
                "dynamodb", foreign, foreign, 0, null, false, false));

        RestoreProgress progress = engine.start(plan, foreign, false, rc.ctx);

        RestoreProgress.Refused refused = (RestoreProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(refused.message()).contains(":table/" + other).contains(":table/" + source);
        assertThat(dynamo.listTables().tableNames()).noneMatch(t -> t.startsWith(plan.dynamodb().targetTable() + "-"));
        assertThat(rc.audit).noneMatch(e -> e.step().equals("restore"));
    }

    @Test
    void restore_shouldCreateRenamedTable_reapplySettings_setParameter_andKeepThePreviousTables() throws Exception {
        String source = "shop-" + UUID.randomUUID().toString().substring(0, 8) + "-production";
        String planName = "p" + UUID.randomUUID().toString().substring(0, 8);
        RefreshPlan plan = plan(planName, source, 1);
        String prefix = plan.dynamodb().targetTable();
        createTable(source);
        dynamo.putItem(r -> r.tableName(source).item(Map.of("id", AttributeValue.fromS("a"))));
        String backup = dynamo.createBackup(r -> r.tableName(source).backupName("b1")).backupDetails().backupArn();
        assertThat(engine.snapshotExists(plan, backup)).isTrue();
        assertThat(engine.snapshotExists(plan, backup + "-missing")).isFalse();

        // an older table of this plan (kept until notifier-service prunes it after the verification) and an
        // untagged one (never touched)
        String older = prefix + "-20200101-00-00-00";
        String untagged = prefix + "-20190101-00-00-00";
        createTable(untagged);
        createTable(older);
        String olderArn = dynamo.describeTable(r -> r.tableName(older)).table().tableArn();
        dynamo.tagResource(r -> r.resourceArn(olderArn).tags(
                t -> t.key(Tags.MANAGED).value("true"),
                t -> t.key(Tags.PLAN).value(planName)));

        String runId = "run-" + UUID.randomUUID();
        RecordingContext rc = new RecordingContext(runId, planName, new SnapshotReady(planName, "dynamodb", backup, backup, 0,
                null, false, false));
        RestoreProgress started = engine.start(plan, backup, false, rc.ctx);
        assertThat(started).isInstanceOf(RestoreProgress.Waiting.class);
        String table = DynamoDbRestoreEngine.tableName(plan, rc.ctx.envelope().time());
        assertThat(table).startsWith(prefix + "-").matches(".*-\\d{8}-\\d{2}-\\d{2}-\\d{2}");
        assertThat(exists(table)).isTrue();

        // a redelivered start restores nothing again
        RestoreProgress again = engine.start(plan, backup, false, rc.ctx);
        assertThat(again).isInstanceOf(RestoreProgress.Waiting.class);
        assertThat(rc.details(AuditStatus.SKIPPED)).anyMatch(d -> d.contains("already restored"));

        RestoreProgress polled = engine.poll(plan, new ClusterRestorePoll(planName, backup, "restoring", 1,
                Instant.now().plusSeconds(600)), rc.ctx);
        assertThat(polled).isInstanceOf(RestoreProgress.Restored.class);
        RestoreProgress.Restored restored = (RestoreProgress.Restored) polled;
        String arn = dynamo.describeTable(r -> r.tableName(table)).table().tableArn();
        assertThat(restored.endpoint()).isEqualTo(arn);
        assertThat(restored.database()).isEqualTo(table);
        assertThat(restored.port()).isEqualTo(443);

        assertThat(dynamo.describeTimeToLive(r -> r.tableName(table)).timeToLiveDescription().attributeName())
                .isEqualTo("expiresAt");
        assertThat(tags(table)).containsEntry("team", "orders").containsEntry("dbrefresh:managed", "true")
                .containsEntry("dbrefresh:plan", planName).containsEntry("dbrefresh:run", runId);
        assertThat(parameters.get("/dbrefresh/" + planName + "/table-arn")).contains(arn);
        assertThat(exists(older)).as("the previous table survives until the new one is verified").isTrue();
        assertThat(rc.audit).noneMatch(e -> e.step().equals("prune"));
        assertThat(exists(untagged)).as("untagged table kept").isTrue();
        assertThat(exists(source)).isTrue();
    }
}
