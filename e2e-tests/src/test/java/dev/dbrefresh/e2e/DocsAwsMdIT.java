package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * docs/aws.md as a script: every {@code ```bash} block of the page, in order, in one bash process, against an empty
 * moto with only {@code AWS_ENDPOINT_URL} (and dummy credentials) added, from the resources to a completed run of
 * the page's example plan and its audit entries read back by the page's own query. Blocks after a paragraph that
 * starts with {@code **Real AWS only:**} or {@code **When needed:**} are left out ({@link DocsBlocks}).
 *
 * <p>What the test does between the blocks, as a platform engineer would: after the set-up blocks, before the first
 * block of "Starting a run", it starts the four service jars as "Configuring the services" says
 * ({@code MICRONAUT_ENVIRONMENTS=aws}, {@code DBREFRESH_TOPIC_ARN}, {@code AWS_REGION}, {@code DBREFRESH_PLANS_FILE},
 * {@code PORT}, plus {@code AWS_ENDPOINT_URL}) with the plan of {@code k8s/configmap-plans.yaml}, its host, database,
 * connection user and store names replaced by a local PostgreSQL's (pgbench data) and its secret ARNs by those the
 * page's {@code create-secret} commands made; and before the audit query it waits for the run's end. The page's
 * {@code read -rsp} prompts get two passwords on standard input. From "Starting a run" on, moto enforces IAM and the
 * page's commands run with the access key of an IAM user that has the page's operator policy ("CLI and operators",
 * carried over as {@link MotoIam} says): starting the run and reading its audit must need nothing else.
 *
 * <p>The AWS CLI v1 (on this machine: 1.45, installed with moto) lets its own endpoint table win over
 * {@code AWS_ENDPOINT_URL} for {@code sqs} (awscli/customizations/overridesslcommonname.py): with v1 the test puts a
 * two-line {@code aws} first on the {@code PATH} that adds {@code --endpoint-url "$AWS_ENDPOINT_URL"} and nothing else.
 * Debian's v2 (2.9) reads no {@code AWS_ENDPOINT_URL} at all, so it cannot be pointed at an emulator this way.
 * Skips where moto_server is absent; fails, saying what is missing, without {@code aws}, {@code jq} or
 * {@code openssl}.
 */
class DocsAwsMdIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String PREFIX = "dbr_docs_" + SUFFIX + "_";
    private static final String REGION = "eu-west-1";
    /** The repository's directories that the page's relative paths name. */
    private static final List<String> LINKED = List.of("docs", "infra", "shared-contracts", "k8s");
    private static final Pattern SECRET_ARN = Pattern.compile(
            "arn:aws:secretsmanager:REGION:ACCOUNT_ID:secret:(dbrefresh/[A-Za-z0-9_/-]+)-[A-Za-z0-9]{6}");

    @TempDir
    static Path home;

    private static MotoStack moto;
    private static ServiceProcesses services;
    private static Process bash;

    @AfterAll
    static void stop() throws Exception {
        if (bash != null) {
            bash.destroyForcibly();
        }
        if (services != null) {
            services.close();
        }
        if (moto != null) {
            moto.close();
        }
        // the links into the repository, removed before JUnit deletes the temporary directory
        for (String dir : LINKED) {
            Files.deleteIfExists(home.resolve("work").resolve(dir));
        }
        SharedServer.dropDatabasesStartingWith(PREFIX);
        try (var c = SharedServer.connect("postgres")) {
            c.createStatement().execute("DROP ROLE IF EXISTS " + PREFIX + "reader");
        }
    }

    @Test
    void everyBashBlockOfDocsAwsMd_shouldRunAsWritten_fromAnEmptyEmulatorToACompletedRunAndItsAudit() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: docs/aws.md is not run against an emulator");
        for (String tool : List.of("aws", "jq", "openssl")) {
            assertThat(run("command -v " + tool)).as("%s on the PATH (docs/aws.md needs it; scripts/ensure-tools.sh)",
                    tool).isNotBlank();
        }
        List<DocsBlocks.Block> blocks = DocsBlocks.parse(Files.readString(ROOT.resolve("docs/aws.md")));
        Path work = Files.createDirectories(home.resolve("work"));
        // the page's relative paths (infra/..., docs/...) are the repository's; what it writes stays here
        for (String dir : LINKED) {
            Files.createSymbolicLink(work.resolve(dir), ROOT.resolve(dir));
        }
        Path hooks = Files.createDirectories(home.resolve("hooks"));
        Path script = home.resolve("docs-aws.sh");
        Files.writeString(script, script(blocks));

        new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null))
                .ensurePgbenchSource(PREFIX + "production", 1);
        moto = MotoStack.startEmpty(home.resolve("moto.log"));
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(home.resolve("docs-aws.out").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_") && !k.equals("AWS_CA_BUNDLE"));
        env.put("AWS_ENDPOINT_URL", moto.endpoint());
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("DOCS_TEST_HOOKS", hooks.toString());
        if (run("aws --version 2>&1").startsWith("aws-cli/1.")) {
            Path bin = Files.createDirectories(home.resolve("bin"));
            Path aws = bin.resolve("aws");
            Files.writeString(aws, "#!/bin/sh\nexec " + run("command -v aws").trim()
                    + " --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"\n");
            aws.toFile().setExecutable(true);
            env.put("PATH", bin + ":" + env.get("PATH"));
        }
        bash = pb.start();
        try (OutputStream in = bash.getOutputStream()) {
            // the two `read -rsp` password prompts of "Secrets"
            in.write("source-pw\ntarget-pw\n".getBytes(StandardCharsets.UTF_8));
        }

        Map<String, String> vars = await(hooks, "services");
        Path plans = plans();
        // From here on moto enforces IAM: the page's operator commands run with the operator policy of its
        // "CLI and operators" (as moto can check it, MotoIam), the services and the test's own calls as an admin.
        IamClient iam = moto.client(IamClient.builder(), REGION);
        AccessKey admin = MotoIam.admin(iam);
        AccessKey operator = MotoIam.user(iam, "dbrefresh-operator", Map.of("dbrefresh-operator",
                new ObjectMapper().writeValueAsString(MotoIam.asMotoChecksIt(operatorPolicy()))));
        MotoCloudFormation.enforceIam(moto.endpoint());
        moto.useCredentials(admin.accessKeyId(), admin.secretAccessKey());
        services = ServiceProcesses.start(ROOT, home, plans, Map.of("MICRONAUT_ENVIRONMENTS", "aws",
                "DBREFRESH_TOPIC_ARN", vars.get("TOPIC_ARN"), "AWS_REGION", vars.get("AWS_REGION"),
                "AWS_ENDPOINT_URL", moto.endpoint(), "AWS_ACCESS_KEY_ID", admin.accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", admin.secretAccessKey()), List.of(), Duration.ofSeconds(120));
        Files.writeString(hooks.resolve("services.go"), "export AWS_ACCESS_KEY_ID=" + operator.accessKeyId()
                + " AWS_SECRET_ACCESS_KEY=" + operator.secretAccessKey() + "\n");

        String runId = await(hooks, "completed").get("RUN_ID");
        List<AuditEntry> entries = LocalStackRunner.follow(new DynamoDbAuditLog(moto.client(DynamoDbClient.builder(),
                REGION), "dbrefresh-audit"), runId, Duration.ofMinutes(3), System.out);
        Files.writeString(hooks.resolve("completed.go"), "");
        assertThat(bash.waitFor(2, TimeUnit.MINUTES)).as("the script's end").isTrue();
        String out = Files.readString(home.resolve("docs-aws.out"));

        assertThat(bash.exitValue()).as("exit status of docs/aws.md's blocks; output:\n%s", out).isZero();
        assertThat(entries).as("the run %s (logs in %s)", runId, services.logDir())
                .anyMatch(e -> e.service().equals("notifier-service") && e.step().equals("notify")
                        && e.status().equals("succeeded"));
        String audit = out.substring(out.lastIndexOf("### docs/aws.md line"));
        assertThat(audit).as("what the page's audit query printed").contains("aws dynamodb query")
                .containsPattern("#notifier-service#[^\\s]*#notify#succeeded")
                .containsPattern("#users-service#[^\\s]*#verify#succeeded");
        // moto logs one line per request, ending in its status: "POST / HTTP/1.1" 200 -
        assertThat(Files.readString(home.resolve("moto.log"))).as("moto's answers").contains("\" 200 ")
                .doesNotContain("\" 403 ");
        LocalPostgres pg = new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null));
        assertThat(pg.rowCounts(PREFIX + "acceptance")).isEqualTo(pg.rowCounts(PREFIX + "production"));
        List<String> run = blocks.stream().filter(DocsBlocks.Block::runs).map(b -> "line " + b.line()).toList();
        System.out.println("docs/aws.md: ran the blocks of " + run + "; left out " + blocks.stream()
                .filter(b -> !b.runs()).map(b -> "line " + b.line() + " (" + b.marker().orElseThrow() + ")").toList());
    }

    /**
     * The page's blocks to run, in order, each after an {@code echo} of its line and its first line (so the output
     * says which block printed what), with two waits for the test: {@code services} before the first block of
     * "Starting a run", {@code completed} before the block that queries the audit table.
     */
    private static String script(List<DocsBlocks.Block> blocks) {
        StringBuilder s = new StringBuilder("""
                set -eo pipefail
                # the test's waits: tell the test which variables the page set, then wait for it
                docs_test_wait() {
                  declare -p AWS_REGION TOPIC_ARN RUN_ID 2>/dev/null > "$DOCS_TEST_HOOKS/$1.tmp" || true
                  mv "$DOCS_TEST_HOOKS/$1.tmp" "$DOCS_TEST_HOOKS/$1.reached"
                  until [ -e "$DOCS_TEST_HOOKS/$1.go" ]; do sleep 0.2; done
                  . "$DOCS_TEST_HOOKS/$1.go"
                }
                """);
        boolean servicesStarted = false;
        for (DocsBlocks.Block b : blocks) {
            if (!b.runs()) {
                continue;
            }
            if (!servicesStarted && b.heading().equals("Starting a run")) {
                s.append("docs_test_wait services\n");
                servicesStarted = true;
            }
            if (b.text().contains("--table-name dbrefresh-audit") && b.text().contains("aws dynamodb query")) {
                s.append("docs_test_wait completed\n");
            }
            s.append("echo '### docs/aws.md line ").append(b.line()).append(": ")
                    .append(b.text().lines().findFirst().orElse("").replace("'", "")).append("'\n");
            s.append(b.text());
        }
        assertThat(servicesStarted).as("docs/aws.md has a \"## Starting a run\" block to run").isTrue();
        assertThat(s.toString()).as("docs/aws.md runs an audit query").contains("docs_test_wait completed");
        return s.toString();
    }

    /** Waits (at most 5 min) until the script reached a wait, and returns the variables it reported there. */
    private static Map<String, String> await(Path hooks, String name) throws Exception {
        Path reached = hooks.resolve(name + ".reached");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(reached)) {
            assertThat(bash.isAlive()).as("docs/aws.md's blocks ended (status %s) before \"%s\"; output:\n%s",
                    bash.isAlive() ? "" : bash.exitValue(), name, Files.readString(home.resolve("docs-aws.out")))
                    .isTrue();
            assertThat(System.nanoTime()).as("the script reaching \"%s\"", name).isLessThan(deadline);
            Thread.sleep(200);
        }
        Map<String, String> vars = new LinkedHashMap<>();
        Matcher m = Pattern.compile("declare -\\S+ (\\w+)=\"([^\"]*)\"").matcher(Files.readString(reached));
        while (m.find()) {
            vars.put(m.group(1), m.group(2));
        }
        return vars;
    }

    /**
     * {@code k8s/configmap-plans.yaml}'s plans file with this machine's PostgreSQL in place of the example servers,
     * and the secrets the page made.
     */
    private static Path plans() throws IOException {
        String configMap = Files.readString(ROOT.resolve("k8s/configmap-plans.yaml"));
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : configMap.split("\n")) {
            if (line.trim().equals("plans.yml: |")) {
                in = true;
            } else if (in && (line.isBlank() || line.startsWith("    "))) {
                lines.add(line.isBlank() ? "" : line.substring(4));
            } else if (in) {
                break;
            }
        }
        String plans = String.join("\n", lines) + "\n";
        SecretsManagerClient secrets = moto.client(SecretsManagerClient.builder(), REGION);
        Matcher m = SECRET_ARN.matcher(plans);
        StringBuilder replaced = new StringBuilder();
        while (m.find()) {
            String arn = secrets.describeSecret(r -> r.secretId(m.group(1))).arn();
            m.appendReplacement(replaced, Matcher.quoteReplacement(arn));
        }
        m.appendTail(replaced);
        plans = replaced.toString()
                .replaceAll("host: [a-z0-9.-]+\\.example\\.com", "host: 127.0.0.1")
                .replace("database: orders_production", "database: " + PREFIX + "production")
                .replace("database: orders_acceptance", "database: " + PREFIX + "acceptance")
                .replaceAll("username: dbrefresh_(reader|admin)", "username: postgres")
                .replace("/var/lib/dbrefresh/store", home.resolve("store").toString())
                .replace("name: app_reader", "name: " + PREFIX + "reader");
        assertThat(plans).as("the plans of k8s/configmap-plans.yaml, made local").contains("orders-acceptance:")
                .doesNotContain("example.com", "REGION", "ACCOUNT_ID", "/var/lib/");
        Path file = home.resolve("plans.yml");
        Files.writeString(file, plans);
        return file;
    }

    /** @return the operator policy of docs/aws.md's "### CLI and operators", for moto's region and account */
    private static JsonNode operatorPolicy() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/aws.md"));
        int section = page.indexOf("\n### CLI and operators\n");
        assertThat(section).as("docs/aws.md's \"### CLI and operators\"").isPositive();
        int start = page.indexOf("```json\n", section) + "```json\n".length();
        String json = page.substring(start, page.indexOf("\n```", start));
        return new ObjectMapper().readTree(json.replace("REGION", REGION).replace("ACCOUNT_ID", "123456789012"));
    }

    /** @return what {@code bash -c command} printed (empty when it printed nothing) */
    private static String run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
