package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Least privilege, proved against the code: for each service, the IAM actions its compiled code can call
 * ({@link SdkCallGraph}, {@link CodeActions}) must be exactly the actions docs/aws.md's "## IAM" section grants
 * it ("### &lt;service&gt;" plus its part of the "additional statements" sections), with the state tables, the own
 * queue and the plan parameters as resources; the operator's policy must be exactly what the documented operator
 * commands call.
 *
 * <p>It reads the services' {@code target/classes} (built by {@code -am}) and docs/aws.md; it starts nothing.
 */
class LeastPrivilegeTest {

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();

    /** The sections whose ```bash blocks are the operator's commands. */
    static final List<String> OPERATOR_SECTIONS = List.of("Starting a run", "When a message ends in a DLQ",
            "Clearing a stuck lease");

    static SdkCallGraph graph(String service) {
        return new SdkCallGraph(List.of(ROOT.resolve(service).resolve("target/classes")),
                shippedWith(service).stream().map(m -> ROOT.resolve(m).resolve("target/classes")).toList());
    }

    /**
     * @param module a module of this repository
     * @return the repository's modules it depends on at compile scope, transitively (the platform, contracts and
     *         the engine modules a service hosts: what ships in its jar)
     */
    static java.util.Set<String> shippedWith(String module) {
        java.util.Set<String> found = new java.util.TreeSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(module));
        Pattern dep = Pattern.compile("<dependency>\\s*(?:<!--.*?-->\\s*)?<groupId>dev\\.dbrefresh</groupId>\\s*"
                + "<artifactId>([\\w-]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL);
        while (!todo.isEmpty()) {
            String pom;
            try {
                pom = Files.readString(ROOT.resolve(todo.pop()).resolve("pom.xml"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Matcher m = dep.matcher(pom);
            while (m.find()) {
                if (!m.group(2).contains("<scope>") && found.add(m.group(1))) {
                    todo.push(m.group(1));
                }
            }
        }
        return found;
    }

    static String queue(String service) throws IOException {
        String yml = Files.readString(ROOT.resolve(service).resolve("src/main/resources/application.yml"));
        Matcher m = Pattern.compile("(?m)^\\s+queue:\\s*(\\S+)\\s*$").matcher(yml);
        assertTrue(m.find(), service + "/src/main/resources/application.yml names no dbrefresh.messaging.queue");
        return m.group(1);
    }

    static IamPolicyDocs docs() throws IOException {
        return new IamPolicyDocs(Files.readString(ROOT.resolve("docs/aws.md")));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void servicePolicyIsExactlyWhatItsCodeCalls(String service) throws IOException {
        CodeActions code = new CodeActions(graph(service), queue(service));
        assertTrue(code.unknown().isEmpty(), service + ": SDK uses the test cannot map to IAM actions:\n  "
                + String.join("\n  ", code.unknown()));
        StringBuilder found = new StringBuilder(service + " calls:\n");
        code.needs().values().forEach(n -> found.append("  ").append(n.action())
                .append(n.resources().isEmpty() ? "" : " on " + n.resources().keySet()).append("\n      from ")
                .append(String.join(", ", n.callers())).append('\n'));
        System.out.print(found);

        List<String> failures = PolicyCheck.compare(service, code.needs(), docs().statements(service));
        assertTrue(failures.isEmpty(), failures.size() + " difference(s) between " + service
                + "'s code and its policy in docs/aws.md:\n  " + String.join("\n  ", failures));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void trustPolicyLetsTheServiceAccountAssumeTheRole(String service) throws IOException {
        CodeActions code = new CodeActions(graph(service), queue(service));
        assertTrue(code.usesWebIdentity(), service + " no longer uses the default credentials chain: check the "
                + "trust policy of docs/aws.md (\"### Trust policy (all four roles)\")");
        var trust = docs().statements("trust");
        assertTrue(trust.stream().anyMatch(s -> s.actions().contains("sts:AssumeRoleWithWebIdentity")),
                "docs/aws.md \"### Trust policy (all four roles)\" must allow sts:AssumeRoleWithWebIdentity: " + service
                        + " gets its credentials from the IRSA web identity token (DefaultCredentialsProvider)");
    }

    @Test
    void operatorPolicyIsExactlyWhatTheDocumentedCommandsCall() throws IOException {
        IamPolicyDocs docs = docs();
        Map<String, CodeActions.Need> needs = operatorNeeds(docs);
        assertFalse(needs.isEmpty(), "no aws command found in the sections " + OPERATOR_SECTIONS + " of docs/aws.md");
        List<String> failures = PolicyCheck.compare("operator", needs, docs.statements("operator"));
        assertTrue(failures.isEmpty(), failures.size() + " difference(s) between the operator commands of docs/aws.md "
                + OPERATOR_SECTIONS + " and the policy under \"### CLI and operators\":\n  " + String.join("\n  ", failures));
    }

    /**
     * The operator's needs: each documented {@code aws} command's action, on the table it names on the same line; a DLQ redrive ({@code start-message-move-task}) also receives and deletes on the DLQ, reads its
     * attributes, and sends to the destination (SQS developer guide, permissions for dead-letter queue redrive).
     */
    static Map<String, CodeActions.Need> operatorNeeds(IamPolicyDocs docs) {
        Map<String, CodeActions.Need> needs = new TreeMap<>();
        for (String section : OPERATOR_SECTIONS) {
            for (IamPolicyDocs.CliCall call : docs.cliCalls(section)) {
                String where = "docs/aws.md line " + call.line() + ", aws " + call.service() + " " + call.command();
                CodeActions.Need need = needs.computeIfAbsent(call.action(),
                        a -> new CodeActions.Need(a, new TreeSet<>(), new TreeMap<>()));
                need.callers().add(where);
                if (call.table() != null) {
                    need.resources().computeIfAbsent("arn:aws:dynamodb:REGION:ACCOUNT_ID:table/" + call.table(),
                            r -> new TreeSet<>()).add(where);
                }
                if (call.command().equals("start-message-move-task")) {
                    for (String a : List.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                            "sqs:SendMessage")) {
                        needs.computeIfAbsent(a, x -> new CodeActions.Need(x, new TreeSet<>(), new TreeMap<>()))
                                .callers().add(where + " (redrive)");
                    }
                }
            }
        }
        return needs;
    }

    @Test
    void theCallGraphSeesTheHeartbeatEverywhereAndTheRunListingNowhere() {
        for (String service : List.of("snapshot-service", "cluster-service", "users-service", "notifier-service")) {
            SdkCallGraph g = graph(service);
            assertTrue(g.isReachable("dev/dbrefresh/runtime/messaging/SqsConsumer", "pollLoop"),
                    service + ": the consumer loop is not reachable; the call graph misses the framework's entry points");
            // the ports are interfaces: the call graph must reach the DynamoDB adapter's method behind them
            assertTrue(g.isReachable("dev/dbrefresh/runtime/idempotency/DynamoDbIdempotencyStore", "extend"),
                    service + ": the idempotency heartbeat (DynamoDbIdempotencyStore.extend) is not reachable");
            // AuditLog.runs (a Scan of the audit table) is called by the local CLI only, never by a service
            assertFalse(g.isReachable("dev/dbrefresh/runtime/audit/AuditLog", "runs"),
                    service + ": AuditLog.runs is reachable; the call graph is wider than the code");
            assertFalse(g.isReachable("dev/dbrefresh/runtime/audit/DynamoDbAuditLog", "runs"),
                    service + ": DynamoDbAuditLog.runs is reachable; the call graph is wider than the code");
        }
    }

    @Test
    void theCallGraphFollowsCallsLambdasAndCallbacksOnly() throws Exception {
        Path classes = Path.of(LeastPrivilegeTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dev/dbrefresh/policy/fixture");
        SdkCallGraph g = new SdkCallGraph(List.of(classes.resolve("root")), List.of(classes.resolve("lib")));
        CodeActions code = new CodeActions(g, "fixture-queue");
        assertEquals(List.of(), code.unknown());
        // put(), the paginator of scanAll(), the called Finder's GetItem, and the Runnable's run() and helper();
        // not the Query of a Counter nobody calls, not describe(), not the class nobody references
        assertEquals(List.of("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
                "dynamodb:UpdateItem"), List.copyOf(code.needs().keySet()));
        assertFalse(code.usesWebIdentity());
    }

    @Test
    void aWildcardOverTheStateTablesIsTooWide() {
        String markdown = String.join("\n", "## IAM", "", "### notifier-service", "", "```json",
                "[{\"Sid\":\"Tables\",\"Effect\":\"Allow\",\"Action\":[\"dynamodb:DeleteItem\",\"dynamodb:ListTables\"],",
                "\"Resource\":\"*\"}]", "```", "");
        Map<String, CodeActions.Need> needs = new TreeMap<>();
        needs.put("dynamodb:DeleteItem", new CodeActions.Need("dynamodb:DeleteItem", new TreeSet<>(List.of("X.release")),
                new TreeMap<>(Map.of("arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-leases", Set.of("X.release")))));
        needs.put("dynamodb:ListTables", new CodeActions.Need("dynamodb:ListTables", new TreeSet<>(List.of("X.names")),
                new TreeMap<>()));
        List<String> failures = PolicyCheck.compare("notifier-service", needs,
                new IamPolicyDocs(markdown).statements("notifier-service"));
        assertEquals(List.of(
                "docs/aws.md line 5 (\"### notifier-service\", Sid Tables) grants dynamodb:DeleteItem on * to "
                        + "notifier-service, but its code never calls dynamodb:DeleteItem on "
                        + "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-audit",
                "docs/aws.md line 5 (\"### notifier-service\", Sid Tables) grants dynamodb:DeleteItem on * to "
                        + "notifier-service, but its code never calls dynamodb:DeleteItem on "
                        + "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-idempotency"),
                failures.stream().sorted().toList());
    }

    @Test
    void theComparisonNamesAMissingAndAnExtraAction() {
        String markdown = String.join("\n", "## IAM", "", "### users-service", "", "```json",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Tables\",\"Effect\":\"Allow\",",
                "\"Action\":[\"dynamodb:PutItem\",\"dynamodb:Query\"],",
                "\"Resource\":\"arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-leases\"}]}", "```", "");
        Map<String, CodeActions.Need> needs = new TreeMap<>();
        needs.put("dynamodb:PutItem", new CodeActions.Need("dynamodb:PutItem", new TreeSet<>(List.of("X.acquire")),
                new TreeMap<>(Map.of("arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-idempotency",
                        Set.of("X.acquire")))));
        needs.put("dynamodb:UpdateItem", new CodeActions.Need("dynamodb:UpdateItem", new TreeSet<>(List.of("X.renew")),
                new TreeMap<>()));
        List<String> failures = PolicyCheck.compare("users-service", needs,
                new IamPolicyDocs(markdown).statements("users-service"));
        List<String> expected = new ArrayList<>(List.of(
                "users-service calls dynamodb:PutItem on arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-idempotency",
                "users-service calls dynamodb:UpdateItem (X.renew) but no statement",
                "docs/aws.md line 5 (\"### users-service\", Sid Tables) grants dynamodb:PutItem on "
                        + "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/dbrefresh-leases to users-service, but its code never",
                "docs/aws.md line 5 (\"### users-service\", Sid Tables) grants dynamodb:Query to users-service, which its "
                        + "code never calls"));
        assertEquals(expected.size(), failures.size(), String.join("\n", failures));
        for (String e : expected) {
            assertTrue(failures.stream().anyMatch(f -> f.startsWith(e)), "no failure starts with: " + e + "\n"
                    + String.join("\n", failures));
        }
    }
}
