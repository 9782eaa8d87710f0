package dev.dbrefresh.engine.postgres.testing;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.engine.postgres.PostgresIdentity;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The databases of one test class on the PostgreSQL server at 127.0.0.1:5432 (trust auth): names
 * {@code dbr_<service>_<random>_<suffix>}, so concurrent test runs never share one, all dropped by
 * {@link #close()}. A service whose tests need more (roles, say) extends this class.
 */
public class TestDatabases implements AutoCloseable {

    /** PostgreSQL client tools and JDBC connections, from the {@code PATH}. */
    public static final PgTools TOOLS = new PgTools(null);
    /** The server, as superuser {@code postgres} on database {@code postgres}. */
    public static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);

    /** Identities as the server at 127.0.0.1:5432 states them; trust auth, so no secret is ever resolved. */
    public static final PostgresIdentity IDENTITIES = new PostgresIdentity(
            reference -> {
                throw new IllegalStateException("the test server trusts its connections; no secret expected, got "
                        + reference);
            });

    /**
     * @param database a database on the server at 127.0.0.1:5432 (it need not exist)
     * @return its lease key as every service computes it: {@code postgres://<system identifier>/<database>}
     */
    public static String leaseKey(String database) {
        try {
            return IDENTITIES.postgres(ADMIN.withDatabase(database)).key();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask 127.0.0.1:5432 its system identifier", e);
        }
    }

    private final String prefix;
    private final List<String> databases = new ArrayList<>();

    /** @param service short service name, part of every database name */
    public TestDatabases(String service) {
        this.prefix = "dbr_" + service + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    /** @return the name {@code <prefix>_<suffix>}, without creating anything */
    public String name(String suffix) {
        return prefix + "_" + suffix;
    }

    /** Creates database {@code <prefix>_<suffix>} and returns its name. */
    public String create(String suffix) throws SQLException {
        String db = name(suffix);
        databases.add(db);
        exec("postgres", "CREATE DATABASE " + PgIdentifiers.quote(db));
        return db;
    }

    /** Creates a database holding table {@code marker} with {@code rows} rows: what a refusal must leave alone. */
    public String createWithMarker(String suffix, int rows) throws SQLException {
        String db = create(suffix);
        exec(db, "CREATE TABLE marker (id int PRIMARY KEY, note text)",
                "INSERT INTO marker SELECT g, 'keep ' || g FROM generate_series(1, " + rows + ") g");
        return db;
    }

    /** Fills a database with {@code pgbench -i -s 1} (100000 accounts, 10 tellers, 1 branch). */
    public void pgbench(String db) throws Exception {
        Process p = new ProcessBuilder(TOOLS.binary("pgbench").toString(), "-i", "-s", "1", "-q",
                "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", db).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pgbench -i " + db + " failed: " + out);
        }
    }

    /** @return the endpoint of a database on this server, as superuser */
    public DatabaseEndpoint endpoint(String db) {
        return ADMIN.withDatabase(db);
    }

    /** Runs statements in a database, in order, on one connection. */
    public void exec(String db, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** @return the first column of the first row as a long (0 when SQL NULL); the query must return a row */
    public long queryLong(String db, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return the first column of the first row, empty when there is no row or it is SQL NULL */
    public Optional<String> queryString(String db, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(endpoint(db), null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    /** @return exact row counts of every table in schema public, by table name */
    public Map<String, Long> counts(String db) throws SQLException {
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

    /**
     * Takes a snapshot as snapshot-service's postgres engine does: {@code pg_dump -Fc} into a staging
     * directory of the store, the exact row count of every table, committed with its manifest (the
     * source is not written to while the test runs, so counting after the dump reads the same data).
     */
    public SnapshotManifest snapshot(String db, SnapshotStore store, String snapshotId) throws Exception {
        Path staging = store.newStagingDir(snapshotId);
        Path dump = staging.resolve("dump.pgdump");
        List<String> cmd = new ArrayList<>(List.of("pg_dump", "--format=custom"));
        cmd.addAll(PgTools.connectionOptions(endpoint(db)));
        cmd.add("--file=" + dump);
        TOOLS.run(cmd, endpoint(db), null, Duration.ofMinutes(2));
        List<TableRowCount> tables = counts(db).entrySet().stream()
                .map(e -> new TableRowCount("public", e.getKey(), e.getValue())).toList();
        return store.commit(staging, new SnapshotManifest(snapshotId, "postgres", endpoint(db).display(), Instant.now(),
                "pg_dump-custom", "dump.pgdump", Files.size(dump), SnapshotStore.sha256(dump), tables)
                .ofSource(null, leaseKey(db)));
    }

    /**
     * Drops every database created here and what a restore of it leaves beside it
     * ({@code PgRestorer.companionNames}), forcing off open connections.
     */
    @Override
    public void close() throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String db : databases) {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
                for (String companion : dev.dbrefresh.engine.postgres.PgRestorer.companionNames(db)) {
                    st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(companion) + " WITH (FORCE)");
                }
            }
        }
    }
}
