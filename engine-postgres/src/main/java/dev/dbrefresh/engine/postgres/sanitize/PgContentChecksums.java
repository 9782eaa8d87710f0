package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.contracts.TableChecksum;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Order-independent checksums of every ordinary table's rows, read at dump time inside the dump's exported
 * snapshot and again in the restored staging database.
 *
 * <p>Per table: the number of rows and the sum of the MD5 of each row's text form ({@code ROW(r.*)::text}), the
 * 128 bits taken as two 64-bit halves summed separately as {@code numeric} (exact, no overflow): the same rows in
 * any order give the same sums, and a changed, missing or duplicated row changes them. The text form depends on
 * session settings, so both sides first set the output settings that affect it ({@link #OUTPUT_SETTINGS}), with
 * {@code SET LOCAL} inside the caller's transaction. Partitioned parents are left out (their partitions are ordinary
 * tables and checked themselves), and so are pg_cron's own tables (never restored, {@link PgCron}). Sources: PostgreSQL docs "Row Constructors"
 * (https://www.postgresql.org/docs/15/sql-expressions.html#SQL-SYNTAX-ROW-CONSTRUCTORS), "String Functions"
 * ({@code md5}), "Client Connection Defaults" (DateStyle, IntervalStyle, TimeZone, extra_float_digits,
 * bytea_output).
 *
 * <p>Cost: one sequential read of every table and an MD5 per row; README gives a measured figure.
 */
public final class PgContentChecksums {

    /** Output settings made equal on both sides before rows are turned into text. */
    public static final List<String> OUTPUT_SETTINGS = List.of("SET LOCAL DateStyle = 'ISO, YMD'",
            "SET LOCAL IntervalStyle = 'postgres'", "SET LOCAL TimeZone = 'UTC'", "SET LOCAL extra_float_digits = 3",
            "SET LOCAL bytea_output = 'hex'", "SET LOCAL lc_monetary = 'C'");

    private static final String TABLES_SQL = """
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND c.relpersistence <> 't'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            """ + " AND " + PgCron.NOT_PG_CRON_TABLE + """

             ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
            """;

    private PgContentChecksums() {
    }

    /**
     * Reads every ordinary table's checksum. Must run inside a transaction (the settings are {@code SET LOCAL});
     * at dump time that is the transaction that exported the dump's snapshot.
     *
     * @param st a statement of a connection inside an open transaction
     * @return one checksum per ordinary user table, ordered by schema and table name
     * @throws SQLException when a table cannot be read
     */
    public static List<TableChecksum> read(Statement st) throws SQLException {
        for (String setting : OUTPUT_SETTINGS) {
            st.execute(setting);
        }
        List<String[]> tables = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(TABLES_SQL)) {
            while (rs.next()) {
                tables.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        List<TableChecksum> sums = new ArrayList<>(tables.size());
        for (String[] t : tables) {
            String sql = "SELECT count(*), coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0),"
                    + " coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)"
                    + " FROM (SELECT md5(ROW(r.*)::text) AS h FROM " + PgIdentifiers.quote(t[0]) + "."
                    + PgIdentifiers.quote(t[1]) + " AS r) AS rows";
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                sums.add(new TableChecksum(t[0], t[1], rs.getLong(1), "md5sum:" + rs.getBigDecimal(2).toPlainString()
                        + "/" + rs.getBigDecimal(3).toPlainString()));
            }
        }
        return sums;
    }

    /**
     * Reads the checksums in a transaction of its own ({@code REPEATABLE READ, READ ONLY}).
     *
     * @param c a connection to the database to read, in auto-commit mode
     * @return as {@link #read(Statement)}
     * @throws SQLException when a table cannot be read
     */
    public static List<TableChecksum> readInTransaction(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            try {
                return read(st);
            } finally {
                st.execute("COMMIT");
            }
        }
    }

    /**
     * @param expected what the dump read
     * @param actual   what the restore holds
     * @return one line per difference, naming the table: {@code only in the snapshot: s.t},
     *         {@code only in the restore: s.t}, {@code s.t: 100 rows, checksum ... in the snapshot; 99 rows, ...};
     *         empty when they agree
     */
    public static List<String> differences(List<TableChecksum> expected, List<TableChecksum> actual) {
        Map<String, TableChecksum> want = byName(expected);
        Map<String, TableChecksum> have = byName(actual);
        List<String> out = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(want.keySet());
        names.addAll(have.keySet());
        for (String name : names) {
            TableChecksum w = want.get(name);
            TableChecksum h = have.get(name);
            if (h == null) {
                out.add("only in the snapshot: " + w.qualifiedName());
            } else if (w == null) {
                out.add("only in the restore: " + h.qualifiedName());
            } else if (w.rows() != h.rows() || !w.checksum().equals(h.checksum())) {
                out.add(w.qualifiedName() + ": " + w.rows() + " rows, " + w.checksum() + " in the snapshot; "
                        + h.rows() + " rows, " + h.checksum() + " restored");
            }
        }
        return out;
    }

    private static Map<String, TableChecksum> byName(List<TableChecksum> sums) {
        Map<String, TableChecksum> m = new TreeMap<>();
        sums.forEach(s -> m.put(s.schema() + "\u0000" + s.table(), s));
        return m;
    }
}
