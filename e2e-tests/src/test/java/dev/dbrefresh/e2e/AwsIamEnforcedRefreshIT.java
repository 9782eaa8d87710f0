package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The four service jars in {@code aws} mode against moto with IAM enforced, each signing with an access key of
 * its own that carries the policies CloudFormation gave its role: {@code infra/cloudformation/dbrefresh.yaml} is
 * deployed with {@code CreateStack} ({@code ClusterPlans=true}, {@code DynamoDbPlans=true}), the roles' inline
 * policies are read back from moto's IAM, and one IAM user per service gets them. Then moto's enforcement is
 * switched on ({@link MotoCloudFormation#enforceIam}) and an Aurora PostgreSQL and a DynamoDB refresh run to
 * completion in the same stack; any AccessDenied (service logs, audit log, moto's 403 answers) fails. (A
 * {@code postgres} plan in {@code aws} mode calls a subset of what the Aurora run calls, SQS, SNS, SSM and DynamoDB:
 * its refresh is proved, without IAM, by {@link AwsModeRefreshBehaviour}.)
 *
 * <p>What moto 5.2 checks, and so how a role's policy is carried over ({@link MotoIam#asMotoChecksIt}): moto matches the
 * action of every request against the caller's policies, but it knows the resource of a request only for SQS
 * (the queue's ARN, from {@code QueueUrl}; {@code GetQueueUrl} has none) and evaluates no condition keys (a
 * {@code Condition} never holds there). So each statement keeps its actions; SQS statements keep their queue
 * ARNs (with {@code sqs:GetQueueUrl} granted on {@code *}), the others get {@code Resource: *} and no
 * {@code Condition}. The actions are therefore proved here, the SQS resources too; the other resources are
 * checked by policy-tests' {@code LeastPrivilegeTest} where the code fixes them, not here. The trust policies
 * (IRSA) cannot be exercised without EKS. Skips where moto_server is absent.
 */
class AwsIamEnforcedRefreshIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String PREFIX = "dbr_iam_" + SUFFIX + "_";
    private static final String AURORA_DATA = PREFIX + "aurora";
    private static final String AURORA_TARGET = "iam-acc-" + SUFFIX;
    private static final String READER = "dbr_iam_" + SUFFIX + "_reader";
    private static final String TABLE = "orders" + SUFFIX + "-production";

    @TempDir
    static Path home;

    private static MotoStack moto;
    private static ServiceProcesses services;
    private static final Map<String, AccessKey> KEYS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the IAM-enforced end-to-end test needs it");
        new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null))
                .ensurePgbenchSource(AURORA_DATA, 1);
        moto = MotoStack.startEmpty(home.resolve("moto.log"));
        KeyMetadata key = moto.client(KmsClient.builder()).createKey(r -> r.description("acceptance")).keyMetadata();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("OidcProvider", "oidc.eks.us-east-1.amazonaws.com/id/E2EIAM");
        parameters.put("ClusterPlans", "true");
        parameters.put("DynamoDbPlans", "true");
        parameters.put("SourceAccountId", "123456789012");
        parameters.put("TargetKeyId", key.keyId());
        parameters.put("SourceKeyArn", key.arn());
        parameters.put("Target", AURORA_TARGET);
        parameters.put("Source", TABLE);
        moto.deployTemplate(ROOT.resolve("infra/cloudformation/dbrefresh.yaml"), parameters);
        MotoWorld.Aurora aurora = MotoWorld.aurora(moto, SUFFIX, key.arn(), "dbrefresh/" + AURORA_TARGET + "/target");
        MotoWorld.auroraTarget(moto, AURORA_TARGET, true);
        MotoWorld.ordersTable(moto, TABLE, 3);
        Path plans = writePlans(aurora);

        IamClient iam = moto.client(IamClient.builder());
        AccessKey admin = MotoIam.admin(iam);
        Map<String, List<String>> credentials = new LinkedHashMap<>();
        for (String service : ServiceProcesses.SERVICES) {
            String role = "dbrefresh-" + service;
            Map<String, String> policies = new LinkedHashMap<>();
            for (String name : iam.listRolePolicies(r -> r.roleName(role)).policyNames()) {
                policies.put(name, JSON.writeValueAsString(MotoIam.asMotoChecksIt(rolePolicy(iam, role, name))));
            }
            assertThat(policies).as(role + "'s policies").containsKeys("dbrefresh", "dbrefresh-cluster-plans",
                    "dbrefresh-dynamodb-plans");
            AccessKey k = MotoIam.user(iam, role + "-e2e", policies);
            KEYS.put(service, k);
            credentials.put(service, List.of("aws.access-key-id=" + k.accessKeyId(),
                    "aws.secret-access-key=" + k.secretAccessKey()));
        }
        MotoCloudFormation.enforceIam(moto.endpoint());
        moto.useCredentials(admin.accessKeyId(), admin.secretAccessKey());
        services = ServiceProcesses.start(ROOT, home, plans, moto.serviceEnv(), moto.serviceProperties(), credentials,
                Duration.ofSeconds(120));
    }

    private static Path writePlans(MotoWorld.Aurora aurora) throws IOException {
        Path password = home.resolve("reader.password");
        Files.writeString(password, "reader-" + SUFFIX);
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  iam-orders:
                    engine: dynamodb
                    source: {account: "123456789012", region: us-east-1, table: %s}
                    target:
                      tags: {team: orders}
                      keep-tables: 1
                      table-arn-parameter: /dbrefresh/iam-orders/table-arn
                    triggers: {aws-backup: {source-pattern: "%s$"}}
                """.formatted(TABLE, TABLE)
                + MotoWorld.auroraPlan("iam-aurora", AURORA_TARGET, aurora, AURORA_DATA, READER, password));
        return plans;
    }

    /** A role's inline policy as moto's IAM keeps it (for a CloudFormation role: Python's repr of the document). */
    private static JsonNode rolePolicy(IamClient iam, String role, String policy) throws IOException {
        String text = URLDecoder.decode(iam.getRolePolicy(r -> r.roleName(role).policyName(policy)).policyDocument(),
                StandardCharsets.UTF_8);
        return JSON.readTree(text.startsWith("{'") ? text.replace('\'', '"') : text);
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) {
            services.close();
        }
        if (moto != null) {
            moto.close();
        }
        SharedServer.dropDatabasesStartingWith(PREFIX);
        try (Connection c = SharedServer.connect("postgres")) {
            c.createStatement().execute("DROP ROLE IF EXISTS " + READER);
        }
    }

    @Test
    void eachServiceWithItsRolesPolicy_shouldCompleteAnAuroraAndADynamoDbRefresh_withoutAnAccessDenied()
            throws Exception {
        AwsRun aurora = completed(AwsRun.start(moto, "iam-aurora"));
        AwsRun dynamo = completed(MotoWorld.backupCompleted(moto, TABLE, "iam-orders"));

        SsmClient ssm = moto.ssm();
        assertThat(ssm.getParameter(r -> r.name("/dbrefresh/iam-aurora/snapshot/current")).parameter().value())
                .isEqualTo(aurora.notification().path("snapshotId").asText());
        assertThat(ssm.getParameter(r -> r.name("/dbrefresh/iam-orders/table-arn")).parameter().value())
                .isEqualTo(dynamo.notification().path("endpoint").asText());

        assertThat(accessDenials()).as("AccessDenied in the service logs (%s)", services.logDir()).isEmpty();
        assertThat(moto.dynamo().scan(r -> r.tableName("dbrefresh-audit")).items()).as("audit items")
                .noneMatch(item -> item.toString().contains("AccessDenied"));
        assertThat(moto.answeredRequests()).as("moto's 200 answers").isPositive();
        assertThat(moto.refusedRequests()).as("moto's 403 answers").isZero();

        // and the enforcement is real: an action outside users-service's policy is refused
        AccessKey users = KEYS.get("users-service");
        moto.useCredentials(users.accessKeyId(), users.secretAccessKey());
        SsmClient asUsersService = moto.ssm();
        String latest = "/dbrefresh/iam-aurora/snapshot/latest";
        assertThatThrownBy(() -> asUsersService.putParameter(r -> r.name(latest).value("x").overwrite(true)
                .type("String"))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(403));
        assertThat(ssm.getParameter(r -> r.name(latest)).parameter().value()).as("not overwritten")
                .isEqualTo(aurora.notification().path("snapshotId").asText());
    }

    /** Follows a run to its end and checks that it succeeded, through all four services. */
    private static AwsRun completed(String runId) throws Exception {
        AwsRun run = AwsRun.follow(moto, runId, Duration.ofMinutes(3), services);
        assertThat(run.result()).as("%s; AccessDenied in the logs: %s", run.notification(), accessDenials())
                .isEqualTo("succeeded");
        assertThat(run.entries()).extracting(AuditEntry::service).contains("snapshot-service", "cluster-service",
                "users-service", "notifier-service");
        return run;
    }

    /** @return the lines of the service logs that mention AccessDenied or an answer 403 (moto does not always name the error code), prefixed with the log's name */
    private static List<String> accessDenials() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> logs = Files.list(services.logDir())) {
            for (Path log : logs.sorted().toList()) {
                Files.readAllLines(log).stream().filter(l -> l.contains("AccessDenied") || l.contains("Status Code: 403"))
                        .forEach(l -> lines.add(log.getFileName() + ": " + l));
            }
        }
        return lines;
    }
}
