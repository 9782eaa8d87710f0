package dev.dbrefresh.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;

/**
 * Generates the CloudFormation template {@value #FILE} from the three definitions it must not drift from: the
 * routing table ({@link Routing}: queues, DLQs, which event types each queue's subscription lets through), the
 * tables ({@link Tables}: key schemas, TTL, point-in-time recovery) and the IAM statements of docs/aws.md's
 * "## IAM" section ({@link IamPolicyDocs}, the policies {@code LeastPrivilegeTest} proves against the code).
 *
 * <p>The docs' placeholders become template parameters or pseudo parameters ({@link #PLACEHOLDERS}), so that
 * {@link #toDocs(JsonNode)} turns a template statement back into the docs' text. Resource types and properties
 * (CloudFormation template reference):
 * <ul>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html">AWS::SNS::Topic</a>
 *       {@code TopicName}, {@code KmsMasterKeyId};</li>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html">AWS::SQS::Queue</a>
 *       {@code QueueName}, {@code VisibilityTimeout}, {@code MessageRetentionPeriod}, {@code RedrivePolicy}
 *       ({@code deadLetterTargetArn}, {@code maxReceiveCount}), {@code SqsManagedSseEnabled}, {@code KmsMasterKeyId};</li>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queuepolicy.html">AWS::SQS::QueuePolicy</a>
 *       {@code Queues}, {@code PolicyDocument};</li>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-subscription.html">AWS::SNS::Subscription</a>
 *       {@code TopicArn}, {@code Protocol}, {@code Endpoint}, {@code RawMessageDelivery}, {@code FilterPolicy},
 *       {@code FilterPolicyScope};</li>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html">AWS::DynamoDB::Table</a>
 *       {@code TableName}, {@code BillingMode}, {@code AttributeDefinitions}, {@code KeySchema},
 *       {@code TimeToLiveSpecification}, {@code PointInTimeRecoverySpecification}, {@code SSESpecification};</li>
 *   <li><a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html">AWS::IAM::Role</a>
 *       {@code RoleName}, {@code AssumeRolePolicyDocument}, {@code Policies};
 *       <a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-policy.html">AWS::IAM::Policy</a>
 *       and <a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html">AWS::IAM::ManagedPolicy</a>
 *       {@code PolicyName}/{@code ManagedPolicyName}, {@code Roles}, {@code PolicyDocument}.</li>
 * </ul>
 */
final class InfraTemplate {

    /** The generated file, relative to the repository root. */
    static final String FILE = "infra/cloudformation/dbrefresh.yaml";

    /** The services, each with its role {@code dbrefresh-<service>}. */
    static final List<String> SERVICES = List.of("snapshot-service", "cluster-service", "users-service",
            "notifier-service");

    /** The docs' section of each group of additional statements, and the template condition that adds it. */
    static final Map<String, String> ADDITIONAL = Map.of("Cluster plans: additional statements", "ClusterPlans",
            "DynamoDB plans: additional statements", "DynamoDbPlans");

    /**
     * A placeholder of docs/aws.md's policies and what stands for it in the template.
     *
     * @param docs        the text in docs/aws.md, e.g. {@code TARGET_KEY_ID}
     * @param parameter   the template parameter (or pseudo parameter such as {@code AWS::Region})
     * @param description the parameter's description; {@code null} for a pseudo parameter
     * @param fallback    the parameter's default; {@code null} for none
     */
    record Placeholder(String docs, String parameter, String description, String fallback) {

