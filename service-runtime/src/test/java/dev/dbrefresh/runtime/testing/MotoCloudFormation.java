package dev.dbrefresh.runtime.testing;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * CloudFormation {@code CreateStack} in moto through the Query API, as {@code aws cloudformation create-stack}
 * sends it (the SDK's CloudFormation module is not in this build's repository). Shared by the template's
 * deployment test (policy-tests) and the end-to-end test that runs the services with the template's policies.
 */
public final class MotoCloudFormation {

    private MotoCloudFormation() {
    }

    /**
     * Creates a stack and waits (at most 60 s) until it is no longer {@code *_IN_PROGRESS}.
     *
     * @param endpoint     moto's endpoint, e.g. {@code http://127.0.0.1:5123}
     * @param region       the region of the stack (moto reads it from the credential scope)
     * @param stackName    the stack's name
     * @param templateBody the template (YAML or JSON)
     * @param parameters   the stack's parameters by key
     * @return the physical id of each resource moto created, by logical id
     * @throws IllegalStateException when moto answers other than 200 or the stack does not reach
     *                               {@code CREATE_COMPLETE} (the stack's resources are in the message)
     * @throws Exception             when moto cannot be reached
     */
    public static Map<String, String> createStack(String endpoint, String region, String stackName, String templateBody,
            Map<String, String> parameters) throws Exception {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("StackName", stackName);
        form.put("TemplateBody", templateBody);
        int i = 1;
        for (Map.Entry<String, String> p : new TreeMap<>(parameters).entrySet()) {
            form.put("Parameters.member." + i + ".ParameterKey", p.getKey());
            form.put("Parameters.member." + i++ + ".ParameterValue", p.getValue());
        }
        form.put("Capabilities.member.1", "CAPABILITY_NAMED_IAM");
        call(endpoint, region, "CreateStack", form);
        Instant deadline = Instant.now().plusSeconds(60);
        String status = "";
        while (Instant.now().isBefore(deadline)) {
            status = first(call(endpoint, region, "DescribeStacks", Map.of("StackName", stackName)), "StackStatus");
            if (!status.endsWith("IN_PROGRESS")) {
                break;
            }
            Thread.sleep(200);
        }
        String resources = call(endpoint, region, "DescribeStackResources", Map.of("StackName", stackName));
        if (!"CREATE_COMPLETE".equals(status)) {
            throw new IllegalStateException("CreateStack " + stackName + " in moto with " + parameters + " ended "
                    + status + ":\n" + resources);
        }
        Map<String, String> ids = new TreeMap<>();
        Matcher m = Pattern.compile("<member>(.*?)</member>", Pattern.DOTALL).matcher(resources);
        while (m.find()) {
            ids.put(first(m.group(1), "LogicalResourceId"), first(m.group(1), "PhysicalResourceId"));
        }
        return ids;
    }

    private static String call(String endpoint, String region, String action, Map<String, String> parameters)
            throws Exception {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", action);
        form.put("Version", "2010-05-15");
        form.putAll(parameters);
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                // moto picks the service from the credential scope; it checks no signature while IAM is not enforced
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/" + region
                        + "/cloudformation/aws4_request, SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("CloudFormation " + action + " in moto answered " + response.statusCode()
                    + ": " + response.body());
        }
        return response.body();
    }

    private static String first(String xml, String element) {
        Matcher m = Pattern.compile("<" + element + ">(.*?)</" + element + ">", Pattern.DOTALL).matcher(xml);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Switches moto's IAM enforcement on for every request from now on ({@code POST /moto-api/reset-auth} with
     * {@code 0}: the run-time form of {@code INITIAL_NO_AUTH_ACTION_COUNT}, moto's {@code core/authorization.py}).
     * From then on each request must be signed with the access key of an IAM user (or of an assumed role) of
     * moto's, whose policies allow the action.
     *
     * @param endpoint moto's endpoint
     * @throws Exception when moto does not answer 200
     */
    public static void enforceIam(String endpoint) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/moto-api/reset-auth"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("0")).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("moto's reset-auth answered " + response.statusCode() + ": " + response.body());
        }
    }
}
