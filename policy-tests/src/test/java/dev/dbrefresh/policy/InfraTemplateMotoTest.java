package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import dev.dbrefresh.runtime.testing.MotoServer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Deploys {@value InfraTemplate#FILE} into moto through CloudFormation {@code CreateStack} (the Query API, as
 * {@code aws cloudformation create-stack} sends it; the SDK's CloudFormation module is not in this build's
 * repository) and reads back what it made.
 *
 * <p>moto 5.2's CloudFormation has no {@code AWS::SNS::Subscription} and no {@code AWS::SQS::QueuePolicy} (it
 * skips them with a warning): the subscriptions are made through the SNS API from the template's resources, and
 * an event of every type is published to check that each arrives in exactly the queues {@link Routing} names. The
 * queue policies are not applied (moto does not evaluate them for SNS deliveries, so nothing could be checked).
 * Its {@code AWS::DynamoDB::Table} ignores {@code TimeToLiveSpecification} and
 * {@code PointInTimeRecoverySpecification}: those two are checked in the template only ({@link InfraTemplateTest}).
 */
class InfraTemplateMotoTest {

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OIDC = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    private static MotoServer moto;
    private static JsonNode template;
    private static Map<String, String> physicalIds;

    @BeforeAll
    static void deploy() throws Exception {
        moto = MotoServer.startOrSkip("moto_server is not on the PATH; the CloudFormation deployment of "
                + InfraTemplate.FILE + " is not tried");
        template = InfraTemplate.read(Files.readString(ROOT.resolve(InfraTemplate.FILE)));
        physicalIds = createStack(moto, Map.of("OidcProvider", OIDC));
    }

    /**
     * CreateStack of {@value InfraTemplate#FILE} in moto, waited for.
     *
     * @param moto       the server
     * @param parameters the stack's parameters
     * @return the physical id of each resource moto created, by logical id
     * @throws Exception when the stack does not reach CREATE_COMPLETE
     */
    static Map<String, String> createStack(MotoServer moto, Map<String, String> parameters) throws Exception {
        return MotoCloudFormation.createStack(moto.endpoint(), MotoServer.REGION, "dbrefresh",
                Files.readString(ROOT.resolve(InfraTemplate.FILE)), parameters);
    }

    /**
     * @param iam    a client
     * @param role   a role name
     * @param policy one of its inline policies
     * @return the policy's document
     */
    static JsonNode rolePolicy(IamClient iam, String role, String policy) throws Exception {
        String text = URLDecoder.decode(iam.getRolePolicy(r -> r.roleName(role).policyName(policy)).policyDocument(),
                StandardCharsets.UTF_8);
        // moto 5.2 keeps a CloudFormation role's inline policy as a dict and returns Python's repr of it
        // ({'Version': ...}); the documents hold no quote characters of their own
        return JSON.readTree(text.startsWith("{'") ? text.replace('\'', '"') : text);
    }