        Pattern pattern() {
            // a whole word: ACCOUNT_ID is not the end of SOURCE_ACCOUNT_ID
            return Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(docs) + "(?![A-Za-z0-9_])");
        }
    }

    /** The placeholders in the order they are replaced (longer names first where one contains another). */
    static final List<Placeholder> PLACEHOLDERS = List.of(
            new Placeholder("REGION", "AWS::Region", null, null),
            new Placeholder("ACCOUNT_ID", "AWS::AccountId", null, null),
            new Placeholder("OIDC_PROVIDER", "OidcProvider",
                    "The EKS cluster's OIDC issuer without https:// (aws eks describe-cluster --name CLUSTER "
                            + "--query cluster.identity.oidc.issuer --output text), registered as an IAM OIDC provider",
                    null),
            new Placeholder("SOURCE_ACCOUNT_ID", "SourceAccountId",
                    "Cluster plans: the account whose snapshots are shared with this one", ""),
            new Placeholder("TARGET_KEY_ID", "TargetKeyId",
                    "Cluster plans: the id of the KMS key of target.kms-key-id (encrypts the copy and the restored cluster)",
                    ""),
            new Placeholder("SOURCE_KEY_ARN", "SourceKeyArn",
                    "Cluster plans: the ARN of the source account's KMS key that encrypts the shared snapshots", ""),
            new Placeholder("orders/acceptance/db-endpoint", "EndpointParameterPath",
                    "The SSM parameter of notifications.endpoint-parameter, without the leading /", "orders/acceptance/db-endpoint"),
            new Placeholder("orders-acceptance", "Target",
                    "The plan's target (target.cluster, the restored tables' name prefix) and its secrets' prefix "
                            + "dbrefresh/<Target>/; docs/aws.md's example is orders-acceptance", "orders-acceptance"),
            new Placeholder("orders-production", "Source",
                    "The plan's source (source.cluster or source.table); docs/aws.md's example is orders-production",
                    "orders-production"));

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSION_DATE = Pattern.compile("(?m)^(\\s*(?:AWSTemplateFormatVersion|Version): )"
            + "(\\d{4}-\\d{2}-\\d{2})$");
    private static final Pattern SUB_REF = Pattern.compile("\\$\\{([A-Za-z0-9:]+)}");

    private InfraTemplate() {
    }

    /**
     * @param docs   docs/aws.md's IAM statements
     * @param queues each service's queue, from its application.yml
     * @return the template
     */
    static ObjectNode generate(IamPolicyDocs docs, UnaryOperator<String> queues) {
        ObjectNode t = F.objectNode();
        t.put("AWSTemplateFormatVersion", "2010-09-09");
        t.put("Description", "dbrefresh: the SNS topic, the service queues with their DLQs and subscriptions, the state "
                + "tables and one IRSA role per service. Generated from shared-contracts' Routing and "
                + "Tables and docs/aws.md's IAM section by policy-tests (InfraTemplateTest); do not edit.");
        t.set("Parameters", parameters());
        t.set("Conditions", conditions());
        ObjectNode r = t.putObject("Resources");
        topic(r);
        for (String queue : Routing.serviceQueues()) {
            serviceQueue(r, queue);
        }
        ObjectNode notifications = resource(r, logicalId(Routing.NOTIFICATIONS_QUEUE) + "Queue", "AWS::SQS::Queue");
        notifications.put("QueueName", Routing.NOTIFICATIONS_QUEUE);
        encryption(notifications);
        for (CreateTableRequest table : Tables.definitions()) {
            table(r, table);
        }
        for (String service : SERVICES) {
            String queue = queues.apply(service);
            if (!Routing.serviceQueues().contains(queue)) {
                throw new IllegalStateException(service + "'s application.yml names the queue " + queue
                        + ", which is not one of Routing.serviceQueues() " + Routing.serviceQueues());
            }
            role(r, service, docs);
        }
        operatorPolicy(r, docs);
        ObjectNode out = t.putObject("Outputs");
        out.putObject("TopicArn").set("Value", ref("EventsTopic"));
        for (String service : SERVICES) {
            out.putObject(logicalId(service) + "RoleArn").set("Value", getAtt(logicalId(service) + "Role", "Arn"));
        }
        return t;
    }

    private static ObjectNode parameters() {
        ObjectNode p = F.objectNode();
        for (Placeholder ph : PLACEHOLDERS) {
            if (ph.description() == null) {
                continue;
            }
            ObjectNode param = p.putObject(ph.parameter());
            param.put("Type", "String");
            param.put("Description", ph.description());
            if (ph.fallback() != null) {
                param.put("Default", ph.fallback());
            } else {
                param.put("MinLength", 1);
            }
        }
        param(p, "KmsKeyArn", "A customer managed KMS key for the topic, the queues and the tables; empty: the topic "
                + "uses alias/aws/sns, the queues SSE-SQS, the tables DynamoDB's AWS owned key");
        param(p, "BackupVaultTopicArn", "An AWS Backup vault's notification topic allowed to send to the start queue "
                + Routing.SNAPSHOT_QUEUE + " (subscribe the queue to it yourself); empty: none");
        param(p, "BackupEventRuleArn", "An EventBridge rule (AWS Backup job state changes) allowed to send to the start "
                + "queue; empty: none");
        param(p, "SchedulerRoleArn", "The role EventBridge Scheduler assumes to send start messages "
                + "(docs/eventbridge-scheduler.yaml's SchedulerRoleArn output), allowed by the start queue's policy; empty: none");
        for (String condition : List.of("ClusterPlans", "DynamoDbPlans")) {
            ObjectNode param = p.putObject(condition);
            param.put("Type", "String");
            param.put("Description", "Whether the roles get docs/aws.md's \"" + ADDITIONAL.entrySet().stream()
                    .filter(e -> e.getValue().equals(condition)).findFirst().orElseThrow().getKey() + "\"");
            param.put("Default", "false");
            param.putArray("AllowedValues").add("true").add("false");
        }
        return p;
    }

    private static void param(ObjectNode p, String name, String description) {
        ObjectNode param = p.putObject(name);
        param.put("Type", "String");
        param.put("Description", description);
        param.put("Default", "");
    }

    private static ObjectNode conditions() {
        ObjectNode c = F.objectNode();
        for (String name : List.of("KmsKeyArn", "BackupVaultTopicArn", "BackupEventRuleArn", "SchedulerRoleArn")) {
            c.putObject("Has" + name).putArray("Fn::Not").addObject().putArray("Fn::Equals").add(ref(name)).add("");
        }
        c.putObject("ClusterPlans").putArray("Fn::Equals").add(ref("ClusterPlans")).add("true");
        c.putObject("DynamoDbPlans").putArray("Fn::Equals").add(ref("DynamoDbPlans")).add("true");
        return c;
    }

    private static void topic(ObjectNode r) {
        ObjectNode topic = resource(r, "EventsTopic", "AWS::SNS::Topic");
        topic.put("TopicName", Routing.TOPIC);
        topic.set("KmsMasterKeyId", ifElse("HasKmsKeyArn", ref("KmsKeyArn"), TextNode.valueOf("alias/aws/sns")));
    }


    private static void serviceQueue(ObjectNode r, String queue) {
        String id = logicalId(queue);
        ObjectNode dlq = resource(r, id + "DeadLetterQueue", "AWS::SQS::Queue");
        dlq.put("QueueName", Routing.dlqName(queue));
        dlq.put("MessageRetentionPeriod", Routing.DLQ_RETENTION_SECONDS);
        encryption(dlq);

        ObjectNode q = resource(r, id + "Queue", "AWS::SQS::Queue");
        q.put("QueueName", queue);
        q.put("VisibilityTimeout", Routing.VISIBILITY_TIMEOUT_SECONDS);
        ObjectNode redrive = q.putObject("RedrivePolicy");
        redrive.set("deadLetterTargetArn", getAtt(id + "DeadLetterQueue", "Arn"));
        redrive.put("maxReceiveCount", Routing.MAX_RECEIVE_COUNT);
        encryption(q);

        ObjectNode policy = resource(r, id + "QueuePolicy", "AWS::SQS::QueuePolicy");
        policy.putArray("Queues").add(ref(id + "Queue"));
        ObjectNode doc = policy.putObject("PolicyDocument");
        doc.put("Version", "2012-10-17");
        ArrayNode statements = doc.putArray("Statement");
        statements.add(sendFrom("FromDbrefreshTopic", "Service", "sns.amazonaws.com", id, ref("EventsTopic")));
        if (queue.equals(Routing.SNAPSHOT_QUEUE)) {
            // the start queue: the senders of docs/aws.md's "Triggers: schedules and AWS Backup"
            statements.add(ifElse("HasBackupVaultTopicArn",
                    sendFrom("FromBackupVaultTopic", "Service", "sns.amazonaws.com", id, ref("BackupVaultTopicArn")),
                    ref("AWS::NoValue")));
            statements.add(ifElse("HasBackupEventRuleArn",
                    sendFrom("FromBackupRule", "Service", "events.amazonaws.com", id, ref("BackupEventRuleArn")),
                    ref("AWS::NoValue")));
            ObjectNode scheduler = F.objectNode();
            scheduler.put("Sid", "FromSchedulerRole");
            scheduler.put("Effect", "Allow");
            scheduler.putObject("Principal").set("AWS", ref("SchedulerRoleArn"));
            scheduler.put("Action", "sqs:SendMessage");
            scheduler.set("Resource", getAtt(id + "Queue", "Arn"));
            statements.add(ifElse("HasSchedulerRoleArn", scheduler, ref("AWS::NoValue")));
        }

        ObjectNode sub = resource(r, id + "Subscription", "AWS::SNS::Subscription");
        sub.set("TopicArn", ref("EventsTopic"));
        sub.put("Protocol", "sqs");
        sub.set("Endpoint", getAtt(id + "Queue", "Arn"));
        sub.put("RawMessageDelivery", true);
        sub.put("FilterPolicyScope", "MessageAttributes");
        ArrayNode types = sub.putObject("FilterPolicy").putArray("type");
        for (EventType type : Routing.typesFor(queue)) {
            types.add(type.typeName());
        }
        if (types.isEmpty()) {
            throw new IllegalStateException("Routing sends no event type to " + queue + ": its subscription would "
                    + "have an empty filter policy, which SNS rejects");
        }
    }

    private static ObjectNode sendFrom(String sid, String principalKind, String principal, String queueId,
            JsonNode sourceArn) {
        ObjectNode s = F.objectNode();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        s.putObject("Principal").put(principalKind, principal);
        s.put("Action", "sqs:SendMessage");
        s.set("Resource", getAtt(queueId + "Queue", "Arn"));
        s.putObject("Condition").putObject("ArnEquals").set("aws:SourceArn", sourceArn);
        return s;
    }

    private static void encryption(ObjectNode queue) {
        queue.set("SqsManagedSseEnabled", ifElse("HasKmsKeyArn", ref("AWS::NoValue"), F.booleanNode(true)));
        queue.set("KmsMasterKeyId", ifElse("HasKmsKeyArn", ref("KmsKeyArn"), ref("AWS::NoValue")));
    }

    private static void table(ObjectNode r, CreateTableRequest def) {
        ObjectNode t = resource(r, logicalId(def.tableName()) + "Table", "AWS::DynamoDB::Table");
        t.put("TableName", def.tableName());
        t.put("BillingMode", def.billingModeAsString());
        ArrayNode attrs = t.putArray("AttributeDefinitions");
        for (AttributeDefinition a : def.attributeDefinitions()) {
            attrs.addObject().put("AttributeName", a.attributeName()).put("AttributeType", a.attributeTypeAsString());
        }
        ArrayNode keys = t.putArray("KeySchema");
        for (KeySchemaElement k : def.keySchema()) {
            keys.addObject().put("AttributeName", k.attributeName()).put("KeyType", k.keyTypeAsString());
        }
        Tables.timeToLiveAttribute(def.tableName()).ifPresent(attr -> t.putObject("TimeToLiveSpecification")
                .put("AttributeName", attr).put("Enabled", true));
        if (Tables.pointInTimeRecovery(def.tableName())) {
            t.putObject("PointInTimeRecoverySpecification").put("PointInTimeRecoveryEnabled", true);
        }
        ObjectNode sse = F.objectNode();
        sse.put("SSEEnabled", true);
        sse.put("SSEType", "KMS");
        sse.set("KMSMasterKeyId", ref("KmsKeyArn"));
        t.set("SSESpecification", ifElse("HasKmsKeyArn", sse, F.objectNode().put("SSEEnabled", false)));
    }

    private static void role(ObjectNode r, String service, IamPolicyDocs docs) {
        String id = logicalId(service);
        ObjectNode role = resource(r, id + "Role", "AWS::IAM::Role");
        role.put("RoleName", "dbrefresh-" + service);
        List<IamPolicyDocs.Statement> trust = docs.statements("trust");
        if (trust.size() != 1) {
            throw new IllegalStateException("docs/aws.md \"### Trust policy (all four roles)\" must have exactly one "
                    + "statement, found " + trust.size());
        }
        // The condition keys contain the OIDC provider: a key cannot be an intrinsic function, so the document is a
        // string that Fn::Sub fills in (the Json properties of AWS::IAM::Role accept a JSON string).
        ObjectNode trustDoc = F.objectNode();
        trustDoc.put("Version", "2012-10-17");
        trustDoc.putArray("Statement").add(trust.get(0).json().deepCopy());
        String trustText = substitute(write(trustDoc)).replace(":SERVICE\"", ":" + service + "\"");
        role.set("AssumeRolePolicyDocument", sub(trustText));

        Map<String, List<IamPolicyDocs.Statement>> bySection = new LinkedHashMap<>();
        for (IamPolicyDocs.Statement s : docs.statements(service)) {
            bySection.computeIfAbsent(s.section(), k -> new ArrayList<>()).add(s);
        }
        List<IamPolicyDocs.Statement> base = bySection.remove(service);
        if (base == null || base.isEmpty()) {
            throw new IllegalStateException("docs/aws.md has no policy under \"### " + service + "\"");
        }
        ObjectNode policy = role.putArray("Policies").addObject();
        policy.put("PolicyName", "dbrefresh");
        policy.set("PolicyDocument", document(base));
        bySection.forEach((section, statements) -> {
            String condition = ADDITIONAL.get(section);
            if (condition == null) {
                throw new IllegalStateException("docs/aws.md \"### " + section + "\" gives statements to " + service
                        + " but InfraTemplate.ADDITIONAL maps it to no template condition");
            }
            String policyId = id + condition + "Policy";
            ObjectNode extra = (ObjectNode) r.putObject(policyId);
            extra.put("Type", "AWS::IAM::Policy");
            extra.put("Condition", condition);
            if (condition.equals("ClusterPlans")) {
                // SourceKeyArn's default "" is no ARN, but the policy exists only with ClusterPlans=true, when the
                // parameter must be set (cfn-lint resolves the default regardless of the condition)
                extra.putObject("Metadata").putObject("cfn-lint").putObject("config").putArray("ignore_checks")
                        .add("W1031");
            }
            ObjectNode props = extra.putObject("Properties");
            props.put("PolicyName", "dbrefresh-" + condition.replace("Plans", "").toLowerCase() + "-plans");
            props.putArray("Roles").add(ref(id + "Role"));
            props.set("PolicyDocument", document(statements));
        });
        ObjectNode kms = (ObjectNode) r.putObject(id + "KmsKeyPolicy");
        kms.put("Type", "AWS::IAM::Policy");
        kms.put("Condition", "HasKmsKeyArn");
        ObjectNode props = kms.putObject("Properties");
        props.put("PolicyName", "dbrefresh-kms");
        props.putArray("Roles").add(ref(id + "Role"));
        props.set("PolicyDocument", kmsDocument());
    }

    /**
     * The statement a customer managed key adds (docs/aws.md "Queues, dead-letter queues and subscriptions": each
     * service role needs {@code kms:GenerateDataKey} and {@code kms:Decrypt} on it to send to and receive from the
     * encrypted queues and to publish to the encrypted topic).
     */
    static ObjectNode kmsDocument() {
        ObjectNode doc = F.objectNode();
        doc.put("Version", "2012-10-17");
        ObjectNode s = doc.putArray("Statement").addObject();
        s.put("Sid", "CustomerManagedKey");
        s.put("Effect", "Allow");
        s.putArray("Action").add("kms:GenerateDataKey").add("kms:Decrypt");
        s.set("Resource", ref("KmsKeyArn"));
        return doc;
    }

    private static void operatorPolicy(ObjectNode r, IamPolicyDocs docs) {
        ObjectNode p = resource(r, "OperatorPolicy", "AWS::IAM::ManagedPolicy");
        p.put("ManagedPolicyName", "dbrefresh-operator");
        p.put("Description", "docs/aws.md \"### CLI and operators\": start runs, read a run's audit, redrive a DLQ, "
                + "clear a stuck lease; attach it to the operators' roles");
        p.set("PolicyDocument", document(docs.statements("operator")));
    }

    private static ObjectNode document(List<IamPolicyDocs.Statement> statements) {
        ObjectNode doc = F.objectNode();
        doc.put("Version", "2012-10-17");
        ArrayNode list = doc.putArray("Statement");
        statements.forEach(s -> list.add(fromDocs(s.json())));
        return doc;
    }

    /**
     * @param node a statement of docs/aws.md
     * @return the same with each string that holds a placeholder as an {@code Fn::Sub} of its parameter
     */
    static JsonNode fromDocs(JsonNode node) {
        return transform(node, n -> {
            if (!n.isTextual()) {
                return null;
            }
            String replaced = substitute(n.asText());
            return replaced.equals(n.asText()) ? n : sub(replaced);
        });
    }

    /**
     * The inverse of {@link #fromDocs(JsonNode)}, for the comparison with docs/aws.md.
     *
     * @param node a statement of the template
     * @return the same with each {@code Fn::Sub} replaced by the text with the docs' placeholders
     */
    static JsonNode toDocs(JsonNode node) {
        return transform(node, n -> {
            if (!(n.isObject() && n.size() == 1 && n.has("Fn::Sub") && n.get("Fn::Sub").isTextual())) {
                return null;
            }
            Matcher m = SUB_REF.matcher(n.get("Fn::Sub").asText());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String parameter = m.group(1);
                String docs = PLACEHOLDERS.stream().filter(p -> p.parameter().equals(parameter)).findFirst()
                        .map(Placeholder::docs).orElseThrow(() -> new IllegalStateException(
                                "the template's Fn::Sub names ${" + parameter + "}, which is no placeholder of docs/aws.md"));
                m.appendReplacement(out, Matcher.quoteReplacement(docs));
            }
            m.appendTail(out);
            return TextNode.valueOf(out.toString());
        });
    }

    /**
     * @param node a JSON tree
     * @param leaf what replaces a node, or {@code null} to keep it and transform its children
     * @return a copy of the tree with the nodes replaced
     */
    static JsonNode transform(JsonNode node, UnaryOperator<JsonNode> leaf) {
        JsonNode replaced = leaf.apply(node);
        if (replaced != null) {
            return replaced;
        }
        if (node.isArray()) {
            ArrayNode out = F.arrayNode();
            node.forEach(n -> out.add(transform(n, leaf)));
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = F.objectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey(), transform(e.getValue(), leaf)));
            return out;
        }
        return node;
    }

    /**
     * @param template the template
     * @return it as YAML, with a header that says how to regenerate it
     */
    static String yaml(ObjectNode template) {
        try {
            ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE).disable(YAMLGenerator.Feature.SPLIT_LINES).build());
            return "# Generated from shared-contracts' Routing and Tables and docs/aws.md's IAM section:\n"
                    + "# do not edit. Regenerate with\n"
                    + "#   mvn -B -ntp -o -pl policy-tests -am verify -Dtest=InfraTemplateTest "
                    + "-Dsurefire.failIfNoSpecifiedTests=false -Ddbrefresh.infra.write=true\n"
                    // YAML 1.1 readers take an unquoted 2010-09-09 for a date; CloudFormation wants the string
                    + VERSION_DATE.matcher(yaml.writeValueAsString(template)).replaceAll("$1\"$2\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param yaml the template's text
     * @return the template
     */
    static JsonNode read(String yaml) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(FILE + " does not parse as YAML", e);
        }
    }

    /** @return e.g. {@code Snapshot} for {@code dbrefresh-snapshot}, {@code SnapshotService} for {@code snapshot-service} */
    static String logicalId(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.replaceFirst("^dbrefresh-", "").split("-")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }

    private static ObjectNode resource(ObjectNode resources, String id, String type) {
        if (resources.has(id)) {
            throw new IllegalStateException("two resources named " + id);
        }
        ObjectNode r = resources.putObject(id);
        r.put("Type", type);
        return r.putObject("Properties");
    }

    /**
     * @param text a text of docs/aws.md
     * @return the text with each placeholder as a {@code ${Parameter}} reference of {@code Fn::Sub}
     */
    static String substitute(String text) {
        String replaced = text;
        for (Placeholder ph : PLACEHOLDERS) {
            replaced = ph.pattern().matcher(replaced).replaceAll(Matcher.quoteReplacement("${" + ph.parameter() + "}"));
        }
        return replaced;
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode sub(String text) {
        return F.objectNode().put("Fn::Sub", text);
    }

    private static ObjectNode ref(String name) {
        return F.objectNode().put("Ref", name);
    }

    private static ObjectNode getAtt(String resource, String attribute) {
        ObjectNode n = F.objectNode();
        n.putArray("Fn::GetAtt").add(resource).add(attribute);
        return n;
    }

    private static ObjectNode ifElse(String condition, JsonNode then, JsonNode otherwise) {
        ObjectNode n = F.objectNode();
        n.putArray("Fn::If").add(condition).add(then).add(otherwise);
        return n;
    }
}
