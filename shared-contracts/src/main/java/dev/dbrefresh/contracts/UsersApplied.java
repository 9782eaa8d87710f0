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
 * @param verified     per-table row counts that matched the snapshot manifest
 * @param rowsVerified sum of {@code verified} rows
 * @param dryRun       nothing was applied: the run only read and checked
 */
public record UsersApplied(String plan, String engine, String snapshotId, String endpoint, List<String> users,
        List<TableRowCount> verified, long rowsVerified, boolean dryRun) implements DbRefreshEvent {
}
