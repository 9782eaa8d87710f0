package dev.dbrefresh.runtime.aws;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * SDK clients built for one region, credentials and optional endpoint, and closed together: the clients the cluster
 * engines build at run time for an assumed role ({@code AssumedRoleClients} in engine-rds), and the end-to-end tests'
 * clients of an AWS emulator. The service's own injected clients come from {@link AwsClientFactory}, which adds
 * health-check timeouts.
 */
public final class SdkClients implements AutoCloseable {

    private final List<AutoCloseable> clients = new ArrayList<>();

    /**
     * Builds a client with the URL-connection HTTP client (the one every client of this project uses) and keeps it,
     * to be closed by {@link #close()}.
     *
     * @param builder     a fresh SDK client builder, e.g. {@code RdsClient.builder()}
     * @param endpoint    endpoint override (an emulator), or {@code null} or blank for AWS's own
     * @param region      region, e.g. {@code eu-west-1}
     * @param credentials what the client signs with
     * @param <B>         builder type
     * @param <C>         client type
     * @return the client
     * @throws IllegalArgumentException when the endpoint is not a URI
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends AutoCloseable> C build(B builder,
            String endpoint, String region, AwsCredentialsProvider credentials) {
        builder.region(Region.of(region)).credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder());
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        C client = builder.build();
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /** Closes every client built so far; one that fails to close is passed over (they are all going away). */
    @Override
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
