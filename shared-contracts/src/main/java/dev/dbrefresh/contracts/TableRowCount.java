package dev.dbrefresh.contracts;

/**
 * Exact row count of one table.
 *
 * @param schema schema name
 * @param table  table name
 * @param rows   number of rows
 */
public record TableRowCount(String schema, String table, long rows) {

    /** @return {@code schema.table}, unquoted, for display */
    public String qualifiedName() {
        return schema + "." + table;
    }
}
