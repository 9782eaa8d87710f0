package dev.dbrefresh.engine.rds;

/**
 * The restored cluster is not {@code available} (yet): e.g. {@code resetting-master-credentials} right
 * after the master password was reset, or {@code modifying}. Thrown out of the handler so that the
 * consumer backs off and the event is delivered again; the redrive policy bounds how often.
 */
public class ClusterNotAvailableException extends RuntimeException {

    private final String clusterId;
    private final String status;

    /**
     * @param clusterId the cluster identifier
     * @param status    its status as DescribeDBClusters reported it
     */
    public ClusterNotAvailableException(String clusterId, String status) {
        super("cluster " + clusterId + " is " + status + ", not available; checking again after a backoff");
        this.clusterId = clusterId;
        this.status = status;
    }

    /** @return the cluster identifier */
    public String clusterId() {
        return clusterId;
    }

    /** @return the status the cluster had, e.g. {@code resetting-master-credentials} */
    public String status() {
        return status;
    }
}
