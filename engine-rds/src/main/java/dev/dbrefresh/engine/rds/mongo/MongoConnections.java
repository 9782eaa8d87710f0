package dev.dbrefresh.engine.rds.mongo;

import dev.dbrefresh.engine.mongodb.MongoUserApplier;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.connection.ClusterConnectionMode;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens MongoDB driver clients to a DocumentDB cluster endpoint, as DocumentDB's "Connecting
 * programmatically" guide recommends (https://docs.aws.amazon.com/documentdb/latest/developerguide/connect_programmatically.html):
 * a direct connection to the cluster (writer) endpoint, {@code retryWrites=false} (DocumentDB does not
 * support retryable writes), SCRAM credentials in {@value MongoUserApplier#AUTH_DB}, and TLS when asked.
 * With TLS the server certificate is checked against the JVM's default trust store, which must hold the
 * RDS CA bundle (import {@code global-bundle.pem} into it, or point {@code javax.net.ssl.trustStore} at a
 * store that holds it); host names are verified.
 */
public final class MongoConnections {

    /** Connect and server selection timeout, seconds. */
    public static final int TIMEOUT_SECONDS = 10;

    private MongoConnections() {
    }

    /**
     * @param host     host name or IP address of the cluster endpoint
     * @param port     TCP port (DocumentDB default 27017)
     * @param username user name, or {@code null} to connect without credentials
     * @param password its password; copied, not cleared by this method
     * @param tls      whether to connect with TLS (certificate and host name verified)
     * @return a client; the caller closes it
     */
    public static MongoClient open(String host, int port, String username, char[] password, boolean tls) {
        return MongoClients.create(settings(host, port, username, password, tls).build());
    }

    /**
     * The settings {@link #open} uses, for callers that add to them (e.g. a command listener).
     *
     * @param host     host name or IP address of the cluster endpoint
     * @param port     TCP port
     * @param username user name, or {@code null} to connect without credentials
     * @param password its password; copied, not cleared by this method
     * @param tls      whether to connect with TLS
     * @return a settings builder
     */
    public static MongoClientSettings.Builder settings(String host, int port, String username, char[] password,
            boolean tls) {
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applicationName("dbrefresh")
                .retryWrites(false)
                .applyToClusterSettings(b -> b.hosts(List.of(new ServerAddress(host, port)))
                        .mode(ClusterConnectionMode.SINGLE)
                        .serverSelectionTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .applyToSslSettings(b -> b.enabled(tls).invalidHostNameAllowed(false));
        if (username != null) {
            settings.credential(MongoCredential.createCredential(username, MongoUserApplier.AUTH_DB,
                    password == null ? new char[0] : password.clone()));
        }
        return settings;
    }
}
