package dev.dbrefresh.contracts;

/**
 * {@code dbrefresh.cluster.restored.v1}: the target was replaced by a restore of the snapshot.
 *
 * @param plan           plan name
 * @param engine         engine id
 * @param snapshotId     snapshot the target was restored from
 * @param endpoint       writer endpoint host name
 * @param readerEndpoint reader endpoint host name; equals {@code endpoint} where there is none
 * @param port           TCP port
 * @param database       database name on the endpoint (PostgreSQL/MySQL), or {@code null}
 * @param dryRun         nothing was restored: the endpoint is the existing target's
 */
public record ClusterRestored(String plan, String engine, String snapshotId, String endpoint, String readerEndpoint,
        int port, String database, boolean dryRun) implements DbRefreshEvent {
}
