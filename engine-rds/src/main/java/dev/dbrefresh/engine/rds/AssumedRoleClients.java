package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.runtime.aws.SdkClients;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.docdb.DocDbClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Cluster APIs acting in another account through an IAM role: the source (production) account's
 * snapshots are picked and shared with the target account by assuming the plan's
 * {@code source.share-role-arn}
 * (<a href="https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html">AssumeRole</a>),
 * while the copy and everything after it run with the service's own (target account) credentials.
 * Clients are built once per (engine family, role, region) and refresh their credentials themselves.
 */
@Singleton
public class AssumedRoleClients {

    private final AwsCredentialsProvider baseCredentials;
    private final String stsEndpoint;
    private final String rdsEndpoint;
    private final String docdbEndpoint;
    private final Map<String, ClusterApi> apis = new ConcurrentHashMap<>();
    private final SdkClients clients = new SdkClients();

    /**
     * @param accessKeyId     static access key id (emulators), or empty for the default chain
     * @param secretAccessKey static secret key
     * @param stsEndpoint     STS endpoint override, or empty for AWS
     * @param rdsEndpoint     RDS endpoint override, or empty
     * @param docdbEndpoint   DocumentDB endpoint override, or empty
     */
    public AssumedRoleClients(@Nullable @Value("${aws.access-key-id:}") String accessKeyId,
            @Nullable @Value("${aws.secret-access-key:}") String secretAccessKey,
            @Nullable @Value("${aws.services.sts.endpoint-override:}") String stsEndpoint,
            @Nullable @Value("${aws.services.rds.endpoint-override:}") String rdsEndpoint,
            @Nullable @Value("${aws.services.docdb.endpoint-override:}") String docdbEndpoint) {
        this.baseCredentials = accessKeyId == null || accessKeyId.isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
        this.stsEndpoint = stsEndpoint;
        this.rdsEndpoint = rdsEndpoint;
        this.docdbEndpoint = docdbEndpoint;
    }

    /**
     * @param engine  a cluster engine id ({@code aurora-*} or {@code docdb})
     * @param roleArn role to assume, e.g. {@code arn:aws:iam::111111111111:role/dbrefresh-share}
     * @param region  region of the source snapshots
     * @return a cluster API acting with the role's credentials
     * @throws IllegalArgumentException for an engine that is not a cluster engine
     */
    public ClusterApi clusterApi(String engine, String roleArn, String region) {
        java.util.Optional<Engine> known = Engine.of(engine).filter(Engine::isCluster);
        if (known.isEmpty()) {
            throw new IllegalArgumentException("no cluster API for engine '" + engine + "'");
        }
        boolean docdb = known.get() == Engine.DOCDB;
        return apis.computeIfAbsent((docdb ? "docdb|" : "rds|") + roleArn + "|" + region, key -> {
            StsClient sts = clients.build(StsClient.builder(), stsEndpoint, region, baseCredentials);
            AwsCredentialsProvider role = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                    .refreshRequest(r -> r.roleArn(roleArn).roleSessionName("dbrefresh-share")).build();
            return docdb ? new DocDbClusterApi(clients.build(DocDbClient.builder(), docdbEndpoint, region, role))
                    : new RdsClusterApi(clients.build(RdsClient.builder(), rdsEndpoint, region, role));
        });
    }

    /** Closes the clients built. */
    @PreDestroy
    public void close() {
        clients.close();
    }
}
