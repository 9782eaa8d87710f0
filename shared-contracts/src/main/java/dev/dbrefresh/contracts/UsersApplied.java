package dev.dbrefresh.contracts;

import java.util.List;

/**
 * {@code dbrefresh.users.applied.v1}: users and grants are in place and the data was verified.
 *
 * @param plan         plan name
 * @param engine       engine id
 * @param snapshotId   snapshot the target was restored from
 * @param endpoint     endpoint the users were applied on
 * @param users        names of the users/roles created or updated
 * @param verified     per table ({@code schema} = schema for PostgreSQL, database for MySQL/DocumentDB,
 *                     {@code dynamodb} for a DynamoDB table; {@code rows} = rows, documents or items): the largest tables verified (by rows, at most {@link #MAX_VERIFIED_IN_EVENT}), for the
 *                     notification; every table's count is in the audit log (step {@code verify-counts})
 * @param rowsVerified sum of the rows of every table verified
 * @param dryRun       nothing was applied: the run only read and checked
 * @param tablesVerified how many tables (collections) were verified in all
 */
public record UsersApplied(String plan, String engine, String snapshotId, String endpoint, List<String> users,
        List<TableRowCount> verified, long rowsVerified, boolean dryRun, int tablesVerified) implements DbRefreshEvent {

    /**
     * At most this many per-table counts travel in the event, so an event of a database with any number
     * of tables stays far below the SQS/SNS message size limit (256 KiB).
     */
    public static final int MAX_VERIFIED_IN_EVENT = 20;

    /**
     * @param counts every table's count
     * @return the {@link #MAX_VERIFIED_IN_EVENT} largest, largest first (ties by schema, then table)
     */
    public static List<TableRowCount> largest(List<TableRowCount> counts) {
        return counts.stream().sorted(java.util.Comparator.comparingLong(TableRowCount::rows).reversed()
                .thenComparing(TableRowCount::schema).thenComparing(TableRowCount::table))
                .limit(MAX_VERIFIED_IN_EVENT).toList();
    }
}
