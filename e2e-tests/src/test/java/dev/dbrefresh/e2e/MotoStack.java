package dev.dbrefresh.e2e;

import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.testing.MotoCloudFormation;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * moto ({@code moto_server}) as the AWS of an end-to-end test: one SNS topic, the service queues with
 * DLQs subscribed to it with the routing table's filter policies and raw message delivery, the
 * notification queue, the DynamoDB tables; and the settings that start the services in {@code aws}
 * mode against it. Tests using it skip where {@code moto_server} is not on the PATH.
 */
final class MotoStack implements AutoCloseable {

    static final String REGION = "us-east-1";

    private final Process process;
    private final String endpoint;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private String topicArn;
    private AwsCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    private MotoStack(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
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
        return new MotoStack(p, "http://127.0.0.1:" + port);
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
        Map<String, String> ids = MotoCloudFormation.createStack(endpoint, REGION, "dbrefresh",
                java.nio.file.Files.readString(template), parameters);
        topicArn = ids.get("EventsTopic");
        subscribe(client(SnsClient.builder()), client(SqsClient.builder()));
        return ids;
    }

    /**
     * Signs the clients built from now on with these credentials (an IAM user's access key, once moto enforces
     * IAM); clients built before keep theirs.
     *
     * @param accessKeyId     access key id
     * @param secretAccessKey its secret
     */
    void useCredentials(String accessKeyId, String secretAccessKey) {
        credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    private void createResources() {
        SnsClient sns = client(SnsClient.builder());
        SqsClient sqs = client(SqsClient.builder());
        topicArn = sns.createTopic(r -> r.name("dbrefresh-events")).topicArn();
        for (String queue : Routing.serviceQueues()) {
            String dlqUrl = sqs.createQueue(r -> r.queueName(Routing.dlqName(queue))).queueUrl();
            String dlqArn = arn(sqs, dlqUrl);
            sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                    "60", QueueAttributeName.REDRIVE_POLICY,
                    "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"5\"}")));
        }
        subscribe(sns, sqs);
        sqs.createQueue(r -> r.queueName(Routing.NOTIFICATIONS_QUEUE));
        Tables.createIfMissing(client(DynamoDbClient.builder()));
    }

    /** Subscribes each service queue to the topic with its filter policy and raw message delivery. */
    private void subscribe(SnsClient sns, SqsClient sqs) {
        for (String queue : Routing.serviceQueues()) {
            String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
            sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(arn(sqs, url))
                    .attributes(Map.of("FilterPolicy", Routing.filterPolicy(queue), "RawMessageDelivery", "true")));
        }
    }

    private static String arn(SqsClient sqs, String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    /** @return the SNS topic all events go to */
    String topicArn() {
        return topicArn;
    }

    /** @return moto's endpoint */
    String endpoint() {
        return endpoint;
    }

    /** @return the environment of a service in {@code aws} mode against moto */
    Map<String, String> serviceEnv() {
        return Map.of("MICRONAUT_ENVIRONMENTS", "aws", "DBREFRESH_TOPIC_ARN", topicArn, "AWS_REGION", REGION);
    }

    /** @return JVM properties pointing every AWS client of a service at moto, with dummy credentials */
    List<String> serviceProperties() {
        List<String> props = new ArrayList<>(List.of("aws.region=" + REGION, "aws.access-key-id=test",
                "aws.secret-access-key=test"));
        for (String service : List.of("sqs", "sns", "dynamodb", "ssm", "secretsmanager", "rds", "docdb", "codepipeline", "sts",
                "ec2", "kms")) {
            props.add("aws.services." + service + ".endpoint-override=" + endpoint);
        }
        return props;
    }

    /**
     * @param builder an SDK client builder
     * @param <B>     builder type
     * @param <C>     client type
     * @return a client for moto (closed with the stack)
     */
    <B extends AwsClientBuilder<B, C> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, C>, C extends AutoCloseable>
            C client(B builder) {
        return client(builder, REGION);
    }

    /**
     * @param builder an SDK client builder
     * @param region  the region of the client (moto keeps each region's resources apart)
     * @param <B>     builder type
     * @param <C>     client type
     * @return a client for moto in that region (closed with the stack)
     */
    <B extends AwsClientBuilder<B, C> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, C>, C extends AutoCloseable>
            C client(B builder, String region) {
        C c = builder.endpointOverride(URI.create(endpoint)).region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        clients.add(c);
        return c;
    }

    /**
     * Publishes an event to the SNS topic with its {@code type} message attribute, as the services do on
     * AWS; the subscriptions' filter policies route it.
     *
     * @param event the event
     */
    void publishToTopic(dev.dbrefresh.contracts.EventEnvelope event) {
        client(SnsClient.builder()).publish(r -> r.topicArn(topicArn).message(dev.dbrefresh.contracts.EventCodec.encode(event))
                .messageAttributes(Map.of("type", software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                        .dataType("String").stringValue(event.type()).build())));
    }

    SqsClient sqs() {
        return client(SqsClient.builder());
    }

    SsmClient ssm() {
        return client(SsmClient.builder());
    }

    DynamoDbClient dynamo() {
        return client(DynamoDbClient.builder());
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
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
