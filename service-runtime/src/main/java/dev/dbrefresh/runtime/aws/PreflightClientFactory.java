package dev.dbrefresh.runtime.aws;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The KMS and EC2 clients of cluster-service's restore preflight (KMS {@code DescribeKey} of
 * {@code target.kms-key-id}, EC2 {@code DescribeSecurityGroups} of {@code target.security-groups}), configured
 * like every other client by {@link AwsClientFactory} ({@code aws.services.kms|ec2.endpoint-override}). Only
 * services that have the {@code kms} and {@code ec2} SDK modules on their classpath get them (service-runtime
 * declares both optional), so the other services carry neither.
 */
@Factory
@Requires(classes = {KmsClient.class, Ec2Client.class})
public class PreflightClientFactory {

    private final AwsClientFactory clients;

    /** @param clients the common client configuration */
    public PreflightClientFactory(AwsClientFactory clients) {
        this.clients = clients;
    }

    /** @param endpoint KMS endpoint override, or empty for AWS @return the KMS client */
    @Singleton
    @Bean(preDestroy = "close")
    public KmsClient kmsClient(@Nullable @Value("${aws.services.kms.endpoint-override:}") String endpoint) {
        return clients.configure(KmsClient.builder(), endpoint, false).build();
    }

    /** @param endpoint EC2 endpoint override, or empty for AWS @return the EC2 client */
    @Singleton
    @Bean(preDestroy = "close")
    public Ec2Client ec2Client(@Nullable @Value("${aws.services.ec2.endpoint-override:}") String endpoint) {
        return clients.configure(Ec2Client.builder(), endpoint, false).build();
    }
}
