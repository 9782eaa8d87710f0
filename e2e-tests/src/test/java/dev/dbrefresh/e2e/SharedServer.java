package dev.dbrefresh.e2e;

import dev.dbrefresh.engine.postgres.PgIdentifiers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The PostgreSQL server the end-to-end tests share with other tests: 127.0.0.1:5432, user postgres. */
public final class SharedServer {

    private SharedServer() {
    }

    /**
     * @param database database to connect to
     * @return a connection as postgres without a password
     * @throws SQLException when the server cannot be reached (.ci/run starts it)
     */
    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
    }

    /**
     * Drops every database whose name starts with a test's own prefix (its source and target, and a
     * staging database a stopped restore left), also while sessions are open.
     *
     * @param prefix the test's prefix, e.g. {@code dbr_e2e_<random>_}
     * @return the databases dropped
     * @throws SQLException when the server refuses
     */
    public static List<String> dropDatabasesStartingWith(String prefix) throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Connection c = connect("postgres")) {
            try (var rs = c.createStatement().executeQuery("SELECT datname FROM pg_database")) {
                while (rs.next()) {
                    if (rs.getString(1).startsWith(prefix)) {
                        dropped.add(rs.getString(1));
                    }
                }
            }
            for (String database : dropped) {
                c.createStatement().execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(database) + " WITH (FORCE)");
            }
        }
        return dropped;
    }
}
