package dev.dbrefresh.local;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgTools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/** What the local stack needs of the PostgreSQL server: the state database and the pgbench source. */
public final class LocalPostgres {

    private final PgTools tools = new PgTools(null);
    private final DatabaseEndpoint server;

    /** @param server any database on the server (host, port, user are used; {@code postgres} for DDL) */
    public LocalPostgres(DatabaseEndpoint server) {
        this.server = server.withDatabase("postgres");
    }

    /**
     * @param database a database name
     * @return whether it exists
     * @throws SQLException when the server cannot be reached
     */
    public boolean exists(String database) throws SQLException {
        try (Connection c = tools.connect(server, null);
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Creates a database unless it exists.
     *
     * @param database name
     * @return whether it was created now
     * @throws SQLException when the server cannot be reached or refuses
     */
    public boolean createIfMissing(String database) throws SQLException {
        if (exists(database)) {
            return false;
        }
        try (Connection c = tools.connect(server, null); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(database));
        }
        return true;
    }

    /**
     * Creates the source database with {@code pgbench -i -s scale} unless it exists: scale 1 is
     * 100,000 rows in {@code pgbench_accounts} (about 15 MB).
     *
     * @param database source database name
     * @param scale    pgbench scale factor, at least 1
     * @return whether it was created now
     * @throws SQLException when the server cannot be reached
     */
    public boolean ensurePgbenchSource(String database, int scale) throws SQLException {
        if (exists(database)) {
            return false;
        }
        createIfMissing(database);
        DatabaseEndpoint source = server.withDatabase(database);
        // pgbench has no --dbname option: the database is its last argument, checked as an identifier.
        List<String> command = List.of(tools.binary("pgbench").toString(), "-i", "-q", "-s", Integer.toString(scale),
                "--host=" + source.host(), "--port=" + source.port(), "--username=" + source.username(),
                PgIdentifiers.requireValid(database, "source database name"));
        try {
            tools.run(command, source, null, Duration.ofMinutes(30));
        } catch (RuntimeException e) {
            try (Connection c = tools.connect(server, null); var st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(database));
            }
            throw e;
        }
        return true;
    }

    /**
     * @param target a target database of a plan with {@code fast-path: template}
     * @return the snapshot id of its complete pristine copy on this server, empty when there is none
     * @throws SQLException when the server cannot be reached
     */
    public java.util.Optional<String> pristineSnapshot(String target) throws SQLException {
        try (Connection c = tools.connect(server, null)) {
            return dev.dbrefresh.engine.postgres.PgPristine.snapshotOf(c, target);
        }
    }

    /**
     * @param target a target database of a plan with {@code fast-path: template}
     * @return its clones on this server ({@code PgClones}), by name
     * @throws SQLException when the server cannot be reached
     */
    public List<dev.dbrefresh.engine.postgres.PgClones.Clone> clones(String target) throws SQLException {
        try (Connection c = tools.connect(server, null)) {
            return dev.dbrefresh.engine.postgres.PgClones.list(c, target);
        }
    }

    /**
     * @param database a database
     * @return exact row count per table ({@code schema.table}), sorted
     * @throws SQLException on database errors
     */
    public java.util.SortedMap<String, Long> rowCounts(String database) throws SQLException {
        java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
        try (Connection c = tools.connect(server.withDatabase(database), null)) {
            List<String[]> tables = new java.util.ArrayList<>();
            try (var rs = c.createStatement().executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT IN"
                    + " ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'")) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (var rs = c.createStatement().executeQuery("SELECT count(*) FROM " + PgIdentifiers.quote(t[0]) + "."
                        + PgIdentifiers.quote(t[1]))) {
                    rs.next();
                    counts.put(t[0] + "." + t[1], rs.getLong(1));
                }
            }
        }
        return counts;
    }
}
