package dev.dbrefresh.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objectweb.asm.Type;

/**
 * The IAM actions a service's code needs, derived from the AWS SDK v2 uses of {@link SdkCallGraph}.
 *
 * <ul>
 *   <li>A method of a client interface ({@code software.amazon.awssdk.services.<pkg>.<Name>Client}) is an API
 *       operation when it returns {@code <pkg>.model.<Op>Response} or a paginator {@code <pkg>.paginators.<Op>Iterable}
 *       ({@code scanPaginator} is {@code Scan}); its IAM action is {@code <prefix>:<Op>}, with the prefix of
 *       {@link #IAM_PREFIX} (DocumentDB's management API is authorized as {@code rds:}). Client methods that are not
 *       operations ({@code close}, {@code serviceClientConfiguration}, ...) are skipped; anything else (a waiter, an
 *       SDK package without a prefix here) is reported as {@link #unknown()} so that the test fails rather than
 *       guess.</li>
 *   <li>Actions an operation needs besides its own ({@link #impliedBy}), as AWS documents them: DynamoDB's
 *       {@code RestoreTableFromBackup} needs read and write actions on the new table; an RDS/DocumentDB request
 *       builder's {@code tags(...)} needs {@code rds:AddTagsToResource}, its {@code kmsKeyId(...)} the KMS grant
 *       actions, {@code finalDBSnapshotIdentifier(...)} of a cluster delete {@code rds:CreateDBClusterSnapshot};
 *       an {@code StsAssumeRoleCredentialsProvider} calls {@code sts:AssumeRole}. KMS actions of encrypted queues,
 *       topics, SecureString parameters and secrets depend on how the resources are created, not on the code,
 *       and are not derived.</li>
 *   <li>Resources, where the code fixes them: a DynamoDB call from a class whose constructor takes exactly one
 *       {@code @Value("${dbrefresh.tables.<x>:<table>}")} acts on {@code table/<table>}; the consumer's queue
 *       calls ({@code SqsConsumer}) act on the service's own queue; {@code GetParametersByPath} acts on
 *       {@code parameter/dbrefresh/plans/*} when the reachable code builds that prefix.</li>
 * </ul>
 */
final class CodeActions {

    /** SDK package to IAM service prefix. */
    static final Map<String, String> IAM_PREFIX = Map.ofEntries(Map.entry("sqs", "sqs"), Map.entry("sns", "sns"),
            Map.entry("dynamodb", "dynamodb"), Map.entry("ssm", "ssm"), Map.entry("secretsmanager", "secretsmanager"),
            Map.entry("rds", "rds"), Map.entry("docdb", "rds"), Map.entry("codepipeline", "codepipeline"),
            Map.entry("kms", "kms"), Map.entry("ec2", "ec2"), Map.entry("sts", "sts"));

    private static final Pattern CLIENT = Pattern.compile("software/amazon/awssdk/services/([a-z0-9]+)/[A-Za-z0-9]+Client");
    private static final Pattern RESPONSE = Pattern.compile("software/amazon/awssdk/services/([a-z0-9]+)/model/(\\w+)Response");
    private static final Pattern PAGINATOR = Pattern.compile("software/amazon/awssdk/services/([a-z0-9]+)/paginators/(\\w+)Iterable");
    private static final Pattern RDS_BUILDER = Pattern.compile(
            "software/amazon/awssdk/services/(rds|docdb)/model/(\\w+)Request\\$Builder");
    private static final Set<String> NOT_OPERATIONS = Set.of("close", "serviceName", "serviceClientConfiguration",
            "utilities", "builder", "create");
    /** Request builders (the SDK spells {@code DB} as {@code Db} in class names) whose tags and key need more. */
    private static final Set<String> TAGGING_REQUESTS = Set.of("CopyDbClusterSnapshot", "RestoreDbClusterFromSnapshot",
            "CreateDbInstance");
    static final String OWN_QUEUE_CLASS = "dev/dbrefresh/runtime/messaging/SqsConsumer";
    static final String PLAN_PARAMETERS_PREFIX = "/dbrefresh/plans/";
    static final String PLAN_PARAMETERS_ARN = "arn:aws:ssm:REGION:ACCOUNT_ID:parameter/dbrefresh/plans/*";
    private static final Pattern TABLE_VALUE = Pattern.compile("\\$\\{dbrefresh\\.tables\\.[a-z-]+:([A-Za-z0-9_.-]+)}");

    /**
     * An action the code needs, who needs it, and the resources the code fixes for it (possibly none), each with
     * the callers that act on it.
     */
    record Need(String action, Set<String> callers, Map<String, Set<String>> resources) {
    }

    private final Map<String, Need> needs = new TreeMap<>();
    private final List<String> unknown = new ArrayList<>();
    private final boolean webIdentity;

