package dev.dbrefresh.local.aws;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stack's AWS endpoints, in this JVM: ElasticMQ (the SQS protocol) and DynamoDB Local,
 * with every queue, DLQ and table dbrefresh needs, created from {@link Routing} and {@link Tables}.
 * Used by the {@code dbrefresh} command line and by the services' integration tests.
 */
public final class LocalAws implements AutoCloseable {

    /** Dummy credentials the emulators accept (DynamoDB Local 2.x accepts only letters and digits). */
    public static final String ACCESS_KEY = "dbrefreshlocal";
    /** Dummy secret key. */
    public static final String SECRET_KEY = "dbrefreshlocal";
    /** Region name used against the emulators. */
    public static final String REGION = "us-east-1";

    private final SQSRestServer sqsServer;
    private volatile DynamoDBProxyServer dynamoServer;
    private Path dynamoDir;
    private final int sqsPort;
    private final int dynamoPort;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private LocalAws(SQSRestServer sqsServer, int sqsPort, DynamoDBProxyServer dynamoServer, int dynamoPort) {
        this.sqsServer = sqsServer;
        this.sqsPort = sqsPort;
        this.dynamoServer = dynamoServer;
        this.dynamoPort = dynamoPort;
    }

    /**
     * Starts both emulators and creates queues and tables.
     *
     * @param sqsPort         ElasticMQ port, 0 for a free one
     * @param dynamoPort      DynamoDB Local port, 0 for a free one
     * @param dynamoDir       directory where DynamoDB Local keeps its data (kept across starts, so
     *                        {@code status} can read earlier runs), or {@code null} for in-memory
     * @param maxReceiveCount redrive policy of every service queue: receives before a message goes to its DLQ
     * @return the running stack
     * @throws Exception when a port is taken or an emulator does not start
     */
    public static LocalAws start(int sqsPort, int dynamoPort, Path dynamoDir, int maxReceiveCount) throws Exception {
        return start(sqsPort, dynamoPort, dynamoDir, maxReceiveCount, Routing.VISIBILITY_TIMEOUT_SECONDS);
    }

    /**
     * As {@link #start(int, int, Path, int)}, with the service queues' visibility timeout given: the reliability suite
     * runs with a shorter one than {@link Routing#VISIBILITY_TIMEOUT_SECONDS} to keep its time down (a crashed
     * handler's message comes back one visibility timeout after its last heartbeat; the consumers read the value
     * from the queue, so their heartbeats and claim locks follow it).
     *
     * @param sqsPort                  ElasticMQ port, 0 for a free one
     * @param dynamoPort               DynamoDB Local port, 0 for a free one
     * @param dynamoDir                DynamoDB Local's data directory, or {@code null} for in-memory
     * @param maxReceiveCount          receives before a message goes to its DLQ
     * @param visibilityTimeoutSeconds the service queues' visibility timeout, seconds (SQS allows 0 to 43,200)
     * @return the running stack
     * @throws IllegalArgumentException when the visibility timeout is outside 0 to 43,200
     * @throws Exception                when a port is taken or an emulator does not start
     */
    public static LocalAws start(int sqsPort, int dynamoPort, Path dynamoDir, int maxReceiveCount,
            int visibilityTimeoutSeconds) throws Exception {
        if (visibilityTimeoutSeconds < 0 || visibilityTimeoutSeconds > 43_200) {
            throw new IllegalArgumentException("visibility timeout " + visibilityTimeoutSeconds + " s is outside SQS's"
                    + " 0 to 43200 s");
        }
        int sp = sqsPort == 0 ? freePort() : sqsPort;
        int dp = dynamoPort == 0 ? freePort() : dynamoPort;
        SQSRestServer sqs = SQSRestServerBuilder.withPort(sp).withInterface("127.0.0.1").start();
        sqs.waitUntilStarted();
        DynamoDBProxyServer dynamo = startDynamo(dp, dynamoDir);
        LocalAws stack = new LocalAws(sqs, sp, dynamo, dp);
        stack.dynamoDir = dynamoDir;
        stack.createQueues(maxReceiveCount, visibilityTimeoutSeconds);
        Tables.createIfMissing(stack.dynamoClient());
        return stack;
    }

