package dev.dbrefresh.snapshot.it;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.postgres.PgIdentifiers;
import dev.dbrefresh.runtime.postgres.PgTools;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The databases of one test class on the PostgreSQL server at 127.0.0.1:5432 (trust auth): names
 * {@code dbr_<service>_<random>_<suffix>}, so concurrent test runs never share one, all dropped by
 * {@link #close()}.
 */
final class TestDatabases implements AutoCloseable {

    static final PgTools TOOLS = new PgTools(null);
    static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);

    private final String prefix;
    private final List<String> databases = new ArrayList<>();

    /** @param service short service name, part of every database name */
    TestDatabases(String service) {
        this.prefix = "dbr_" + service + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    /** @return the name {@code <prefix>_<suffix>}, without creating anything */
    String name(String suffix) {
        return prefix + "_" + suffix;
    }

    /** Creates database {@code <prefix>_<suffix>} and returns its name. */
    String create(String suffix) throws SQLException {
        String db = name(suffix);
        databases.add(db);
        exec("postgres", "CREATE DATABASE " + PgIdentifiers.quote(db));
        return db;
    }

    /** Creates a database holding table {@code marker} with {@code rows} rows: what a refusal must leave alone. */
    String createWithMarker(String suffix, int rows) throws SQLException {
        String db = create(suffix);
        exec(db, "CREATE TABLE marker (id int PRIMARY KEY, note text)",
                "INSERT INTO marker SELECT g, 'keep ' || g FROM generate_series(1, " + rows + ") g");
        return db;
    }

    /** Fills a database with {@code pgbench -i -s 1} (100000 accounts, 10 tellers, 1 branch). */
    void pgbench(String db) throws Exception {
        Process p = new ProcessBuilder(TOOLS.binary("pgbench").toString(), "-i", "-s", "1", "-q",
                "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", db).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pgbench -i " + db + " failed: " + out);
        }
    }

    DatabaseEndpoint endpoint(String db) {
        return ADMIN.withDatabase(db);
    }

    void exec(String db, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    long queryLong(String db, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return the first column of the first row, empty when there is no row or it is SQL NULL */
    Optional<String> queryString(String db, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    /** @return exact row counts of every table in schema public, by table name */
    Map<String, Long> counts(String db) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        List<String> tables = new ArrayList<>();
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM public." + PgIdentifiers.quote(t))) {
                    rs.next();
                    counts.put(t, rs.getLong(1));
                }
            }
        }
        return counts;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String db : databases) {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            }
        }
    }
}