    /**
     * @param graph the service's call graph
     * @param queue the service's own queue name, e.g. {@code dbrefresh-snapshot}
     */
    CodeActions(SdkCallGraph graph, String queue) {
        boolean defaultChain = false;
        for (SdkCallGraph.SdkUse use : graph.externalCalls("software/amazon/awssdk/")) {
            String callerClass = use.caller().substring(0, use.caller().lastIndexOf('.')).replace('.', '/');
            Matcher client = CLIENT.matcher(use.owner());
            Matcher builder = RDS_BUILDER.matcher(use.owner());
            if (client.matches()) {
                String op = operation(use);
                if (op == null) {
                    if (!NOT_OPERATIONS.contains(use.name())) {
                        unknown.add("SDK client method " + use.owner() + "." + use.name() + " from " + use.caller()
                                + " is neither an operation nor known to make no call: map it in CodeActions");
                    }
                    continue;
                }
                String prefix = IAM_PREFIX.get(client.group(1));
                if (prefix == null) {
                    unknown.add("no IAM prefix for SDK package '" + client.group(1) + "' (" + use.owner() + "." + use.name()
                            + " from " + use.caller() + ")");
                    continue;
                }
                String action = prefix + ":" + op;
                add(action, use.caller(), resource(graph, callerClass, prefix, queue));
                for (String implied : impliedBy(action)) {
                    add(implied, use.caller() + " (" + action + ")", null);
                }
            } else if (builder.matches()) {
                String request = builder.group(2);
                if (use.name().equals("tags") && TAGGING_REQUESTS.contains(request)) {
                    add("rds:AddTagsToResource", use.caller() + " (" + request.replace("Db", "DB") + " with tags)", null);
                } else if (use.name().equals("kmsKeyId") && TAGGING_REQUESTS.contains(request)) {
                    add("kms:CreateGrant", use.caller() + " (" + request.replace("Db", "DB") + " with KmsKeyId)", null);
                    add("kms:DescribeKey", use.caller() + " (" + request.replace("Db", "DB") + " with KmsKeyId)", null);
                    if (request.equals("CopyDbClusterSnapshot")) {
                        add("kms:Decrypt", use.caller() + " (CopyDBClusterSnapshot of an encrypted snapshot)", null);
                    }
                } else if (use.name().equals("finalDBSnapshotIdentifier") && request.equals("DeleteDbCluster")) {
                    add("rds:CreateDBClusterSnapshot", use.caller() + " (DeleteDBCluster with a final snapshot)", null);
                }
            } else if (use.owner().equals("software/amazon/awssdk/services/sts/auth/StsAssumeRoleCredentialsProvider")) {
                add("sts:AssumeRole", use.caller() + " (StsAssumeRoleCredentialsProvider)", null);
            } else if (use.owner().contains("/waiters/")) {
                unknown.add("SDK waiter " + use.owner() + "." + use.name() + " from " + use.caller()
                        + ": map its polled operation in CodeActions");
            } else if (use.owner().equals("software/amazon/awssdk/auth/credentials/DefaultCredentialsProvider")) {
                defaultChain = true;
            }
        }
        this.webIdentity = defaultChain;
        Set<String> planPrefix = graph.methodsContaining(PLAN_PARAMETERS_PREFIX);
        Need byPath = needs.get("ssm:GetParametersByPath");
        if (byPath != null && !planPrefix.isEmpty()) {
            byPath.callers().addAll(planPrefix);
            byPath.resources().computeIfAbsent(PLAN_PARAMETERS_ARN, r -> new TreeSet<>()).addAll(planPrefix);
        }
    }

    /**
     * @param action an IAM action the code calls
     * @return the further actions AWS requires for it
     */
    static Set<String> impliedBy(String action) {
        if (action.equals("dynamodb:RestoreTableFromBackup")) {
            // "DynamoDB read and write permissions on the target table are necessary for restore functionality"
            // (DynamoDB developer guide, Using IAM with DynamoDB backup and restore)
            return Set.of("dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                    "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem");
        }
        return Set.of();
    }

    /**
     * The operation of a client method: the method's name with a capital letter (the SDK's class names spell
     * {@code DB} as {@code Db}, its method names keep the API's spelling), without the {@code Paginator} suffix.
     */
    private static String operation(SdkCallGraph.SdkUse use) {
        Type returned = Type.getReturnType(use.descriptor());
        if (returned.getSort() != Type.OBJECT) {
            return null;
        }
        boolean response = RESPONSE.matcher(returned.getInternalName()).matches();
        boolean paginator = PAGINATOR.matcher(returned.getInternalName()).matches();
        if (!response && !paginator) {
            return null;
        }
        String name = paginator && use.name().endsWith("Paginator")
                ? use.name().substring(0, use.name().length() - "Paginator".length()) : use.name();
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    private String resource(SdkCallGraph graph, String callerClass, String prefix, String queue) {
        if (prefix.equals("dynamodb")) {
            List<String> tables = graph.constructorValues(callerClass).stream().map(TABLE_VALUE::matcher)
                    .filter(Matcher::matches).map(m -> m.group(1)).toList();
            return tables.size() == 1 ? "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/" + tables.get(0) : null;
        }
        if (prefix.equals("sqs") && callerClass.equals(OWN_QUEUE_CLASS)) {
            return "arn:aws:sqs:REGION:ACCOUNT_ID:" + queue;
        }
        return null;
    }

    private void add(String action, String caller, String resource) {
        Need need = needs.computeIfAbsent(action, a -> new Need(a, new TreeSet<>(), new TreeMap<>()));
        need.callers().add(caller);
        if (resource != null) {
            need.resources().computeIfAbsent(resource, r -> new TreeSet<>()).add(caller);
        }
    }

    /** @return the actions the code needs, by action */
    Map<String, Need> needs() {
        return needs;
    }

    /** @return SDK uses the rules above cannot map (the test fails on any) */
    List<String> unknown() {
        return unknown;
    }

    /** @return whether the code uses the default credentials chain (IRSA: {@code sts:AssumeRoleWithWebIdentity}) */
    boolean usesWebIdentity() {
        return webIdentity;
    }
}
