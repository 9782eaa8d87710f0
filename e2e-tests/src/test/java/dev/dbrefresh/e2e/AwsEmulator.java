package dev.dbrefresh.e2e;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.aws.SdkClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * An AWS emulator as the AWS of an end-to-end test, reached at one endpoint with static credentials: moto
 * ({@link MotoStack}, a {@code moto_server} process, here) or LocalStack in a container ({@link LocalStackAws}, where
 * Docker exists). What is written against this class runs the same on both; what an emulator cannot do is named by
 * its {@link Capability capabilities}, and a test that needs more calls {@link #assumeSupports} (it is then reported
 * as skipped, with the emulator's reason).
 *
 * <p>It makes what the CloudFormation template makes for messaging ({@link #createResources()}): one SNS topic, the
 * service queues with DLQs subscribed to it with the routing table's filter policies and raw message delivery, the
 * notification queue and the DynamoDB tables; and gives the settings that start the services in {@code aws} mode
 * against it ({@link #serviceEnv()}, {@link #serviceProperties()}).
 */
public abstract class AwsEmulator implements AutoCloseable {

    /** What an end-to-end test may need beyond SNS, SQS, SSM, DynamoDB tables and Secrets Manager, which all have. */
    public enum Capability {
        /** RDS (Aurora clusters, cluster snapshots: copy, restore), with KMS and EC2 for the restore preflight. */
        RDS,
        /** DynamoDB {@code CreateBackup} and {@code RestoreTableFromBackup}. */
        DYNAMODB_BACKUPS,
        /** IAM policies checked on every request, switched on at run time. */
        IAM_ENFORCEMENT
    }

    private final String endpoint;
    private final String region;
    private final SdkClients clients = new SdkClients();
    private AwsCredentialsProvider credentials;
    private String accessKeyId;
    private String secretAccessKey;
    private String topicArn;

    /**
     * @param endpoint        the emulator's endpoint, e.g. {@code http://127.0.0.1:5123}
     * @param region          the region of every client and service
     * @param accessKeyId     the access key the tests and the services sign with
     * @param secretAccessKey its secret
     */
    protected AwsEmulator(String endpoint, String region, String accessKeyId, String secretAccessKey) {
        this.endpoint = endpoint;
        this.region = region;
        useCredentials(accessKeyId, secretAccessKey);
    }

    /** @return the emulator's name and version as test reports should show it, e.g. {@code moto 5.2} */
    public abstract String name();

    /** @return what it can do beyond the services every emulator has */
    public abstract Set<Capability> capabilities();

    /**
     * @param capability what a test needs
     * @return why this emulator lacks it (shown as the skip reason); only called for a capability it lacks
     */
    protected abstract String whyNot(Capability capability);

    /**
     * @param capability what a test needs
     * @return whether this emulator has it
     */
    public boolean supports(Capability capability) {
        return capabilities().contains(capability);
    }

    /**
     * Aborts the calling test (reported as skipped) when this emulator lacks the capability.
     *
     * @param capability what the test needs
     * @throws org.opentest4j.TestAbortedException naming the emulator and why it lacks it
     */
    public void assumeSupports(Capability capability) {
        Assumptions.assumeTrue(supports(capability), () -> name() + " has no " + capability + ": " + whyNot(capability));
    }

    /**
     * Creates the topic, the service queues with their DLQs and subscriptions, the notification queue and the tables,
     * the queues with the routing table's visibility timeout ({@link Routing#VISIBILITY_TIMEOUT_SECONDS}).
     */
    public void createResources() {
        createResources(Routing.VISIBILITY_TIMEOUT_SECONDS);
    }

    /**
     * As {@link #createResources()}, the service queues with another visibility timeout (the reliability suite's
     * shorter one, so that a killed service's message comes back sooner).
     *
     * @param visibilityTimeoutSeconds the service queues' {@code VisibilityTimeout}, seconds (0 to 43,200:
     *                                 <a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html">CreateQueue</a>)
     */
    public void createResources(int visibilityTimeoutSeconds) {
        SnsClient sns = client(SnsClient.builder());
        SqsClient sqs = client(SqsClient.builder());
        topicArn = sns.createTopic(r -> r.name("dbrefresh-events")).topicArn();
        for (String queue : Routing.serviceQueues()) {
            String dlqUrl = sqs.createQueue(r -> r.queueName(Routing.dlqName(queue))).queueUrl();
            String dlqArn = arn(sqs, dlqUrl);
            sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                    Integer.toString(visibilityTimeoutSeconds), QueueAttributeName.REDRIVE_POLICY,
                    "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                            + Routing.MAX_RECEIVE_COUNT + "\"}")));
        }
        subscribe(sns, sqs);
        sqs.createQueue(r -> r.queueName(Routing.NOTIFICATIONS_QUEUE));
        Tables.createIfMissing(client(DynamoDbClient.builder()));
    }

    /**
     * Subscribes each service queue to the topic with its filter policy and raw message delivery.
     *
     * @param topicArn the topic, made by {@link #createResources()} or by a deployed template
     */
    protected void subscribeQueuesTo(String topicArn) {
        this.topicArn = topicArn;
        subscribe(client(SnsClient.builder()), client(SqsClient.builder()));
    }

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

    /**
     * Signs the clients built from now on with these credentials (an IAM user's access key, once IAM is enforced);
     * clients built before keep theirs, and {@link #serviceProperties()} keeps the first ones.
     *
     * @param accessKeyId     access key id
     * @param secretAccessKey its secret
     */
    public void useCredentials(String accessKeyId, String secretAccessKey) {
        if (this.accessKeyId == null) {
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
        }
        credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    /** @return the SNS topic all events go to */
    public String topicArn() {
        return topicArn;
    }

    /** @return the emulator's endpoint */
    public String endpoint() {
        return endpoint;
    }

    /** @return the region of the clients and services */
    public String region() {
        return region;
    }

    /** @return the environment of a service in {@code aws} mode against the emulator */
    public Map<String, String> serviceEnv() {
        return Map.of("MICRONAUT_ENVIRONMENTS", "aws", "DBREFRESH_TOPIC_ARN", topicArn, "AWS_REGION", region);
    }

    /** @return JVM properties pointing every AWS client of a service at the emulator, with its credentials */
    public List<String> serviceProperties() {
        List<String> props = new ArrayList<>(List.of("aws.region=" + region, "aws.access-key-id=" + accessKeyId,
                "aws.secret-access-key=" + secretAccessKey));
        for (String service : List.of("sqs", "sns", "dynamodb", "ssm", "secretsmanager", "rds", "docdb", "codepipeline",
                "sts", "ec2", "kms")) {
            props.add("aws.services." + service + ".endpoint-override=" + endpoint);
        }
        return props;
    }

    /**
     * @param builder an SDK client builder
     * @param <B>     builder type
     * @param <C>     client type
     * @return a client for the emulator (closed with it)
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends AutoCloseable> C client(B builder) {
        return client(builder, region);
    }

    /**
     * @param builder an SDK client builder
     * @param region  the region of the client (the emulators keep each region's resources apart)
     * @param <B>     builder type
     * @param <C>     client type
     * @return a client for the emulator in that region (closed with it)
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends AutoCloseable> C client(B builder,
            String region) {
        return clients.build(builder, endpoint, region, credentials);
    }

    /**
     * Publishes an event to the SNS topic with its {@code type} message attribute, as the services do on AWS; the
     * subscriptions' filter policies route it.
     *
     * @param event the event
     */
    public void publishToTopic(EventEnvelope event) {
        client(SnsClient.builder()).publish(r -> r.topicArn(topicArn).message(EventCodec.encode(event))
                .messageAttributes(Map.of("type", MessageAttributeValue.builder().dataType("String")
                        .stringValue(event.type()).build())));
    }

    /** @return an SQS client (closed with the emulator) */
    public SqsClient sqs() {
        return client(SqsClient.builder());
    }

    /** @return an SSM client (closed with the emulator) */
    public SsmClient ssm() {
        return client(SsmClient.builder());
    }

    /** @return a DynamoDB client (closed with the emulator) */
    public DynamoDbClient dynamo() {
        return client(DynamoDbClient.builder());
    }

    /** Closes the clients; subclasses stop what they started. */
    @Override
    public void close() {
        clients.close();
    }
}
