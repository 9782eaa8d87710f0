package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.IdentityEngine;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identities;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identity;
import dev.dbrefresh.runtime.plan.PlanIdentities.IdentityUnavailableException;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * The identity of a MongoDB database as its server states it, {@code mongodb://<server>/<database>}:
 * <ul>
 *   <li>a replica set member ({@code hello}, or {@code isMaster} where the server has no {@code hello}, answers a {@code setName}): {@code replset:<replicaSetId>}, the
 *       ObjectId {@code replSetGetConfig} reports as {@code settings.replicaSetId}, generated once when the set is
 *       initiated and the same on every member
 *       (https://www.mongodb.com/docs/manual/reference/replica-configuration/#mongodb-rsconf-rsconf.settings.replicaSetId);
 *       where the user may not run {@code replSetGetConfig}, {@code replset-name:<setName>};</li>
 *   <li>a standalone server or a {@code mongos} (no {@code setName}), and stand-ins such as mongo-java-server:
 *       {@code host:<serverStatus.host>}, the host name the server reports for itself (with {@code :port} where it
 *       listens on another port than 27017; https://www.mongodb.com/docs/manual/reference/command/serverStatus/#host).</li>
 * </ul>
 * What is guaranteed: every name by which one server is reached (a DNS alias, {@code localhost} and
 * {@code 127.0.0.1}, a load balancer) gives the same key, since the key comes from the server's answer, never from
 * the plan. What is not: a standalone has no id of its own, so two servers that report the same host name (two
 * replica sets with the same {@code setName} where the id cannot be read) share a key; the guard then refuses such a
 * plan when source and target have the same database name, and two such targets share one lease: the safe side
 * of both checks. A standalone's key stays the same across restarts.
 */
@Singleton
public class MongoIdentity implements IdentityEngine {

    private final SecretResolver secrets;

    /** @param secrets resolves the password references of the plan's endpoints */
    public MongoIdentity(SecretResolver secrets) {
        this.secrets = secrets;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.MONGODB);
    }

    /**
     * @throws IdentityUnavailableException when a server cannot be reached or will not answer {@code hello}
     *                                      and {@code serverStatus}; nothing was changed
     */
    @Override
    public Identities of(RefreshPlan plan) {
        MongoSettings m = plan.mongodb();
        return new Identities(ask(m.source(), m.sourceConnection(), "source"), ask(m.target(), m.targetConnection(),
                "target"));
    }

    private Identity ask(DatabaseEndpoint ep, MongoSettings.Connection connection, String role) {
        try (MongoClient client = MongoEndpoints.open(ep, connection, secrets)) {
            return identity(client, ep.database());
        } catch (MongoException e) {
            throw new IdentityUnavailableException("cannot ask the " + role + " " + MongoSettings.display(ep)
                    + " which server it is (hello, replSetGetConfig, serverStatus): " + e.getMessage() + " (code "
                    + e.getCode() + "); nothing was changed. Check that the server is up and the plan's " + role
                    + " user can log in", e);
        }
    }

    /**
     * @param endpoint   a MongoDB database (it need not exist)
     * @param connection how it is connected to (the plan's connection string reference and TLS)
     * @return its identity, as the server states it
     * @throws MongoException when the server cannot be reached or refuses the commands
     */
    public Identity mongodb(DatabaseEndpoint endpoint, MongoSettings.Connection connection) {
        try (MongoClient client = MongoEndpoints.open(endpoint, connection, secrets)) {
            return identity(client, endpoint.database());
        }
    }

    /**
     * @param client   a client of the server
     * @param database the database whose identity is wanted
     * @return {@code mongodb://<server>/<database>} as described above; {@link Identity#databaseOid()} is {@code null}
     * @throws MongoException when the server cannot be asked
     */
    public static Identity identity(MongoClient client, String database) {
        MongoDatabase admin = client.getDatabase("admin");
        BsonDocument hello;
        try {
            hello = admin.runCommand(new BsonDocument("hello", new BsonInt32(1)), BsonDocument.class);
        } catch (com.mongodb.MongoCommandException e) {
            if (e.getErrorCode() != MongoUsersEngine.COMMAND_NOT_FOUND) {
                throw e;
            }
            // servers before 4.4.2 (and mongo-java-server) know only the legacy name, same answer
            hello = admin.runCommand(new BsonDocument("isMaster", new BsonInt32(1)), BsonDocument.class);
        }
        String server;
        if (hello.isString("setName")) {
            server = "replset-name:" + hello.getString("setName").getValue();
            try {
                BsonDocument config = admin.runCommand(new BsonDocument("replSetGetConfig", new BsonInt32(1)),
                        BsonDocument.class).getDocument("config");
                BsonValue id = config.getDocument("settings", new BsonDocument()).get("replicaSetId");
                if (id != null && id.isObjectId()) {
                    server = "replset:" + id.asObjectId().getValue().toHexString();
                }
            } catch (MongoException e) {
                // not allowed to read the configuration (no clusterMonitor): the set's name is what remains
            }
        } else {
            BsonDocument status = admin.runCommand(new BsonDocument("serverStatus", new BsonInt32(1)),
                    BsonDocument.class);
            server = "host:" + status.getString("host").getValue();
        }
        return new Identity("mongodb://" + server + "/" + database, null);
    }
}
