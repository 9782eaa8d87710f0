package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a restored PostgreSQL database against its snapshot's manifest: the exact row count
 * ({@code SELECT count(*)}) of every table the manifest lists must equal the recorded count.
 *
 * <p>All counts are read in one {@code REPEATABLE READ, READ ONLY} transaction, i.e. from one database
 * snapshot (PostgreSQL docs "Transaction Isolation",
 * https://www.postgresql.org/docs/15/transaction-iso.html). A manifest table that does not exist on the
 * target as an ordinary or partitioned table is a mismatch with actual count {@code -1}. Tables on the
 * target that the manifest does not list are not checked.
 */
public final class PgVerifier {

    /** {@link Mismatch#actual()} of a table that does not exist on the target. */
    public static final long MISSING = -1;

    private final PgTools tools;

    /** @param tools access to the target server */
    public PgVerifier(PgTools tools) {
        this.tools = Objects.requireNonNull(tools, "tools");
    }

    /**
     * @param target   the restored database
     * @param password its user's password, or {@code null} where the server trusts the connection; not cleared
     * @param manifest the snapshot's manifest
     * @return per table: matched (with its count) or a mismatch (expected, actual or {@value #MISSING})
     * @throws IllegalStateException when the target cannot be reached or a count fails (cause: the {@link SQLException})
     */
    public VerificationResult verify(DatabaseEndpoint target, char[] password, SnapshotManifest manifest) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        List<TableRowCount> matched = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        try (Connection c = tools.connect(target, password); Statement st = c.createStatement();
             PreparedStatement exists = c.prepareStatement("""
                     SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')""")) {
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            for (TableRowCount t : manifest.tables()) {
                exists.setString(1, t.schema());
                exists.setString(2, t.table());
                boolean present;
                try (ResultSet rs = exists.executeQuery()) {
                    present = rs.next();
                }
                if (!present) {
                    mismatches.add(new Mismatch(t.qualifiedName(), t.rows(), MISSING));
                    continue;
                }
                long actual;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + PgIdentifiers.quote(t.schema()) + "."
                        + PgIdentifiers.quote(t.table()))) {
                    rs.next();
                    actual = rs.getLong(1);
                }
                if (actual == t.rows()) {
                    matched.add(new TableRowCount(t.schema(), t.table(), actual));
                } else {
                    mismatches.add(new Mismatch(t.qualifiedName(), t.rows(), actual));
                }
            }
            st.execute("COMMIT");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot verify " + target.display() + " against snapshot "
                    + manifest.snapshotId() + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
        return new VerificationResult(matched, mismatches);
    }

    /**
     * Outcome of {@link #verify}.
     *
     * @param matched    tables whose count equals the manifest's, with that count
     * @param mismatches tables whose count differs or that are missing
     */
    public record VerificationResult(List<TableRowCount> matched, List<Mismatch> mismatches) {

        /**
         * Copies both lists (unmodifiable).
         *
         * @param matched    tables whose count equals the manifest's
         * @param mismatches tables whose count differs or that are missing
         */
        public VerificationResult {
            matched = List.copyOf(matched);
            mismatches = List.copyOf(mismatches);
        }

        /** @return whether every manifest table matched */
        public boolean ok() {
            return mismatches.isEmpty();
        }

        /** @return the number of rows in matched tables */
        public long rowsVerified() {
            return matched.stream().mapToLong(TableRowCount::rows).sum();
        }
    }

    /**
     * A table whose row count differs from the manifest.
     *
     * @param table    {@code schema.table}, unquoted
     * @param expected rows recorded in the manifest
     * @param actual   rows on the target, or {@value PgVerifier#MISSING} when the table does not exist
     */
    public record Mismatch(String table, long expected, long actual) {
    }
}