    @AfterAll
    static void stop() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void theQueuesHaveTheirDeadLetterQueuesAndVisibilityTimeouts() throws Exception {
        SqsClient sqs = moto.client(SqsClient.builder());
        for (String queue : Routing.serviceQueues()) {
            String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
            Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            assertEquals(Integer.toString(Routing.VISIBILITY_TIMEOUT_SECONDS), a.get(QueueAttributeName.VISIBILITY_TIMEOUT),
                    queue + ": VisibilityTimeout");
            JsonNode redrive = JSON.readTree(a.getOrDefault(QueueAttributeName.REDRIVE_POLICY, "{}"));
            assertEquals(Routing.MAX_RECEIVE_COUNT, redrive.path("maxReceiveCount").asInt(), queue + ": " + redrive);
            assertEquals("arn:aws:sqs:" + MotoServer.REGION + ":" + MotoServer.ACCOUNT + ":" + Routing.dlqName(queue),
                    redrive.path("deadLetterTargetArn").asText(), queue + ": the redrive policy's DLQ");
            assertEquals("true", a.get(QueueAttributeName.SQS_MANAGED_SSE_ENABLED), queue + ": SSE-SQS");
            String dlqUrl = sqs.getQueueUrl(r -> r.queueName(Routing.dlqName(queue))).queueUrl();
            assertEquals(Integer.toString(Routing.DLQ_RETENTION_SECONDS), sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.MESSAGE_RETENTION_PERIOD)).attributes()
                    .get(QueueAttributeName.MESSAGE_RETENTION_PERIOD), Routing.dlqName(queue) + ": retention");
        }
        sqs.getQueueUrl(r -> r.queueName(Routing.NOTIFICATIONS_QUEUE));
    }

    @Test
    void theTablesHaveServiceRuntimesKeySchemas() {
        DynamoDbClient dynamo = moto.client(DynamoDbClient.builder());
        for (var def : Tables.definitions()) {
            TableDescription t = dynamo.describeTable(r -> r.tableName(def.tableName())).table();
            assertEquals(def.keySchema(), t.keySchema(), def.tableName() + ": key schema");
            assertEquals(Set.copyOf(def.attributeDefinitions()), Set.copyOf(t.attributeDefinitions()), def.tableName());
            assertEquals("PAY_PER_REQUEST", t.billingModeSummary() == null ? "PAY_PER_REQUEST"
                    : t.billingModeSummary().billingModeAsString(), def.tableName() + ": billing mode");
            // moto's CloudFormation ignores TimeToLiveSpecification: if that changes, check it here too
            TimeToLiveStatus ttl = dynamo.describeTimeToLive(r -> r.tableName(def.tableName())).timeToLiveDescription()
                    .timeToLiveStatus();
            if (Tables.timeToLiveAttribute(def.tableName()).isEmpty() || ttl == TimeToLiveStatus.ENABLED) {
                assertEquals(Tables.timeToLiveAttribute(def.tableName()).orElse(null), dynamo.describeTimeToLive(r -> r
                        .tableName(def.tableName())).timeToLiveDescription().attributeName(), def.tableName() + ": TTL");
            } else {
                System.out.println(def.tableName() + ": moto's CloudFormation did not apply TimeToLiveSpecification ("
                        + ttl + "); checked in the template only");
            }
        }
    }

    @Test
    void eachServiceHasItsRoleWithDocsAwsMdsPolicyAndTheTrustOfItsServiceAccount() throws Exception {
        IamClient iam = moto.client(IamClient.builder());
        for (String service : InfraTemplate.SERVICES) {
            String role = "dbrefresh-" + service;
            var got = iam.getRole(r -> r.roleName(role)).role();
            JsonNode trust = JSON.readTree(URLDecoder.decode(got.assumeRolePolicyDocument(), StandardCharsets.UTF_8));
            assertEquals("system:serviceaccount:dbrefresh:" + service, trust.path("Statement").path(0).path("Condition")
                    .path("StringEquals").path(OIDC + ":sub").asText(), role + ": trust policy " + trust);
            assertEquals(List.of("dbrefresh"), iam.listRolePolicies(r -> r.roleName(role)).policyNames(),
                    role + ": inline policies (ClusterPlans, DynamoDbPlans and KmsKeyArn are off)");
            JsonNode policy = rolePolicy(iam, role, "dbrefresh");
            List<JsonNode> expected = new ArrayList<>();
            for (IamPolicyDocs.Statement s : LeastPrivilegeTest.docs().statements(service)) {
                if (s.section().equals(service)) {
                    expected.add(JSON.readTree(s.json().toString().replace("REGION", MotoServer.REGION)
                            .replace("ACCOUNT_ID", MotoServer.ACCOUNT)));
                }
            }
            List<JsonNode> actual = new ArrayList<>();
            policy.path("Statement").forEach(actual::add);
            assertEquals(expected, actual, role + ": its policy in moto is not docs/aws.md's \"### " + service + "\"");
        }
        assertTrue(iam.listPolicies(r -> r.scope("Local")).policies().stream()
                .anyMatch(p -> p.policyName().equals("dbrefresh-operator")), "the operator's managed policy");
    }

    @Test
    void theSubscriptionsDeliverEachEventTypeToTheQueuesOfTheRoutingTable() throws Exception {
        SnsClient sns = moto.client(SnsClient.builder());
        SqsClient sqs = moto.client(SqsClient.builder());
        String topicArn = physicalIds.get("EventsTopic");
        assertTrue(topicArn != null && topicArn.endsWith(":" + Routing.TOPIC), "EventsTopic: " + physicalIds);
        // moto has no AWS::SNS::Subscription: make the template's subscriptions through the API
        template.get("Resources").fields().forEachRemaining(e -> {
            if (!e.getValue().path("Type").asText().equals("AWS::SNS::Subscription")) {
                return;
            }
            assertTrue(!physicalIds.containsKey(e.getKey()), e.getKey() + " was made by moto's CloudFormation after all: "
                    + "drop the API fallback");
            JsonNode p = resolve(e.getValue().path("Properties"), sqs);
            Map<String, String> attributes = new HashMap<>();
            attributes.put("RawMessageDelivery", p.path("RawMessageDelivery").asText());
            attributes.put("FilterPolicy", p.get("FilterPolicy").toString());
            attributes.put("FilterPolicyScope", p.path("FilterPolicyScope").asText());
            sns.subscribe(r -> r.topicArn(p.path("TopicArn").asText()).protocol(p.path("Protocol").asText())
                    .endpoint(p.path("Endpoint").asText()).attributes(attributes).returnSubscriptionArn(true));
        });
        for (EventType type : EventType.values()) {
            sns.publish(r -> r.topicArn(topicArn).message("{\"type\":\"" + type.typeName() + "\"}")
                    .messageAttributes(Map.of("type", MessageAttributeValue.builder().dataType("String")
                            .stringValue(type.typeName()).build())));
        }
        Map<String, Set<String>> received = new TreeMap<>();
        Map<String, Set<String>> expected = new TreeMap<>();
        for (String queue : Routing.serviceQueues()) {
            expected.put(queue, Routing.typesFor(queue).stream().map(EventType::typeName)
                    .collect(Collectors.toCollection(TreeSet::new)));
            String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
            Set<String> types = new TreeSet<>();
            List<Message> batch;
            do {
                batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                for (Message m : batch) {
                    // raw delivery: the body is the event itself, not an SNS envelope
                    types.add(JSON.readTree(m.body()).path("type").asText("(not raw: " + m.body() + ")"));
                }
            } while (!batch.isEmpty());
            received.put(queue, types);
        }
        assertEquals(expected, received, "the events each queue received through the template's subscriptions");
    }

    /** Resolves {@code Ref} and {@code Fn::GetAtt X.Arn} of the stack's resources (enough for the subscriptions). */
    private static JsonNode resolve(JsonNode node, SqsClient sqs) {
        return InfraTemplate.transform(node, n -> {
            if (n.isObject() && n.has("Ref")) {
                return TextNode.valueOf(physicalIds.get(n.get("Ref").asText()));
            }
            if (!(n.isObject() && n.has("Fn::GetAtt"))) {
                return null;
            }
            assertEquals("Arn", n.get("Fn::GetAtt").get(1).asText(), "only Fn::GetAtt of a queue's Arn is resolved");
            String url = physicalIds.get(n.get("Fn::GetAtt").get(0).asText());
            return TextNode.valueOf(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN));
        });
    }
}