    /**
     * Starts DynamoDB Local alone (for reading the audit log of earlier runs).
     *
     * @param dynamoDir data directory
     * @return the running stack, without SQS
     * @throws Exception when DynamoDB Local does not start
     */
    public static LocalAws startDynamoOnly(Path dynamoDir) throws Exception {
        int dp = freePort();
        LocalAws stack = new LocalAws(null, 0, startDynamo(dp, dynamoDir), dp);
        Tables.createIfMissing(stack.dynamoClient());
        return stack;
    }

    private static DynamoDBProxyServer startDynamo(int port, Path dir) throws Exception {
        // DynamoDB Local would otherwise try to send telemetry; there is no network here.
        System.setProperty("ddb.local.telemetry", "0");
        String[] args;
        if (dir == null) {
            args = new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"};
        } else {
            Files.createDirectories(dir);
            args = new String[] {"-sharedDb", "-dbPath", dir.toString(), "-port", Integer.toString(port), "-disableTelemetry"};
        }
        // DynamoDB Local prints its settings to standard output, which is the command line's own.
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
            server.start();
            return server;
        } finally {
            System.setOut(stdout);
        }
    }

    /** @return the SQS endpoint, e.g. {@code http://127.0.0.1:9324} */
    public String sqsEndpoint() {
        return "http://127.0.0.1:" + sqsPort;
    }

    /** @return the DynamoDB endpoint */
    public String dynamoEndpoint() {
        return "http://127.0.0.1:" + dynamoPort;
    }

    /**
     * @return the properties that point a service at this stack
     *         ({@code aws.services.*.endpoint-override}, dummy credentials)
     */
    public Map<String, String> serviceProperties() {
        return Map.of("aws.services.sqs.endpoint-override", sqsEndpoint(),
                "aws.services.dynamodb.endpoint-override", dynamoEndpoint(),
                "aws.region", REGION, "aws.access-key-id", ACCESS_KEY, "aws.secret-access-key", SECRET_KEY);
    }

    /** @return a new SQS client for this stack (closed with the stack) */
    public SqsClient sqsClient() {
        SqsClient c = SqsClient.builder().endpointOverride(URI.create(sqsEndpoint())).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        clients.add(c);
        return c;
    }

    /** @return a new DynamoDB client for this stack (closed with the stack) */
    public DynamoDbClient dynamoClient() {
        DynamoDbClient c = DynamoDbClient.builder().endpointOverride(URI.create(dynamoEndpoint())).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        clients.add(c);
        return c;
    }

    /** Stops DynamoDB Local only (to test what services do when it is down). */
    public void stopDynamo() throws Exception {
        dynamoServer.stop();
    }

    /**
     * Starts DynamoDB Local again on the same port after {@link #stopDynamo()}, with the same data directory, so the
     * tables and items written before the stop are there again (an outage, for the reliability suite).
     *
     * @throws IllegalStateException when the stack keeps DynamoDB Local in memory (its data would be gone) or it runs
     * @throws Exception             when DynamoDB Local does not start (the port is taken, say)
     */
    public synchronized void startDynamoAgain() throws Exception {
        if (dynamoDir == null) {
            throw new IllegalStateException("DynamoDB Local of this stack runs in memory: a restart would lose its"
                    + " tables; start the stack with a data directory");
        }
        try {
            dynamoServer.stop();
        } catch (Exception alreadyStopped) {
            // the usual case: stopDynamo() was called
        }
        dynamoServer = startDynamo(dynamoPort, dynamoDir);
    }

    private void createQueues(int maxReceiveCount, int visibilityTimeoutSeconds) {
        SqsClient sqs = sqsClient();
        for (String queue : Routing.serviceQueues()) {
            String dlqUrl = sqs.createQueue(r -> r.queueName(Routing.dlqName(queue))).queueUrl();
            String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(
                    QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds),
                    QueueAttributeName.REDRIVE_POLICY,
                    "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}")));
        }
        sqs.createQueue(r -> r.queueName(Routing.NOTIFICATIONS_QUEUE));
    }

    @Override
    public void close() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing clients of a stack that is going away
            }
        }
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
        try {
            dynamoServer.stop();
        } catch (Exception alreadyStopped) {
            // stopDynamo() was called
        }
    }

    /** @return a free TCP port on the loopback interface */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
