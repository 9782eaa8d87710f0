package dev.dbrefresh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * moto ({@code moto_server} 5.2, a process on a free port) as the AWS of an end-to-end test ({@link AwsEmulator}):
 * SNS (SQS subscriptions with filter policies and raw delivery), SQS, SSM, DynamoDB with backups and restores, RDS
 * with Aurora, KMS, EC2, Secrets Manager, IAM with enforcement switched on at run time, CloudFormation. One account
 * ({@code 123456789012}), dummy credentials {@code test}/{@code test}. Tests using it skip where
 * {@code moto_server} is not on the PATH.
 */
public final class MotoStack extends AwsEmulator {

    /** The region of every client and service. */
    public static final String REGION = "us-east-1";

    private final Process process;
    private final Path log;
    private final Path recording;

    private MotoStack(Process process, String endpoint, Path log, Path recording) {
        super(endpoint, REGION, "test", "test");
        this.process = process;
        this.log = log;
        this.recording = recording;
    }

    /** @return whether {@code moto_server} is on the PATH */
    public static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, "moto_server").canExecute()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts moto on a free port and creates the messaging resources and tables.
     *
     * @param log where moto's output goes
     * @return the running stack
     * @throws Exception when moto does not start within 30 s
     */
    static MotoStack start(Path log) throws Exception {
        MotoStack stack = startEmpty(log);
        stack.createResources();
        return stack;
    }

    /**
     * Starts moto on a free port with nothing in it.
     *
     * @param log where moto's output goes
     * @return the running, empty emulator
     * @throws Exception when moto does not start within 30 s
     */
    static MotoStack startEmpty(Path log) throws Exception {
        return startEmpty(log, null);
    }

    /**
     * Starts moto on a free port with its recorder on, then creates the messaging resources and tables with the given
     * visibility timeout of the service queues. moto's recorder writes every request it answers (headers and body)
     * to a file, one JSON object a line, when started with {@code MOTO_ENABLE_RECORDING} and
     * {@code MOTO_RECORDER_FILEPATH} (moto 5.2.1's {@code moto/moto_api/_internal/recorder/models.py}); read it back
     * with {@link #recordedCalls()}. moto has no state transitions for RDS or DynamoDB (its state manager covers other
     * services), so this is how a test counts the calls the services made.
     *
     * @param log                      where moto's output goes
     * @param recording                where the recorder writes (created or appended to)
     * @param visibilityTimeoutSeconds the service queues' visibility timeout, seconds
     * @return the running stack
     * @throws Exception when moto does not start within 30 s
     */
    public static MotoStack startRecording(Path log, Path recording, int visibilityTimeoutSeconds) throws Exception {
        MotoStack stack = startEmpty(log, recording);
        stack.createResources(visibilityTimeoutSeconds);
        return stack;
    }

    private static MotoStack startEmpty(Path log, Path recording) throws Exception {
        int port = LocalAws.freePort();
        ProcessBuilder pb = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        if (recording != null) {
            pb.environment().put("MOTO_ENABLE_RECORDING", "true");
            pb.environment().put("MOTO_RECORDER_FILEPATH", recording.toAbsolutePath().toString());
        }
        Process p = pb.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("moto_server did not start; see " + log);
                }
                Thread.sleep(200);
            }
        }
        return new MotoStack(p, "http://127.0.0.1:" + port, log, recording);
    }

    @Override
    public String name() {
        return "moto";
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.allOf(Capability.class);
    }

    @Override
    protected String whyNot(Capability capability) {
        throw new IllegalArgumentException("moto has " + capability);
    }

    /**
     * Deploys {@code infra/cloudformation/dbrefresh.yaml} with {@code CreateStack} in place of
     * {@link #createResources()}. moto 5.2's CloudFormation skips {@code AWS::SNS::Subscription}: the
     * subscriptions are made through the SNS API with the routing table's filter policies and raw delivery, which
     * are the template's own (policy-tests' {@code InfraTemplateTest} and {@code InfraTemplateMotoTest} check
     * that the template's subscriptions are the routing table's).
     *
     * @param template   the template file
     * @param parameters the stack's parameters
     * @return the physical id of each resource moto made, by logical id
     * @throws Exception when the stack does not reach CREATE_COMPLETE
     */
    Map<String, String> deployTemplate(Path template, Map<String, String> parameters) throws Exception {
        Map<String, String> ids = MotoCloudFormation.createStack(endpoint(), REGION, "dbrefresh",
                Files.readString(template), parameters);
        subscribeQueuesTo(ids.get("EventsTopic"));
        return ids;
    }

    /**
     * @return how many requests moto has answered with 403 so far (moto logs one line per request, ending in its
     *         status: {@code "POST / HTTP/1.1" 200 -})
     * @throws IOException when its log cannot be read
     */
    long refusedRequests() throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("\" 403 ")).count();
    }

    /**
     * @return how many requests moto has answered with 200 so far
     * @throws IOException when its log cannot be read
     */
    long answeredRequests() throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("\" 200 ")).count();
    }

    /**
     * The requests moto answered since it started, from its recorder ({@link #startRecording}), each as one line:
     * the operation, then its parameters. For the query protocol (RDS, SNS, ...) the operation is the form's
     * {@code Action} and the parameters are the decoded form ({@code Action=RestoreDBClusterFromSnapshot&...}); for
     * the JSON protocol (DynamoDB, SSM, ...) the operation is what follows the dot of the {@code X-Amz-Target}
     * header ({@code DynamoDB_20120810.RestoreTableFromBackup}) and the parameters are the JSON body.
     *
     * @return one line per request, in the order moto answered them, e.g.
     *         {@code RestoreDBClusterFromSnapshot Action=RestoreDBClusterFromSnapshot&DBClusterIdentifier=acc&...}
     * @throws IllegalStateException when the recorder is off (moto not started by {@link #startRecording})
     * @throws IOException           when the recording cannot be read
     */
    public List<String> recordedCalls() throws IOException {
        if (recording == null) {
            throw new IllegalStateException("moto was started without its recorder; use startRecording");
        }
        List<String> calls = new ArrayList<>();
        if (!Files.exists(recording)) {
            return calls;
        }
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(recording)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode request = json.readTree(line);
            String body = request.path("body").asText("");
            if (request.path("body_encoded").asBoolean(false)) {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            }
            String target = null;
            for (var header : (Iterable<Map.Entry<String, JsonNode>>) request.path("headers")::fields) {
                if (header.getKey().equalsIgnoreCase("X-Amz-Target")) {
                    target = header.getValue().asText();
                }
            }
            String operation;
            if (target != null) {
                operation = target.substring(target.lastIndexOf('.') + 1);
            } else {
                body = URLDecoder.decode(body, StandardCharsets.UTF_8);
                operation = "";
                for (String pair : body.split("&")) {
                    if (pair.startsWith("Action=")) {
                        operation = pair.substring("Action=".length());
                    }
                }
            }
            calls.add(operation + " " + body);
        }
        return calls;
    }

    @Override
    public void close() {
        super.close();
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
