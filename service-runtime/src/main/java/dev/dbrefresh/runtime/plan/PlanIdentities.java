package dev.dbrefresh.runtime.plan;

import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.runtime.postgres.PgTools;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Optional;

/**
 * The identities of a plan's source and target as the servers and AWS state them, not as the plans
 * file spells their names: what the guards compare and what the target's lease is keyed by, so
 * {@code localhost}, {@code 127.0.0.1}, a DNS alias and a second port of one PostgreSQL cluster are all
 * recognised as the same server, and two runs cannot hold one target under two names.
 *
 * <ul>
 *   <li>{@code postgres}: {@code postgres://<system identifier>/<database>}; the system identifier is
 *       {@code pg_control_system().system_identifier}, unique per cluster since {@code initdb}
 *       (https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-CONTROLDATA). The database's
 *       oid is recorded where the database exists.</li>
 *   <li>cluster engines: the cluster ARN {@code arn:<partition>:rds:<region>:<account>:cluster:<id>}
 *       (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.ARN.html).</li>
 *   <li>{@code dynamodb}: the table ARN {@code arn:<partition>:dynamodb:<region>:<account>:table/<name>}
 *       of the source table and of the restored tables' name prefix.</li>
 * </ul>
 */
@Singleton
public class PlanIdentities {

    private final PgTools tools = new PgTools(null);
    private final SecretResolver secrets;

    /** @param secrets resolves the password references of the plan's endpoints */
    public PlanIdentities(SecretResolver secrets) {
        this.secrets = secrets;
    }

    /**
     * One database's identity.
     *
     * @param key         the comparable key, e.g. {@code postgres://7714262252240590957/pgbench_acceptance}
     *                    or a cluster ARN
     * @param databaseOid the PostgreSQL database's oid, or {@code null} (not PostgreSQL, or the database
     *                    does not exist yet)
     */
    public record Identity(String key, Long databaseOid) {
    }

    /**
     * @param source the source's identity
     * @param target the target's identity: the lease key
     */
    public record Identities(Identity source, Identity target) {
    }

    /**
     * @param plan a plan
     * @return its source's and target's identities
     * @throws IdentityUnavailableException when a PostgreSQL server cannot be reached or will not say its
     *                                      identity (the caller retries; nothing was changed)
     */
    public Identities of(RefreshPlan plan) {
        if (plan.isCluster()) {
            ClusterSettings c = plan.cluster();
            return new Identities(new Identity(clusterArn(c.sourceRegion(), c.sourceAccount(), c.sourceCluster()), null),
                    new Identity(clusterArn(c.targetRegion(), c.targetAccount(), c.targetCluster()), null));
        }
        if (plan.isDynamoDb()) {
            DynamoDbSettings d = plan.dynamodb();
            return new Identities(new Identity(tableArn(d.sourceRegion(), d.sourceAccount(), d.sourceTable()), null),
                    new Identity(tableArn(d.targetRegion(), d.sourceAccount(), d.targetTable()), null));
        }
        return new Identities(ask(plan.source(), "source"), ask(plan.target(), "target"));
    }

    private Identity ask(DatabaseEndpoint ep, String role) {
        try {
            return postgres(ep);
        } catch (SQLException e) {
            throw new IdentityUnavailableException("cannot ask the " + role + " " + ep.display() + " which server and"
                    + " database it is (pg_control_system, pg_database): " + e.getMessage() + " [SQLState "
                    + e.getSQLState() + "]; nothing was changed. Check that the server is up and the plan's "
                    + role + " user can log in", e);
        }
    }

    /** A server did not say who it is; retried like any unavailable dependency. */
    public static class IdentityUnavailableException extends RuntimeException {

        /**
         * @param message what could not be asked, and what to check
         * @param cause   the driver's error
         */
        public IdentityUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param plan a plan
     * @return the key of its target's lease
     * @throws IdentityUnavailableException as {@link #of}
     */
    public String targetKey(RefreshPlan plan) {
        return of(plan).target().key();
    }

    /**
     * @param ep a PostgreSQL database; when it does not exist yet, the server's {@code postgres}
     *           database is asked for the system identifier
     * @return its identity
     * @throws SQLException when the server cannot be reached or refuses the login
     */
    public Identity postgres(DatabaseEndpoint ep) throws SQLException {
        char[] password = ep.passwordSecret() == null ? null : secrets.resolve(ep.passwordSecret());
        try {
            try (Connection c = tools.connect(ep, password)) {
                return identity(c, ep.database());
            } catch (SQLException e) {
                if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: the database does not exist
                    throw e;
                }
            }
            try (Connection c = tools.connect(ep.withDatabase("postgres"), password)) {
                return identity(c, ep.database());
            }
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * @param c        an open connection to the server
     * @param database the database whose identity is wanted (on that server; it need not exist)
     * @return its identity, as the server behind {@code c} states it
     * @throws SQLException when the server cannot be queried
     */
    public static Identity identity(Connection c, String database) throws SQLException {
        String systemId;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
            rs.next();
            systemId = rs.getString(1);
        }
        Optional<Long> oid = Optional.empty();
        try (PreparedStatement s = c.prepareStatement("SELECT oid::bigint FROM pg_database WHERE datname = ?")) {
            s.setString(1, database);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    oid = Optional.of(rs.getLong(1));
                }
            }
        }
        return new Identity("postgres://" + systemId + "/" + database, oid.orElse(null));
    }

    private static String clusterArn(String region, String account, String cluster) {
        return "arn:" + AwsArn.partitionOf(region) + ":rds:" + region + ":" + account + ":cluster:" + cluster;
    }

    private static String tableArn(String region, String account, String table) {
        return "arn:" + AwsArn.partitionOf(region) + ":dynamodb:" + region + ":" + account + ":table/" + table;
    }
}
