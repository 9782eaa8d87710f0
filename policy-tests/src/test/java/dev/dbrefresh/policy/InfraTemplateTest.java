package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/**
 * {@value InfraTemplate#FILE} is what {@link InfraTemplate} generates from the routing table, the tables and
 * docs/aws.md's policies (a change of any of them without regenerating fails here, with the diff), and its IAM
 * policies are docs/aws.md's and exactly what the code calls ({@link PolicyCheck}, as in {@link LeastPrivilegeTest}).
 *
 * <p>Regenerate the file with {@code -Ddbrefresh.infra.write=true} (see the file's header).
 */
class InfraTemplateTest {

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    static String generated() throws IOException {
        return InfraTemplate.yaml(InfraTemplate.generate(LeastPrivilegeTest.docs(), service -> {
            try {
                return LeastPrivilegeTest.queue(service);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    static JsonNode committed() throws IOException {
        return InfraTemplate.read(Files.readString(ROOT.resolve(InfraTemplate.FILE)));
    }

    @Test
    void theCommittedTemplateIsTheGeneratedOne() throws IOException {
        String expected = generated();
        Path file = ROOT.resolve(InfraTemplate.FILE);
        if (Boolean.getBoolean("dbrefresh.infra.write")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, expected);
            System.out.println("wrote " + file);
        }
        assertTrue(Files.exists(file), InfraTemplate.FILE + " is missing; generate it: " + regenerate());
        String actual = Files.readString(file);
        String diff = Diff.lines(actual, expected);
        assertTrue(diff.isEmpty(), InfraTemplate.FILE + " differs from what shared-contracts' Routing and "
                + "Tables and docs/aws.md's IAM section generate (- committed, + generated):\n" + diff
                + "\nRegenerate it and commit the result: " + regenerate());
    }

    private static String regenerate() {
        return "mvn -B -ntp -o -pl policy-tests -am verify -Dtest=InfraTemplateTest "
                + "-Dsurefire.failIfNoSpecifiedTests=false -Ddbrefresh.infra.write=true";
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        Optional<Path> lint = Arrays.stream(System.getenv().getOrDefault("PATH", "")
                .split(File.pathSeparator)).map(d -> Path.of(d, "cfn-lint")).filter(Files::isExecutable).findFirst();
        Assumptions.assumeTrue(lint.isPresent(), "cfn-lint is not on the PATH; the template's "
                + "check against the CloudFormation resource specification is skipped");
        Process p = new ProcessBuilder(lint.get().toString(), ROOT.resolve(InfraTemplate.FILE).toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cfn-lint did not finish in 120 s");
        assertEquals("", out.trim(), "cfn-lint on " + InfraTemplate.FILE + " (exit " + p.exitValue() + ")");
        assertEquals(0, p.exitValue(), "cfn-lint's exit code");
    }

    @Test
    void theDiffNamesTheChangedLine() {
        String a = "a\nb\nc\nd\n";
        assertEquals("", Diff.lines(a, a));
        assertEquals("line 2:\n- b\n+ B\n", Diff.lines(a, "a\nB\nc\nd\n"));
        assertEquals("line 4:\n- d\n", Diff.lines(a, "a\nb\nc\n"));
    }

    @Test
    void eachServiceQueueHasItsDeadLetterQueueAndTheRoutingTablesFilterPolicy() throws IOException {
        JsonNode resources = committed().get("Resources");
        for (String queue : Routing.serviceQueues()) {
            String id = InfraTemplate.logicalId(queue);
            JsonNode q = props(resources, id + "Queue", "AWS::SQS::Queue");
            assertEquals(queue, q.path("QueueName").asText(), id + "Queue");
            assertEquals(Routing.VISIBILITY_TIMEOUT_SECONDS, q.path("VisibilityTimeout").asInt(),
                    queue + ": VisibilityTimeout is not Routing.VISIBILITY_TIMEOUT_SECONDS");
            assertEquals(Routing.MAX_RECEIVE_COUNT, q.path("RedrivePolicy").path("maxReceiveCount").asInt(),
                    queue + ": the redrive policy's maxReceiveCount is not Routing.MAX_RECEIVE_COUNT");
            String dlqId = q.path("RedrivePolicy").path("deadLetterTargetArn").path("Fn::GetAtt").path(0).asText();
            assertEquals(Routing.dlqName(queue), props(resources, dlqId, "AWS::SQS::Queue").path("QueueName").asText(),
                    queue + ": the redrive policy does not point at Routing.dlqName(queue)");
            JsonNode sub = props(resources, id + "Subscription", "AWS::SNS::Subscription");
            assertEquals(JSON.readTree(Routing.filterPolicy(queue)), sub.get("FilterPolicy"),
                    queue + ": the subscription's filter policy is not Routing.filterPolicy(queue)");
            assertEquals("MessageAttributes", sub.path("FilterPolicyScope").asText(), queue);
            assertTrue(sub.path("RawMessageDelivery").asBoolean(), queue + ": the subscription must deliver raw messages");
            assertEquals(id + "Queue", sub.path("Endpoint").path("Fn::GetAtt").path(0).asText(), queue);
            JsonNode policy = props(resources, id + "QueuePolicy", "AWS::SQS::QueuePolicy");
            assertEquals(id + "Queue", policy.path("Queues").path(0).path("Ref").asText(), queue);
        }
    }

    /** The AWS CLI route of docs/aws.md creates the same queues: its values and its create_service_queue lines. */
    @Test
    void docsAwsMdsCliStepsUseTheSameQueueSettingsAndRoutes() throws IOException {
        String docs = Files.readString(ROOT.resolve("docs/aws.md"));
        for (String expected : List.of("VisibilityTimeout: \"" + Routing.VISIBILITY_TIMEOUT_SECONDS + "\"",
                "maxReceiveCount: " + Routing.MAX_RECEIVE_COUNT, "MessageRetentionPeriod=" + Routing.DLQ_RETENTION_SECONDS,
                "aws sns create-topic --name " + Routing.TOPIC, "aws sqs create-queue --queue-name " + Routing.NOTIFICATIONS_QUEUE)) {
            assertTrue(docs.contains(expected), "docs/aws.md \"Creating the resources with the AWS CLI\" lacks `" + expected
                    + "`, which the template has (Routing)");
        }
        List<String> lines = docs.lines().filter(l -> l.startsWith("create_service_queue ")).toList();
        List<String> expected = Routing.serviceQueues().stream().map(q -> "create_service_queue " + q + " "
                + String.join(" ", Routing.typesFor(q).stream().map(EventType::typeName).toList()))
                .toList();
        assertEquals(expected.stream().map(l -> List.of(l.split(" "))).map(Set::copyOf).toList(),
                lines.stream().map(l -> List.of(l.trim().split(" +"))).map(Set::copyOf).toList(),
                "docs/aws.md's create_service_queue lines are not the routing table (in Routing.serviceQueues() order)");
    }

    @Test
    void theTablesAreThoseOfServiceRuntime() throws IOException {
        JsonNode resources = committed().get("Resources");
        for (CreateTableRequest def : Tables.definitions()) {
            JsonNode t = props(resources, InfraTemplate.logicalId(def.tableName()) + "Table", "AWS::DynamoDB::Table");
            assertEquals(def.tableName(), t.path("TableName").asText());
            List<String> keys = new ArrayList<>();
            t.path("KeySchema").forEach(k -> keys.add(k.path("AttributeName").asText() + ":" + k.path("KeyType").asText()));
            assertEquals(def.keySchema().stream().map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList(), keys,
                    def.tableName() + ": key schema");
            assertEquals(Tables.timeToLiveAttribute(def.tableName()).orElse(""),
                    t.path("TimeToLiveSpecification").path("AttributeName").asText(""), def.tableName() + ": TTL");
            assertEquals(Tables.pointInTimeRecovery(def.tableName()),
                    t.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean(false),
                    def.tableName() + ": point-in-time recovery");
        }
        assertEquals("expiry", Tables.timeToLiveAttribute(Tables.IDEMPOTENCY).orElseThrow());
        assertTrue(Tables.pointInTimeRecovery(Tables.AUDIT));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theRolesPoliciesAreThoseOfDocsAwsMd(String service) throws IOException {
        List<JsonNode> docs = LeastPrivilegeTest.docs().statements(service).stream().map(IamPolicyDocs.Statement::json)
                .toList();
        List<JsonNode> template = roleStatements(committed().get("Resources"), service).stream()
                .map(IamPolicyDocs.Statement::json).toList();
        assertEquals(docs.size(), template.size(), service + ": docs/aws.md has " + docs.size() + " statements, "
                + InfraTemplate.FILE + " " + template.size());
        for (int i = 0; i < docs.size(); i++) {
            assertEquals(docs.get(i), template.get(i), service + ": statement " + i + " of " + InfraTemplate.FILE
                    + " (placeholders put back) differs from docs/aws.md's");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theRolesPoliciesAreExactlyWhatTheCodeCalls(String service) throws IOException {
        CodeActions code = new CodeActions(LeastPrivilegeTest.graph(service), LeastPrivilegeTest.queue(service));
        List<String> failures = PolicyCheck.compare(service, code.needs(), roleStatements(committed().get("Resources"),
                service));
        assertTrue(failures.isEmpty(), failures.size() + " difference(s) between " + service + "'s code and its role "
                + "in " + InfraTemplate.FILE + ":\n  " + String.join("\n  ", failures));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theTrustPolicyIsDocsAwsMdsForTheServiceAccount(String service) throws IOException {
        JsonNode role = props(committed().get("Resources"), InfraTemplate.logicalId(service) + "Role", "AWS::IAM::Role");
        assertEquals("dbrefresh-" + service, role.path("RoleName").asText());
        JsonNode trust = JSON.readTree(InfraTemplate.toDocs(role.get("AssumeRolePolicyDocument")).asText());
        JsonNode expected = JSON.readTree(JSON.writeValueAsString(LeastPrivilegeTest.docs().statements("trust").get(0)
                .json()).replace(":SERVICE\"", ":" + service + "\""));
        assertEquals(List.of(expected), List.of(trust.path("Statement").get(0)), service + ": trust policy");
        assertTrue(trust.toString().contains("system:serviceaccount:dbrefresh:" + service),
                service + ": the trust policy does not name the service account " + service);
    }

    @Test
    void theOperatorPolicyIsDocsAwsMds() throws IOException {
        JsonNode p = props(committed().get("Resources"), "OperatorPolicy", "AWS::IAM::ManagedPolicy");
        List<JsonNode> template = new ArrayList<>();
        p.path("PolicyDocument").path("Statement").forEach(s -> template.add(InfraTemplate.toDocs(s)));
        assertEquals(LeastPrivilegeTest.docs().statements("operator").stream().map(IamPolicyDocs.Statement::json)
                .toList(), template, "the operator policy differs from docs/aws.md \"### CLI and operators\"");
    }

    /**
     * The statements the template gives a service's role: its inline policy and the {@code AWS::IAM::Policy}
     * resources attached to it, except the customer managed key's (which depends on the stack's parameter, not
     * on the code), with the docs' placeholders put back.
     */
    static List<IamPolicyDocs.Statement> roleStatements(JsonNode resources, String service) {
        String roleId = InfraTemplate.logicalId(service) + "Role";
        List<IamPolicyDocs.Statement> out = new ArrayList<>();
        JsonNode role = props(resources, roleId, "AWS::IAM::Role");
        role.path("Policies").forEach(p -> p.path("PolicyDocument").path("Statement").forEach(s -> out.add(
                IamPolicyDocs.Statement.of(service, InfraTemplate.FILE, roleId + " policy " + p.path("PolicyName").asText(),
                        0, InfraTemplate.toDocs(s)))));
        for (Map.Entry<String, JsonNode> r : iterable(resources)) {
            JsonNode pr = r.getValue().path("Properties");
            boolean attached = r.getValue().path("Type").asText().equals("AWS::IAM::Policy")
                    && pr.path("Roles").toString().contains("\"" + roleId + "\"");
            if (!attached) {
                continue;
            }
            if (r.getKey().endsWith("KmsKeyPolicy")) {
                assertEquals("HasKmsKeyArn", r.getValue().path("Condition").asText(), r.getKey());
                assertEquals(InfraTemplate.kmsDocument(), pr.path("PolicyDocument"), r.getKey());
                continue;
            }
            pr.path("PolicyDocument").path("Statement").forEach(s -> out.add(IamPolicyDocs.Statement.of(service,
                    InfraTemplate.FILE, r.getKey(), 0, InfraTemplate.toDocs(s))));
        }
        assertFalse(out.isEmpty(), roleId + " has no statements");
        return out;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        return object::fields;
    }

    private static JsonNode props(JsonNode resources, String id, String type) {
        JsonNode r = resources.get(id);
        if (r == null) {
            fail(InfraTemplate.FILE + " has no resource " + id);
        }
        assertEquals(type, r.path("Type").asText(), id + "'s type");
        return r.path("Properties");
    }

    /** A line diff (longest common subsequence), enough to show what changed in the template. */
    static final class Diff {

        private Diff() {
        }

        /**
         * @param a the old text
         * @param b the new text
         * @return the changed lines, grouped by the old text's line number; empty when equal
         */
        static String lines(String a, String b) {
            String[] x = a.split("\n", -1);
            String[] y = b.split("\n", -1);
            int[][] lcs = new int[x.length + 1][y.length + 1];
            for (int i = x.length - 1; i >= 0; i--) {
                for (int j = y.length - 1; j >= 0; j--) {
                    lcs[i][j] = x[i].equals(y[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
                }
            }
            StringBuilder out = new StringBuilder();
            int i = 0;
            int j = 0;
            int shown = 0;
            while ((i < x.length || j < y.length) && shown < 60) {
                if (i < x.length && j < y.length && x[i].equals(y[j])) {
                    i++;
                    j++;
                    continue;
                }
                out.append("line ").append(i + 1).append(":\n");
                while ((i < x.length || j < y.length) && !(i < x.length && j < y.length && x[i].equals(y[j]))) {
                    if (j >= y.length || (i < x.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
                        out.append("- ").append(x[i++]).append('\n');
                    } else {
                        out.append("+ ").append(y[j++]).append('\n');
                    }
                    shown++;
                }
            }
            return out.toString();
        }
    }
}
