package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.AwsCallRecorder;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * {@link ClusterSnapshotEngine} with {@link RdsClusterApi} against moto's RDS (a {@code moto_server}
 * per class). moto has one account, so the "source" snapshots are that account's own manual snapshots
 * and the plans share from the source ({@code share-from-source: true}); the shared-snapshot listing
 * ({@code SnapshotType=shared}) always answers empty in moto. Error mapping is checked with a fake
 * {@link ClusterApi} that throws what AWS would.
 */
class ClusterSnapshotEngineTest {

    private static final String TARGET_ACCOUNT = "222222222222";

    private static MotoServer moto;
    private static final AwsCallRecorder CALLS = new AwsCallRecorder();
    private static RdsClient rds;
    private static String kmsKey;
    private static ClusterSnapshotEngine engine;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip("moto_server not on PATH: the RDS cluster snapshot tests are skipped");
        rds = moto.client(RdsClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(CALLS)));
        kmsKey = moto.client(KmsClient.builder()).createKey(r -> r.description("dbrefresh test")).keyMetadata().arn();
        engine = new ClusterSnapshotEngine(new ClusterApis(List.of(new RdsClusterApi(rds))));
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void start_shouldPickAndShareInTheSourceAccount_throughTheRoleThePlanNames() throws Exception {
        String role = "arn:aws:iam::111111111111:role/dbrefresh-share";
        AssumedRoleClients roles = new AssumedRoleClients("test", "test", moto.endpoint(), moto.endpoint(), moto.endpoint());
        // moto keeps each account's resources apart and puts an assumed role's calls in the role's account:
        // the production snapshot exists only in account 111111111111.
        RdsClient production = rdsAs(role);
        String source = "prod-role-" + UUID.randomUUID().toString().substring(0, 6);
        production.createDBCluster(r -> r.dbClusterIdentifier(source).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("secret-password"));
        production.createDBClusterSnapshot(r -> r.dbClusterIdentifier(source).dbClusterSnapshotIdentifier(source + "-one"));
        RefreshPlan plan = planWithSource("111111111111", source, ", share-role-arn: \"" + role + "\"");
        ClusterSnapshotEngine withRole = new ClusterSnapshotEngine(new ClusterApis(List.of(new RdsClusterApi(rds)), roles));
        ClusterSnapshotEngine withoutRole = new ClusterSnapshotEngine(new ClusterApis(List.of(new RdsClusterApi(rds))));

        SnapshotProgress ownCredentials = withoutRole.start(plan(source, null), request(plan, null, null, true),
                context(plan).ctx);
        RecordingContext rc = context(plan);
        withRole.start(plan, request(plan, null, null, false), rc.ctx);

        assertThat(ownCredentials).isInstanceOf(SnapshotProgress.Refused.class);
        assertThat(rc.details(AuditStatus.SKIPPED)).anyMatch(d -> d.contains(source + "-one"));
        var attributes = production.describeDBClusterSnapshotAttributes(r -> r.dbClusterSnapshotIdentifier(source + "-one"))
                .dbClusterSnapshotAttributesResult().dbClusterSnapshotAttributes();
        assertThat(attributes).filteredOn(a -> "restore".equals(a.attributeName()))
                .flatExtracting(a -> a.attributeValues()).containsExactly(TARGET_ACCOUNT);
    }

    private static RdsClient rdsAs(String role) {
        var sts = moto.client(software.amazon.awssdk.services.sts.StsClient.builder());
        var credentials = software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                .refreshRequest(r -> r.roleArn(role).roleSessionName("test")).build();
        return RdsClient.builder().endpointOverride(java.net.URI.create(moto.endpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).credentialsProvider(credentials)
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder()).build();
    }

    @Test
    void start_shouldShareAndCopyNewestSnapshot_withTargetKmsKeyAndTags() throws Exception {
        String source = sourceCluster("a", "old", "new");
        RefreshPlan plan = plan(source, null);
        RecordingContext rc = context(plan);

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, false), rc.ctx);

        String newest = source + "-new";
        assertThat(progress).isEqualTo(new SnapshotProgress.Ready("copy-" + newest, arn(newest), 0, null, true));
        assertThat(restoreAttribute(newest)).containsExactly(TARGET_ACCOUNT);
        assertThat(restoreAttribute(source + "-old")).isEmpty();
        DBClusterSnapshot copy = describe("copy-" + newest);
        assertThat(copy.kmsKeyId()).isEqualTo(kmsKey);
        assertThat(copy.snapshotType()).isEqualTo("manual");
        assertThat(tags(copy)).containsEntry("dbrefresh:managed", "true").containsEntry("dbrefresh:plan", plan.name())
                .containsEntry("dbrefresh:source-snapshot", arn(newest)).containsEntry("team", "data");
        assertThat(rc.audit).filteredOn(e -> e.status().equals(AuditStatus.SUCCEEDED.id())).extracting(AuditEntry::step)
                .containsExactly("share", "copy");
    }

    @Test
    void start_shouldSkipCopyAndShare_whenStartedAgain() throws Exception {
        String source = sourceCluster("b", "one");
        RefreshPlan plan = plan(source, null);
        engine.start(plan, request(plan, null, null, false), context(plan).ctx);
        RecordingContext again = context(plan);

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, false), again.ctx);

        assertThat(progress).isEqualTo(new SnapshotProgress.Ready("copy-" + source + "-one", arn(source + "-one"), 0,
                null, false));
        assertThat(again.details(AuditStatus.SKIPPED)).anyMatch(d -> d.startsWith("copy: copy copy-" + source
                + "-one exists"));
        assertThat(again.audit).noneMatch(e -> e.step().equals("copy") && e.status().equals(AuditStatus.STARTED.id()));
        // moto appends a duplicate account on every ModifyDBClusterSnapshotAttribute; one entry means no second call
        assertThat(restoreAttribute(source + "-one")).containsExactly(TARGET_ACCOUNT);
        assertThat(rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots())
                .filteredOn(s -> s.dbClusterSnapshotIdentifier().equals("copy-" + source + "-one")).hasSize(1);
    }

    @Test
    void start_shouldChangeNothingAndRecordPlannedCalls_whenDryRun() throws Exception {
        String source = sourceCluster("c", "one");
        RefreshPlan plan = plan(source, null);
        RecordingContext rc = context(plan);

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, true), rc.ctx);

        assertThat(progress).isEqualTo(new SnapshotProgress.Ready("copy-" + source + "-one", arn(source + "-one"), 0,
                null, false));
        assertThat(rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots())
                .noneMatch(s -> s.dbClusterSnapshotIdentifier().equals("copy-" + source + "-one"));
        assertThat(restoreAttribute(source + "-one")).isEmpty();
        assertThat(rc.details(AuditStatus.PLANNED)).hasSize(2)
                .anyMatch(d -> d.startsWith("share: ") && d.contains("ModifyDBClusterSnapshotAttribute")
                        && d.contains("ValuesToAdd=[" + TARGET_ACCOUNT + "]"))
                .anyMatch(d -> d.startsWith("copy: ") && d.contains("CopyDBClusterSnapshot")
                        && d.contains("TargetDBClusterSnapshotIdentifier=copy-" + source + "-one")
                        && d.contains("KmsKeyId=" + kmsKey) && d.contains("dbrefresh:managed=true"));
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditStatus.STARTED.id()));
    }

    @Test
    void start_shouldUseRequestedSnapshot_whenSnapshotIdGiven() throws Exception {
        String source = sourceCluster("d", "first", "second");
        RefreshPlan plan = plan(source, null);

        SnapshotProgress progress = engine.start(plan, request(plan, arn(source + "-first"), null, false),
                context(plan).ctx);

        assertThat(progress).isInstanceOf(SnapshotProgress.Ready.class);
        assertThat(((SnapshotProgress.Ready) progress).snapshotId()).isEqualTo("copy-" + source + "-first");
        assertThat(describe("copy-" + source + "-first").kmsKeyId()).isEqualTo(kmsKey);
    }

    @Test
    void start_shouldPickSnapshotOfDate_andRefuseOtherDates() throws Exception {
        String source = sourceCluster("e", "today");
        RefreshPlan plan = plan(source, null);
        LocalDate today = Instant.parse(describe(source + "-today").snapshotCreateTime().toString())
                .atZone(ZoneOffset.UTC).toLocalDate();

        SnapshotProgress other = engine.start(plan, request(plan, null, today.minusDays(1), false), context(plan).ctx);
        SnapshotProgress onDate = engine.start(plan, request(plan, null, today, false), context(plan).ctx);

        assertThat(other).isInstanceOf(SnapshotProgress.Refused.class);
        assertThat(((SnapshotProgress.Refused) other).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);
        assertThat(((SnapshotProgress.Ready) onDate).snapshotId()).isEqualTo("copy-" + source + "-today");
    }

    @Test
    void start_shouldRefuseWithSnapshotNotFound_whenSourceHasNoSnapshot() throws Exception {
        RefreshPlan plan = plan("no-such-cluster", null);
        RecordingContext rc = context(plan);

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, false), rc.ctx);

        assertThat(progress).isInstanceOf(SnapshotProgress.Refused.class);
        assertThat(((SnapshotProgress.Refused) progress).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);
        assertThat(rc.audit).noneMatch(e -> e.status().equals(AuditStatus.STARTED.id()));
    }

    @Test
    void poll_shouldBeReady_whenCopyIsAvailable() throws Exception {
        String source = sourceCluster("f", "one");
        RefreshPlan plan = plan(source, null);
        engine.start(plan, request(plan, null, null, false), context(plan).ctx);

        SnapshotProgress progress = engine.poll(plan, new SnapshotCopyPoll(plan.name(), "copy-" + source + "-one", 1,
                Instant.now().plusSeconds(600)), context(plan).ctx);

        assertThat(progress).isEqualTo(new SnapshotProgress.Ready("copy-" + source + "-one", arn(source + "-one"), 0,
                null, true));
    }

    /** A poll message is untrusted input: one naming another cluster's copy is rejected, "latest" untouched. */
    @Test
    void poll_shouldRejectThePoll_whenItNamesACopyOfAnotherCluster() throws Exception {
        String source = sourceCluster("p", "one");
        String other = sourceCluster("pother", "one");
        RefreshPlan plan = plan(source, null);
        RefreshPlan otherPlan = plan(other, null);
        engine.start(otherPlan, request(otherPlan, null, null, false), context(otherPlan).ctx);

        assertThatThrownBy(() -> engine.poll(plan, new SnapshotCopyPoll(plan.name(), "copy-" + other + "-one", 1,
                Instant.now().plusSeconds(600)), context(plan).ctx))
                .isInstanceOf(dev.dbrefresh.runtime.messaging.EventRejectedException.class)
                .hasMessageContaining(other).hasMessageContaining(source);
    }

    @Test
    void copyId_shouldFollowRdsIdentifierRules() {
        assertThat(ClusterSnapshotEngine.copyId("rds:prod-2024-05-01-03-10")).isEqualTo("copy-rds-prod-2024-05-01-03-10");
        assertThat(ClusterSnapshotEngine.copyId("Prod__Snap.1")).isEqualTo("copy-prod-snap-1");
        String longId = ClusterSnapshotEngine.copyId("a".repeat(57) + "-bbbb");
        assertThat(longId).hasSizeLessThanOrEqualTo(63).doesNotEndWith("-").matches("[a-z][a-z0-9-]*");
    }

    // ---------------------------------------------------------------- the snapshot belongs to the plan's source

    @Test
    void start_shouldRefuseAndShareOrCopyNothing_whenRequestedSnapshotIsOfAnotherCluster() throws Exception {
        String source = sourceCluster("g", "one");
        String other = sourceCluster("other", "one");
        RefreshPlan plan = plan(source, null);
        CALLS.clear();

        SnapshotProgress progress = engine.start(plan, request(plan, arn(other + "-one"), null, false), context(plan).ctx);

        assertThat(progress).isInstanceOf(SnapshotProgress.Refused.class);
        SnapshotProgress.Refused refused = (SnapshotProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(refused.message()).contains(other).contains("not of the plan's source cluster " + source);
        assertThat(CALLS.operations()).doesNotContain("ModifyDBClusterSnapshotAttribute", "CopyDBClusterSnapshot",
                "DeleteDBClusterSnapshot");
        assertThat(restoreAttribute(other + "-one")).isEmpty();
        assertThat(manualIds()).doesNotContain("copy-" + other + "-one");
    }

    @Test
    void start_shouldRefuse_whenPlansSourceSnapshotIsOfAnotherCluster() throws Exception {
        String source = sourceCluster("h", "one");
        String other = sourceCluster("other", "one");
        RefreshPlan plan = plan(source, other + "-one");
        CALLS.clear();

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, false), context(plan).ctx);

        assertThat(((SnapshotProgress.Refused) progress).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(CALLS.operations()).doesNotContain("ModifyDBClusterSnapshotAttribute", "CopyDBClusterSnapshot");
    }

    @Test
    void start_shouldRefuse_whenSnapshotIsOfSameNamedClusterInAnotherAccount() throws Exception {
        // The plan's source is cluster <name> in account 111111111111; moto's account 123456789012 has a
        // cluster of the same name whose snapshot the start message names. Same name, different ARN.
        String sameName = sourceCluster("i", "one");
        RefreshPlan plan = planWithSource("111111111111", sameName, "");
        CALLS.clear();

        SnapshotProgress progress = engine.start(plan, request(plan, arn(sameName + "-one"), null, false),
                context(plan).ctx);

        SnapshotProgress.Refused refused = (SnapshotProgress.Refused) progress;
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE);
        assertThat(refused.message()).contains("in account " + MotoServer.ACCOUNT).contains("in account 111111111111");
        assertThat(CALLS.operations()).doesNotContain("ModifyDBClusterSnapshotAttribute", "CopyDBClusterSnapshot");
        assertThat(manualIds()).doesNotContain("copy-" + sameName + "-one");
    }

    @Test
    void start_shouldNotReuseASnapshotNamedLikeTheCopy_whenItIsNotACopyOfTheChosenSnapshot() throws Exception {
        String source = sourceCluster("j", "one");
        // A snapshot called copy-<source>-one that is not a copy of <source>-one: taken of another cluster.
        String other = sourceCluster("other", new String[0]);
        String plainName = "copy-" + source + "-one";
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(other).dbClusterSnapshotIdentifier(plainName));
        RefreshPlan plan = plan(source, null);
        RecordingContext rc = context(plan);

        SnapshotProgress progress = engine.start(plan, request(plan, null, null, false), rc.ctx);
        SnapshotProgress again = engine.start(plan, request(plan, null, null, false), context(plan).ctx);

        String hashed = ClusterSnapshotEngine.copyIdOf(source + "-one", arn(source + "-one"));
        assertThat(hashed).isNotEqualTo(plainName).startsWith(plainName + "-").hasSizeLessThanOrEqualTo(63);
        assertThat(progress).isEqualTo(new SnapshotProgress.Ready(hashed, arn(source + "-one"), 0, null, true));
        assertThat(tags(describe(hashed))).containsEntry("dbrefresh:source-snapshot", arn(source + "-one"));
        assertThat(tags(describe(plainName))).doesNotContainKey("dbrefresh:source-snapshot");
        assertThat(rc.details(AuditStatus.SKIPPED)).anyMatch(d -> d.startsWith("copy-name: " + plainName
                + " exists but is not a copy of"));
        // a redelivery finds the hashed copy and does not copy again
        assertThat(again).isEqualTo(new SnapshotProgress.Ready(hashed, arn(source + "-one"), 0, null, false));
    }

    @Test
    void copyId_shouldStayUnique_whenLongIdsAreShortenedTo63Characters() {
        String common = "orders-production-cluster-snapshot-taken-before-the-migration-of";
        String a = ClusterSnapshotEngine.copyId(common + "-2025-03-01");
        String b = ClusterSnapshotEngine.copyId(common + "-2025-03-02");

        assertThat(a).isNotEqualTo(b);
        assertThat(List.of(a, b)).allSatisfy(id -> assertThat(id).hasSizeLessThanOrEqualTo(63)
                .matches("copy-[a-z0-9-]*[a-z0-9]").doesNotContain("--"));
        assertThat(ClusterSnapshotEngine.copyId(common + "-2025-03-01")).isEqualTo(a);
    }

    // ---------------------------------------------------------------- AWS errors (fake API)

    @Test
    void start_shouldRefuseWithKmsMessage_whenCopyFailsOnKmsKey() throws Exception {
        RefreshPlan plan = plan("prod", null);
        ClusterSnapshotEngine failing = new ClusterSnapshotEngine(new ClusterApis(List.of(failingCopy(
                "KMSKeyNotAccessibleFault", "The specified KMS key is not accessible", 400))));

        SnapshotProgress progress = failing.start(plan, request(plan, null, null, false), context(plan).ctx);

        assertThat(progress).isInstanceOf(SnapshotProgress.Refused.class);
        SnapshotProgress.Refused refused = (SnapshotProgress.Refused) progress;
        assertThat(refused.step()).isEqualTo(StepName.COPY);
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.KMS_KEY_NOT_ACCESSIBLE);
        assertThat(refused.message()).contains("must allow account " + TARGET_ACCOUNT).contains("aws/rds")
                .contains("key ARN");
    }

    @Test
    void start_shouldRefuse_whenSnapshotQuotaExceeded() throws Exception {
        RefreshPlan plan = plan("prod", null);
        ClusterSnapshotEngine failing = new ClusterSnapshotEngine(new ClusterApis(List.of(failingCopy(
                "SnapshotQuotaExceeded", "Cannot create more than 100 manual snapshots", 400))));

        SnapshotProgress progress = failing.start(plan, request(plan, null, null, false), context(plan).ctx);

        assertThat(((SnapshotProgress.Refused) progress).errorCode()).isEqualTo(ErrorCode.SNAPSHOT_QUOTA_EXCEEDED);
    }

    @Test
    void start_shouldRethrow_whenThrottled() {
        RefreshPlan plan = plan("prod", null);
        ClusterSnapshotEngine failing = new ClusterSnapshotEngine(new ClusterApis(List.of(failingCopy(
                "Throttling", "Rate exceeded", 400))));

        assertThatThrownBy(() -> failing.start(plan, request(plan, null, null, false), context(plan).ctx))
                .isInstanceOf(RdsException.class).hasMessageContaining("Rate exceeded");
    }

    // ---------------------------------------------------------------- helpers

    /** Creates an encrypted source cluster with manual snapshots {@code <cluster>-<name>}, oldest first. */
    private static String sourceCluster(String suffix, String... snapshots) throws InterruptedException {
        String cluster = "prod-" + suffix + "-" + UUID.randomUUID().toString().substring(0, 6);
        rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-postgresql")
                .masterUsername("postgres").masterUserPassword("secret-password").storageEncrypted(true).kmsKeyId(kmsKey));
        for (String s : snapshots) {
            rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier(cluster + "-" + s));
            // snapshot times must differ for "newest" to mean something
            Thread.sleep(1100);
        }
        return cluster;
    }

    /** A plan whose source is in moto's own account, where {@link #sourceCluster} creates the snapshots. */
    private static RefreshPlan plan(String sourceCluster, String snapshot) {
        return planWithSource(MotoServer.ACCOUNT, sourceCluster, snapshot == null ? "" : ", snapshot: " + snapshot);
    }

    private static RefreshPlan planWithSource(String sourceAccount, String sourceCluster, String moreSource) {
        String yaml = """
                plans:
                  aurora:
                    engine: aurora-postgresql
                    source: {account: "%s", region: us-east-1, cluster: %s, share-from-source: true%s}
                    target:
                      account: "%s"
                      region: us-east-1
                      cluster: acceptance
                      kms-key-id: %s
                      subnet-group: default
                      security-groups: [sg-12345]
                      instance-class: db.r6g.large
                      tags: {team: data}
                """.formatted(sourceAccount, sourceCluster, moreSource, TARGET_ACCOUNT, kmsKey);
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("aurora");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RefreshRequested request(RefreshPlan plan, String snapshotId, LocalDate date, boolean dryRun) {
        return new RefreshRequested(plan.name(), snapshotId, date, dryRun, "test");
    }

    private static RecordingContext context(RefreshPlan plan) {
        return new RecordingContext("run-" + UUID.randomUUID(), plan.name(), request(plan, null, null, false));
    }

    private static String arn(String snapshotId) {
        return "arn:aws:rds:" + MotoServer.REGION + ":" + MotoServer.ACCOUNT + ":cluster-snapshot:" + snapshotId;
    }

    private static DBClusterSnapshot describe(String id) {
        return rds.describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(id)).dbClusterSnapshots().get(0);
    }

    private static List<String> manualIds() {
        return rds.describeDBClusterSnapshots(r -> r.snapshotType("manual")).dbClusterSnapshots().stream()
                .map(DBClusterSnapshot::dbClusterSnapshotIdentifier).toList();
    }

    private static Map<String, String> tags(DBClusterSnapshot s) {
        return s.tagList().stream().collect(Collectors.toMap(Tag::key, Tag::value));
    }

    private static List<String> restoreAttribute(String snapshotId) {
        return rds.describeDBClusterSnapshotAttributes(r -> r.dbClusterSnapshotIdentifier(snapshotId))
                .dbClusterSnapshotAttributesResult().dbClusterSnapshotAttributes().stream()
                .filter(a -> a.attributeName().equals("restore")).flatMap(a -> a.attributeValues().stream()).toList();
    }

    /** A ClusterApi whose source has one available manual snapshot and whose copy fails with the given AWS error. */
    private static ClusterApi failingCopy(String code, String message, int status) {
        ClusterApi.ClusterSnapshot snap = new ClusterApi.ClusterSnapshot("prod-1", arn("prod-1"), "prod", "available",
                Instant.now().toString(), "aurora-postgresql", null, "manual", Map.of());
        return (ClusterApi) Proxy.newProxyInstance(ClusterApi.class.getClassLoader(), new Class<?>[] {ClusterApi.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "serves" -> true;
                    case "manualSnapshots", "sharedSnapshots" -> List.of(snap);
                    case "describeSnapshot" -> java.util.Optional.empty();
                    case "shareSnapshot" -> null;
                    case "copySnapshot" -> throw RdsException.builder().message(message).statusCode(status)
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message)
                                    .serviceName("Rds").build()).build();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
