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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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

    /**
     * {@inheritDoc} Where source and target are reached at the same host, port and user with the same password
     * reference (one server, as on the local stack), one connection asks that server for both identities in one
     * query, as two connections to the same address would have been answered by the same server; otherwise each
     * server is asked on its own connection.
     */
    @Override
    public Identities of(RefreshPlan plan) {
        DatabaseEndpoint source = plan.source();
        DatabaseEndpoint target = plan.target();
        if (sameLogin(source, target)) {
            List<Identity> both = ask(source, List.of(source.database(), target.database()), "source and target");
            return new Identities(both.get(0), both.get(1));
        }
        return new Identities(ask(source, List.of(source.database()), "source").get(0),
                ask(target, List.of(target.database()), "target").get(0));
    }

    /** @return whether both endpoints log in to the same address as the same user with the same password reference */
    static boolean sameLogin(DatabaseEndpoint a, DatabaseEndpoint b) {
        return a.host().equalsIgnoreCase(b.host()) && a.port() == b.port() && a.username().equals(b.username())
                && Objects.equals(a.passwordSecret(), b.passwordSecret());
    }

    private List<Identity> ask(DatabaseEndpoint ep, List<String> databases, String role) {
        try {
            return postgres(ep, databases);
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
        return postgres(ep, List.of(ep.database())).get(0);
    }

    /**
     * @param ep        the server to ask, logged in to its database {@code ep.database()}, or to its {@code postgres}
     *                  database where that one does not exist yet
     * @param databases databases on that server whose identities are wanted (they need not exist)
     * @return their identities, in the order of {@code databases}
     * @throws SQLException when the server cannot be reached or refuses the login
     */
    private List<Identity> postgres(DatabaseEndpoint ep, List<String> databases) throws SQLException {
        char[] password = ep.passwordSecret() == null ? null : secrets.resolve(ep.passwordSecret());
        try {
            try (Connection c = tools.connect(ep, password)) {
                return identities(c, databases);
            } catch (SQLException e) {
                if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: the database does not exist
                    throw e;
                }
            }
            try (Connection c = tools.connect(ep.withDatabase("postgres"), password)) {
                return identities(c, databases);
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
        return identities(c, List.of(database)).get(0);
    }

    /**
     * One query (one round trip): the server's system identifier and each database's oid.
     *
     * @param c         an open connection to the server
     * @param databases databases on that server (they need not exist)
     * @return their identities, in order, as the server behind {@code c} states them
     * @throws SQLException when the server cannot be queried
     */
    static List<Identity> identities(Connection c, List<String> databases) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT (SELECT system_identifier::text FROM pg_control_system())");
        databases.forEach(d -> sql.append(", (SELECT oid::bigint FROM pg_database WHERE datname = ?)"));
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < databases.size(); i++) {
                s.setString(i + 1, databases.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                String systemId = rs.getString(1);
                List<Identity> out = new ArrayList<>();
                for (int i = 0; i < databases.size(); i++) {
                    long oid = rs.getLong(i + 2);
                    out.add(new Identity("postgres://" + systemId + "/" + databases.get(i), rs.wasNull() ? null : oid));
                }
                return out;
            }
        }
    }
}
