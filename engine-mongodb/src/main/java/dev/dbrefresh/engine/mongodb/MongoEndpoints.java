package dev.dbrefresh.engine.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens driver clients to a plan's MongoDB endpoint, in one of two ways:
 * <ul>
 *   <li>without a connection string: a direct connection to {@code host:port}, SCRAM credentials authenticated
 *       against {@value #AUTH_DB} when the endpoint names a user (its password from the secret reference), none
 *       otherwise;</li>
 *   <li>with the endpoint's {@code uri-secret}: the connection string the secret holds
 *       (https://www.mongodb.com/docs/manual/reference/connection-string/: credentials, {@code authSource},
 *       {@code replicaSet}, TLS, timeouts), refused unless its hosts include the plan's {@code host:port}, since the
 *       plans file alone says which server is read or replaced.</li>
 * </ul>
 * Both get short connect and server selection timeouts ({@value #TIMEOUT_SECONDS} s; a connection string's own
 * values win) so an unreachable server fails the step (and is retried) instead of hanging it, and the plan's
 * {@code tls} settings: TLS on, the certificate authorities of {@code ca-file} (PEM) instead of the JVM's trust store,
 * and host name checks off only where the plan says so. Neither the connection string nor a password appears in a
 * message.
 */
public final class MongoEndpoints {

    /** The authentication database of the plan's users (as mongodump's {@code --authenticationDatabase}). */
    public static final String AUTH_DB = MongoUserApplier.AUTH_DB;
    /** Connect and server selection timeout, seconds. */
    public static final int TIMEOUT_SECONDS = 10;

    private MongoEndpoints() {
    }

    /**
     * @param endpoint   the server and database; host, port, username and password secret are used here
     * @param connection the endpoint's connection string reference and TLS settings
     * @param secrets    resolves the password and connection string references
     * @return a client; the caller closes it
     * @throws SecretResolver.SecretException when a reference cannot be resolved, the connection string is not one,
     *                                        or it names other hosts than the plan (the message names the reference,
     *                                        never its value)
     * @throws IllegalStateException          when the TLS {@code ca-file} cannot be read as PEM certificates
     */
    public static MongoClient open(DatabaseEndpoint endpoint, MongoSettings.Connection connection,
            SecretResolver secrets) {
        MongoClientSettings.Builder b = MongoClientSettings.builder()
                .applyToClusterSettings(c -> c.serverSelectionTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .applyToSocketSettings(s -> s.connectTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        if (connection.uriSecret() != null) {
            b.applyConnectionString(connectionString(endpoint, connection.uriSecret(), secrets));
        } else {
            b.applyToClusterSettings(c -> c.hosts(List.of(new ServerAddress(endpoint.host(), endpoint.port()))));
            if (endpoint.username() != null) {
                char[] password = endpoint.passwordSecret() == null ? new char[0]
                        : secrets.resolve(endpoint.passwordSecret());
                try {
                    b.credential(MongoCredential.createCredential(endpoint.username(), AUTH_DB, password));
                } finally {
                    Arrays.fill(password, '\0');
                }
            }
        }
        if (connection.tls()) {
            SSLContext context = connection.tlsCaFile() == null ? null : trusting(connection);
            b.applyToSslSettings(s -> {
                s.enabled(true).invalidHostNameAllowed(connection.tlsAllowInvalidHostnames());
                if (context != null) {
                    s.context(context);
                }
            });
        }
        return MongoClients.create(b.build());
    }

    /**
     * The user the engine logs in as: the plan's {@code username}, or, with {@code uri-secret}, the user of the
     * connection string the secret holds (checked as {@link #open} checks it). Isolation spares this user and the
     * users step refuses to re-create it, so a run never removes or changes the account it works through.
     *
     * @param endpoint   the server and database
     * @param connection the endpoint's connection string reference and TLS settings
     * @param secrets    resolves the connection string reference
     * @return the user name, or {@code null} when the engine connects without credentials
     * @throws SecretResolver.SecretException as {@link #open} for an unusable connection string
     */
    public static String user(DatabaseEndpoint endpoint, MongoSettings.Connection connection, SecretResolver secrets) {
        if (connection.uriSecret() == null) {
            return endpoint.username();
        }
        return connectionString(endpoint, connection.uriSecret(), secrets).getUsername();
    }

    private static ConnectionString connectionString(DatabaseEndpoint endpoint, String reference, SecretResolver secrets) {
        char[] value = secrets.resolve(reference);
        ConnectionString cs;
        try {
            cs = new ConnectionString(new String(value).strip());
        } catch (IllegalArgumentException e) {
            // The driver's message may quote the string, credentials and all: it is not passed on.
            throw new SecretResolver.SecretException("the secret " + reference + " holds no valid MongoDB connection"
                    + " string (mongodb://... or mongodb+srv://...); nothing was connected to. Fix the secret's value");
        } finally {
            Arrays.fill(value, '\0');
        }
        String planned = (endpoint.host() + ":" + endpoint.port()).toLowerCase(Locale.ROOT);
        List<String> hosts = cs.getHosts().stream().map(h -> (h.contains(":") ? h : h + ":27017").toLowerCase(Locale.ROOT))
                .toList();
        if (!cs.isSrvProtocol() && !hosts.contains(planned)) {
            throw new SecretResolver.SecretException("the connection string in " + reference + " names the hosts "
                    + hosts + ", not the plan's " + MongoSettings.display(endpoint) + "; nothing was connected to. The"
                    + " plans file says which server is refreshed: point the secret at it, or change the plan");
        }
        if (cs.isSrvProtocol() && !hosts.contains(endpoint.host().toLowerCase(Locale.ROOT) + ":27017")) {
            throw new SecretResolver.SecretException("the mongodb+srv connection string in " + reference + " names "
                    + hosts + ", not the plan's host " + endpoint.host() + "; nothing was connected to");
        }
        return cs;
    }

    /** @return a TLS context that trusts the certificates of the plan's {@code ca-file} (PEM, one or more) */
    private static SSLContext trusting(MongoSettings.Connection connection) {
        try (InputStream in = Files.newInputStream(connection.tlsCaFile())) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalStateException("the TLS ca-file " + connection.tlsCaFile() + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the TLS ca-file " + connection.tlsCaFile() + " cannot be read as PEM"
                    + " certificates (" + e.getMessage() + "); nothing was connected to", e);
        }
    }
}
