package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens driver clients to a plan's MongoDB endpoint: a direct connection to {@code host:port}, SCRAM credentials
 * authenticated against {@value #AUTH_DB} when the endpoint names a user (its password from the secret reference),
 * none otherwise, and short connect and server selection timeouts so an unreachable server fails the step (and
 * is retried) instead of hanging it.
 */
public final class MongoEndpoints {

    /** The authentication database of the plan's users (as mongodump's {@code --authenticationDatabase}). */
    public static final String AUTH_DB = "admin";
    /** Connect and server selection timeout, seconds. */
    public static final int TIMEOUT_SECONDS = 10;

    private MongoEndpoints() {
    }

    /**
     * @param endpoint the server and database; only host, port, username and password secret are used here
     * @param secrets  resolves the password reference
     * @return a client; the caller closes it
     * @throws SecretResolver.SecretException when the password reference cannot be resolved
     */
    public static MongoClient open(DatabaseEndpoint endpoint, SecretResolver secrets) {
        MongoClientSettings.Builder b = MongoClientSettings.builder()
                .applyToClusterSettings(c -> c.hosts(List.of(new ServerAddress(endpoint.host(), endpoint.port())))
                        .serverSelectionTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .applyToSocketSettings(s -> s.connectTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        if (endpoint.username() != null) {
            char[] password = endpoint.passwordSecret() == null ? new char[0] : secrets.resolve(endpoint.passwordSecret());
            try {
                b.credential(MongoCredential.createCredential(endpoint.username(), AUTH_DB, password));
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        return MongoClients.create(b.build());
    }
}
