package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Counts the rows of every user table of a restored PostgreSQL database (Aurora PostgreSQL, where no
 * snapshot manifest exists): the ordinary and partitioned tables in {@code pg_class} outside
 * {@code pg_catalog}, {@code information_schema}, {@code pg_toast} and temporary schemas, each with an
 * exact {@code SELECT count(*)}. Partitions are skipped because their parent's count includes them.
 *
 * <p>All counts are read in one {@code REPEATABLE READ, READ ONLY} transaction, i.e. from one database
 * snapshot (PostgreSQL docs "Transaction Isolation", https://www.postgresql.org/docs/15/transaction-iso.html;
 * catalog "pg_class", https://www.postgresql.org/docs/15/catalog-pg-class.html).
 */
public final class PgCatalogCounts {

    private final PgTools tools;

    /** @param tools access to the target server */
    public PgCatalogCounts(PgTools tools) {
        this.tools = Objects.requireNonNull(tools, "tools");
    }

    /**
     * @param target   the restored database
     * @param password its user's password, or {@code null} where the server trusts the connection; not cleared
     * @return one count per user table, ordered by schema and table name; empty when there are none
     * @throws IllegalStateException when the target cannot be reached or a count fails (cause: the {@link SQLException})
     */
    public List<TableRowCount> count(DatabaseEndpoint target, char[] password) {
        Objects.requireNonNull(target, "target");
        List<TableRowCount> counts = new ArrayList<>();
        try (Connection c = tools.connect(target, password); Statement st = c.createStatement()) {
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            List<String[]> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("""
                    SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
                      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
                       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
                     ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
                    """)) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + PgIdentifiers.quote(t[0]) + "."
                        + PgIdentifiers.quote(t[1]))) {
                    rs.next();
                    counts.add(new TableRowCount(t[0], t[1], rs.getLong(1)));
                }
            }
            st.execute("COMMIT");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the tables of " + target.display() + ": " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
        return counts;
    }
}
