package dev.dbrefresh.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The PostgreSQL server the end-to-end tests share with other tests: 127.0.0.1:5432, user postgres. */
final class SharedServer {

    private SharedServer() {
    }

    /**
     * @param database database to connect to
     * @return a connection as postgres without a password
     * @throws SQLException when the server cannot be reached (.ci/run starts it)
     */
    static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
    }

    /**
     * Drops the databases a test created, also while sessions are open.
     *
     * @param databases names (the test's own, unquoted identifiers)
     * @throws SQLException when the server refuses
     */
    static void dropDatabases(String... databases) throws SQLException {
        try (Connection c = connect("postgres")) {
            for (String database : databases) {
                c.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }
}
