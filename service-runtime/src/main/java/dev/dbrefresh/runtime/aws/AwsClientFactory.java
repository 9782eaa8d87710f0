package dev.dbrefresh.runtime.aws;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * AWS SDK v2 client beans. The endpoint of each service is set per environment with
 * {@code aws.services.<service>.endpoint-override} (the micronaut-aws convention): ElasticMQ and
 * DynamoDB Local on the local stack, nothing on AWS. Credentials: {@code aws.access-key-id}/
 * {@code aws.secret-access-key} when set (local emulators), otherwise the default provider chain
 * (IRSA web identity on Kubernetes).
 *
 * <p>The {@code health} clients answer within 800 ms and never retry: a Kubernetes probe times out
 * after 1 s, and the SDK's default retries made an unreachable DynamoDB take 5.2 s (shared/STACK.md).
 */
@Factory
public class AwsClientFactory {

    private static final Duration HEALTH_TIMEOUT = Duration.ofMillis(800);

    private final Region region;
    private final AwsCredentialsProvider credentials;

    /**
     * @param region          AWS region, {@code aws.region}
     * @param accessKeyId     static access key id, or {@code null} for the default chain
     * @param secretAccessKey static secret key, or {@code null}
     */
    public AwsClientFactory(@Value("${aws.region:us-east-1}") String region,
            @Nullable @Value("${aws.access-key-id:}") String accessKeyId,
            @Nullable @Value("${aws.secret-access-key:}") String secretAccessKey) {
        this.region = Region.of(region);
        this.credentials = accessKeyId == null || accessKeyId.isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    /** @param endpoint SQS endpoint override, or empty for AWS @return the SQS client */
    @Singleton
    @Primary
    @Bean(preDestroy = "close")
    public SqsClient sqsClient(@Nullable @Value("${aws.services.sqs.endpoint-override:}") String endpoint) {
        return configure(SqsClient.builder(), endpoint, false).build();
    }

    /** @param endpoint SQS endpoint override @return an SQS client for health checks (800 ms, no retries) */
    @Singleton
    @Named("health")
    @Bean(preDestroy = "close")
    public SqsClient healthSqsClient(@Nullable @Value("${aws.services.sqs.endpoint-override:}") String endpoint) {
        return configure(SqsClient.builder(), endpoint, true).build();
    }

    /** @param endpoint SNS endpoint override @return the SNS client */
    @Singleton
    @Bean(preDestroy = "close")
    public SnsClient snsClient(@Nullable @Value("${aws.services.sns.endpoint-override:}") String endpoint) {
        return configure(SnsClient.builder(), endpoint, false).build();
    }

    /** @param endpoint DynamoDB endpoint override @return the DynamoDB client */
    @Singleton
    @Primary
    @Bean(preDestroy = "close")
    public DynamoDbClient dynamoDbClient(@Nullable @Value("${aws.services.dynamodb.endpoint-override:}") String endpoint) {
        return configure(DynamoDbClient.builder(), endpoint, false).build();
    }

    /** @param endpoint DynamoDB endpoint override @return a DynamoDB client for health checks */
    @Singleton
    @Named("health")
    @Bean(preDestroy = "close")
    public DynamoDbClient healthDynamoDbClient(
            @Nullable @Value("${aws.services.dynamodb.endpoint-override:}") String endpoint) {
        return configure(DynamoDbClient.builder(), endpoint, true).build();
    }

    /** @param endpoint SSM endpoint override @return the SSM client */
    @Singleton
    @Bean(preDestroy = "close")
    public SsmClient ssmClient(@Nullable @Value("${aws.services.ssm.endpoint-override:}") String endpoint) {
        return configure(SsmClient.builder(), endpoint, false).build();
    }

    /** @param endpoint Secrets Manager endpoint override @return the Secrets Manager client */
    @Singleton
    @Bean(preDestroy = "close")
    public SecretsManagerClient secretsManagerClient(
            @Nullable @Value("${aws.services.secretsmanager.endpoint-override:}") String endpoint) {
        return configure(SecretsManagerClient.builder(), endpoint, false).build();
    }




    /**
     * @param builder  a fresh SDK client builder
     * @param endpoint endpoint override, or empty for AWS
     * @param health   short timeouts and no retries (health checks)
     * @return the builder with region, credentials, endpoint and HTTP client set
     */
    public <B extends AwsClientBuilder<B, C>, C> B configure(B builder, String endpoint, boolean health) {
        builder.region(region).credentialsProvider(credentials);
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        if (health) {
            builder.overrideConfiguration(ClientOverrideConfiguration.builder()
                    .apiCallTimeout(HEALTH_TIMEOUT).apiCallAttemptTimeout(HEALTH_TIMEOUT)
                    .retryPolicy(RetryPolicy.none()).build());
        }
        // The URL-connection client is the lightest one; the same for every client keeps one stack.
        if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder()
                    .connectionTimeout(health ? HEALTH_TIMEOUT : Duration.ofSeconds(5))
                    .socketTimeout(health ? HEALTH_TIMEOUT : Duration.ofSeconds(30)));
        }
        return builder;
    }
}
