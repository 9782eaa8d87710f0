package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
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
    private final List<AutoCloseable> clients = new ArrayList<>();

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
            StsClient sts = configure(StsClient.builder(), stsEndpoint, region, baseCredentials).build();
            AwsCredentialsProvider role = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                    .refreshRequest(r -> r.roleArn(roleArn).roleSessionName("dbrefresh-share")).build();
            synchronized (clients) {
                clients.add(sts);
            }
            if (docdb) {
                DocDbClient client = configure(DocDbClient.builder(), docdbEndpoint, region, role).build();
                synchronized (clients) {
                    clients.add(client);
                }
                return new DocDbClusterApi(client);
            }
            RdsClient client = configure(RdsClient.builder(), rdsEndpoint, region, role).build();
            synchronized (clients) {
                clients.add(client);
            }
            return new RdsClusterApi(client);
        });
    }

    private static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>
            & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, C>, C> B configure(B builder,
            String endpoint, String region, AwsCredentialsProvider credentials) {
        builder.region(Region.of(region)).credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder());
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder;
    }

    /** Closes the clients built. */
    @PreDestroy
    public void close() {
        synchronized (clients) {
            for (AutoCloseable c : clients) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // shutting down
                }
            }
            clients.clear();
        }
    }
}
