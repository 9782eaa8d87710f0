package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.contracts.TableRowCount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Counts the rows of every table in a restored MySQL database: the base tables listed by
 * {@code information_schema.TABLES} ({@code TABLE_TYPE = 'BASE TABLE'}; views and system tables are not
 * counted), each with an exact {@code SELECT COUNT(*)}.
 *
 * <p>The counts are read in one {@code REPEATABLE READ} transaction started {@code WITH CONSISTENT SNAPSHOT,
 * READ ONLY}, so InnoDB tables are counted as of one point in time (MySQL reference manual, "START
 * TRANSACTION", https://dev.mysql.com/doc/refman/8.0/en/commit.html). The table list itself comes from
 * the data dictionary, which is not transactional.
 */
public final class MySqlVerifier {

    /**
     * @param target   the restored database
     * @param password its user's password, or {@code null} for none; not cleared
     * @return one count per base table, ordered by table name; empty when the database has no tables
     * @throws IllegalStateException when the target cannot be reached or a count fails (cause: the {@link SQLException})
     */
    public List<TableRowCount> count(MySqlTarget target, char[] password) {
        Objects.requireNonNull(target, "target");
        List<TableRowCount> counts = new ArrayList<>();
        try (Connection c = target.connect(password); Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            List<String> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME AS t FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")) {
                ps.setString(1, target.database());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            String db = MySqlIdentifiers.quote(target.database(), "database name");
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + db + "." + MySqlIdentifiers.quote(t,
                        "table name"))) {
                    rs.next();
                    counts.add(new TableRowCount(target.database(), t, rs.getLong(1)));
                }
            }
            st.execute("COMMIT");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the tables of " + target.display() + ": " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")", e);
        }
        return counts;
    }
}
