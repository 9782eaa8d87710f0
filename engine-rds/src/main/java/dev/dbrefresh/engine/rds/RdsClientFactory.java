package dev.dbrefresh.engine.rds;

import dev.dbrefresh.runtime.aws.AwsClientFactory;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.docdb.DocDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * The AWS clients of the cluster engines, configured like every other client by {@link AwsClientFactory}
 * ({@code aws.services.rds|docdb|kms|ec2.endpoint-override}): RDS for Aurora, DocumentDB for {@code docdb}, and
 * KMS and EC2 for cluster-service's restore preflight (KMS {@code DescribeKey} of {@code target.kms-key-id},
 * EC2 {@code DescribeSecurityGroups} of {@code target.security-groups}). Only services that host this engine
 * module have these beans; a bean is created when something injects it.
 */
@Factory
public class RdsClientFactory {

    private final AwsClientFactory clients;

    /** @param clients the common client configuration */
    public RdsClientFactory(AwsClientFactory clients) {
        this.clients = clients;
    }

    /**
     * The RDS client of the Aurora engines. Cross-region copies are made in the target region with
     * {@code SourceRegion}.
     *
     * @param endpoint RDS endpoint override, or empty for AWS (moto in tests)
     * @return the RDS client
     */
    @Singleton
    @Bean(preDestroy = "close")
    public RdsClient rdsClient(@Nullable @Value("${aws.services.rds.endpoint-override:}") String endpoint) {
        return clients.configure(RdsClient.builder(), endpoint, false).build();
    }

    /**
     * @param endpoint DocumentDB endpoint override, or empty for AWS
     * @return the DocumentDB client of the {@code docdb} engine
     */
    @Singleton
    @Bean(preDestroy = "close")
    public DocDbClient docDbClient(@Nullable @Value("${aws.services.docdb.endpoint-override:}") String endpoint) {
        return clients.configure(DocDbClient.builder(), endpoint, false).build();
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
