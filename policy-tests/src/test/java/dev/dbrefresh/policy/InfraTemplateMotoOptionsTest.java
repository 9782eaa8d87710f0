package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.testing.MotoServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The template's options in moto: with {@code ClusterPlans=true}, {@code DynamoDbPlans=true} and a customer
 * managed key ({@code KmsKeyArn}), each role gets docs/aws.md's additional statements with the parameters in
 * place of the placeholders and the key's statement, and the topic and queues are encrypted with the key. (moto
 * does not report a CloudFormation table's {@code SSESpecification} back: not checked here.)
 */
class InfraTemplateMotoOptionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer moto;
    private static String keyArn;
    private static final Map<String, String> VALUES = new LinkedHashMap<>();

    @BeforeAll
    static void deploy() throws Exception {
        moto = MotoServer.startOrSkip("moto_server is not on the PATH; the CloudFormation deployment of "
                + InfraTemplate.FILE + " with its options is not tried");
        keyArn = moto.client(KmsClient.builder()).createKey(r -> r.description("dbrefresh")).keyMetadata().arn();
        VALUES.put("OIDC_PROVIDER", "oidc.eks.us-east-1.amazonaws.com/id/OPTIONS");
        VALUES.put("SOURCE_ACCOUNT_ID", "111111111111");
        VALUES.put("TARGET_KEY_ID", "1234abcd-12ab-34cd-56ef-1234567890ab");
        VALUES.put("SOURCE_KEY_ARN", "arn:aws:kms:us-east-1:111111111111:key/source");
        VALUES.put("orders/acceptance/db-endpoint", "billing/qa/db-endpoint");
        VALUES.put("orders-acceptance", "billing-qa");
        VALUES.put("orders-production", "billing-prod");
        Map<String, String> parameters = new LinkedHashMap<>();
        VALUES.forEach((docs, value) -> parameters.put(InfraTemplate.PLACEHOLDERS.stream()
                .filter(p -> p.docs().equals(docs)).findFirst().orElseThrow().parameter(), value));
        parameters.put("ClusterPlans", "true");
        parameters.put("DynamoDbPlans", "true");
        parameters.put("KmsKeyArn", keyArn);
        InfraTemplateMotoTest.createStack(moto, parameters);
    }

    @AfterAll
    static void stop() throws Exception {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void eachRoleGetsTheAdditionalStatementsWithTheParametersAndTheKeysStatement() throws Exception {
        IamClient iam = moto.client(IamClient.builder());
        IamPolicyDocs docs = LeastPrivilegeTest.docs();
        for (String service : InfraTemplate.SERVICES) {
            String role = "dbrefresh-" + service;
            assertEquals(Set.of("dbrefresh", "dbrefresh-cluster-plans", "dbrefresh-dynamodb-plans", "dbrefresh-kms"),
                    new TreeSet<>(iam.listRolePolicies(r -> r.roleName(role)).policyNames()), role + ": inline policies");
            Map<String, String> policies = Map.of("Cluster plans: additional statements", "dbrefresh-cluster-plans",
                    "DynamoDB plans: additional statements", "dbrefresh-dynamodb-plans");
            for (Map.Entry<String, String> p : policies.entrySet()) {
                List<JsonNode> expected = new ArrayList<>();
                for (IamPolicyDocs.Statement s : docs.statements(service)) {
                    if (s.section().equals(p.getKey())) {
                        expected.add(JSON.readTree(withValues(s.json().toString())));
                    }
                }
                List<JsonNode> actual = new ArrayList<>();
                InfraTemplateMotoTest.rolePolicy(iam, role, p.getValue()).path("Statement").forEach(actual::add);
                assertEquals(expected, actual, role + ": " + p.getValue() + " is not docs/aws.md's \"" + p.getKey()
                        + "\" with the stack's parameters");
            }
            JsonNode kms = InfraTemplateMotoTest.rolePolicy(iam, role, "dbrefresh-kms").path("Statement").get(0);
            assertEquals(keyArn, kms.path("Resource").asText(), role + ": dbrefresh-kms");
        }
    }

    @Test
    void theTopicAndTheQueuesAreEncryptedWithTheKey() {
        SnsClient sns = moto.client(SnsClient.builder());
        String topic = "arn:aws:sns:" + MotoServer.REGION + ":" + MotoServer.ACCOUNT + ":" + Routing.TOPIC;
        assertEquals(keyArn, sns.getTopicAttributes(r -> r.topicArn(topic)).attributes().get("KmsMasterKeyId"), topic);
        SqsClient sqs = moto.client(SqsClient.builder());
        List<String> queues = new ArrayList<>(List.of(Routing.NOTIFICATIONS_QUEUE));
        Routing.serviceQueues().forEach(q -> queues.addAll(List.of(q, Routing.dlqName(q))));
        for (String queue : queues) {
            String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
            assertEquals(keyArn, sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.KMS_MASTER_KEY_ID))
                    .attributes().get(QueueAttributeName.KMS_MASTER_KEY_ID), queue + ": KmsMasterKeyId");
        }
    }

    private static String withValues(String docsJson) {
        String out = docsJson.replace("REGION", MotoServer.REGION);
        for (Map.Entry<String, String> v : VALUES.entrySet()) {
            out = out.replace(v.getKey(), v.getValue());
        }
        // ACCOUNT_ID last: it is the end of SOURCE_ACCOUNT_ID
        return out.replace("ACCOUNT_ID", MotoServer.ACCOUNT);
    }
}
