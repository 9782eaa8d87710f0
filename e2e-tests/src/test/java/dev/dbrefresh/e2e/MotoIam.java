package dev.dbrefresh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;

/**
 * IAM users in moto for the tests that switch its IAM enforcement on ({@code MotoCloudFormation.enforceIam}), and
 * policies carried over as moto 5.2 can check them: moto matches the action of every request against the caller's
 * policies, but it knows the resource of a request only for SQS (the queue's ARN, from {@code QueueUrl};
 * {@code GetQueueUrl} has none) and evaluates no condition keys (a {@code Condition} never holds there;
 * moto's {@code iam/access_control.py}, {@code core/responses.py} {@code _determine_resource}).
 */
final class MotoIam {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MotoIam() {
    }

    /**
     * @param iam a client (made while IAM is not enforced yet)
     * @return the access key of the user {@code e2e-admin}, allowed everything: the tests' own calls
     */
    static AccessKey admin(IamClient iam) {
        return user(iam, "e2e-admin", Map.of("all", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                + "\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
    }

    /**
     * An IAM user with these inline policies and an access key of its own.
     *
     * @param iam      a client (made while IAM is not enforced yet)
     * @param name     the user's name
     * @param policies inline policy documents by policy name
     * @return the user's access key
     */
    static AccessKey user(IamClient iam, String name, Map<String, String> policies) {
        iam.createUser(r -> r.userName(name));
        policies.forEach((policy, document) -> iam.putUserPolicy(r -> r.userName(name).policyName(policy)
                .policyDocument(document)));
        return iam.createAccessKey(r -> r.userName(name)).accessKey();
    }

    /**
     * A policy as moto 5.2 can check it (see the class comment): the same actions; SQS statements keep their
     * resources, plus {@code sqs:GetQueueUrl} on {@code *}; the other statements get {@code Resource: *} and lose
     * their {@code Condition}.
     *
     * @param policy an IAM policy document
     * @return the document that grants what moto can tell apart
     */
    static JsonNode asMotoChecksIt(JsonNode policy) {
        ObjectNode out = JSON.createObjectNode().put("Version", "2012-10-17");
        ArrayNode statements = out.putArray("Statement");
        for (JsonNode s : policy.path("Statement")) {
            List<String> actions = new ArrayList<>();
            if (s.path("Action").isArray()) {
                s.path("Action").forEach(a -> actions.add(a.asText()));
            } else {
                actions.add(s.path("Action").asText());
            }
            ObjectNode copy = statements.addObject().put("Effect", s.path("Effect").asText());
            actions.forEach(copy.putArray("Action")::add);
            if (actions.stream().allMatch(a -> a.startsWith("sqs:"))) {
                copy.set("Resource", s.path("Resource"));
                if (actions.contains("sqs:GetQueueUrl")) {
                    statements.addObject().put("Effect", "Allow").put("Action", "sqs:GetQueueUrl").put("Resource", "*");
                }
            } else {
                copy.put("Resource", "*");
            }
        }
        return out;
    }
}
