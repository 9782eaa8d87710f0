package dev.dbrefresh.contracts;

/**
 * An order-independent checksum of one table's rows, as recorded in a {@link SnapshotManifest} and compared
 * after a restore.
 *
 * @param schema   schema name
 * @param table    table name
 * @param rows     number of rows summed
 * @param checksum the engine's checksum text; for {@code postgres} {@code md5sum:<hex>}: the sum modulo 2^128 of
 *                 the MD5 of every row's text form (so row order does not matter and a duplicated row counts
 *                 twice)
 */
public record TableChecksum(String schema, String table, long rows, String checksum) {

    /** @return {@code schema.table}, unquoted, for display */
    public String qualifiedName() {
        return schema + "." + table;
    }
}
