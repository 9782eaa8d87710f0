package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.IdentityEngine;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identities;
import dev.dbrefresh.runtime.plan.PlanIdentities.Identity;
import dev.dbrefresh.runtime.plan.PlanIdentities.IdentityUnavailableException;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The identity of a PostgreSQL database as its server states it: {@code postgres://<system identifier>/<database>};
 * the system identifier is {@code pg_control_system().system_identifier}, unique per cluster since {@code initdb}
 * (https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-CONTROLDATA). The database's oid is recorded
 * where the database exists. So {@code localhost}, {@code 127.0.0.1}, a DNS alias and a second port of one
 * cluster are all recognised as the same server.
 */
@Singleton
public class PostgresIdentity implements IdentityEngine {

    private final PgTools tools = new PgTools(null);
    private final SecretResolver secrets;

    /** @param secrets resolves the password references of the plan's endpoints */
    public PostgresIdentity(SecretResolver secrets) {
        this.secrets = secrets;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.POSTGRES);
    }

    @Override
    public Identities of(RefreshPlan plan) {
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
}
