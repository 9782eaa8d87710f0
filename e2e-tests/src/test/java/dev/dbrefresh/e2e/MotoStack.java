package dev.dbrefresh.e2e;

import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
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
final class MotoStack extends AwsEmulator {

    static final String REGION = "us-east-1";

    private final Process process;
    private final Path log;

    private MotoStack(Process process, String endpoint, Path log) {
        super(endpoint, REGION, "test", "test");
        this.process = process;
        this.log = log;
    }

    /** @return whether {@code moto_server} is on the PATH */
    static boolean available() {
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
        int port = LocalAws.freePort();
        Process p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
        return new MotoStack(p, "http://127.0.0.1:" + port, log);
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
