package dev.dbrefresh.contracts;

/**
 * {@code dbrefresh.cluster.restored.v1}: the target was replaced by a restore of the snapshot.
 *
 * @param plan           plan name
 * @param engine         engine id
 * @param snapshotId     snapshot the target was restored from
 * @param endpoint       where the restored target is: the writer endpoint host name (cluster engines), the
 *                       server's host name ({@code postgres}), or the restored table's ARN ({@code dynamodb});
 *                       users-service checks it against the plan and never connects to it for cluster engines
 *                       (it asks DescribeDBClusters)
 * @param readerEndpoint reader endpoint host name; equals {@code endpoint} where there is none
 * @param port           TCP port (443 for {@code dynamodb})
 * @param database       database name on the endpoint (PostgreSQL/MySQL), the restored table's name
 *                       ({@code dynamodb}), or {@code null} (DocumentDB without {@code target.database})
 * @param dryRun         nothing was restored: the endpoint is the existing target's
 */
public record ClusterRestored(String plan, String engine, String snapshotId, String endpoint, String readerEndpoint,
        int port, String database, boolean dryRun) implements DbRefreshEvent {
}
