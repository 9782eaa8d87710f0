package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import java.util.Optional;

/**
 * What exists of a cluster target during and after a run, read with {@code DescribeDBClusters}: the old target
 * under its own name or renamed to {@link ClusterIdentifiers#oldCluster}, and the new target restored by the
 * run (tagged {@value Tags#RUN}{@code =<run id>}). Failure messages and notifications carry {@link #summary()},
 * so whoever reads them knows where the old data is.
 *
 * @param targetCluster the plan's {@code target.cluster}
 * @param oldCluster    the name the old target is renamed to by this run
 * @param target        the cluster now named {@code targetCluster}, if any
 * @param old           the cluster now named {@code oldCluster}, if any
 * @param runId         the run
 */
public record TargetState(String targetCluster, String oldCluster, Optional<ClusterInfo> target,
        Optional<ClusterInfo> old, String runId) {

    /**
     * @param api           the engine's control plane in the target account
     * @param targetCluster the plan's {@code target.cluster}
     * @param runId         the run
     * @return the state now (two {@code DescribeDBClusters} calls, with their tags)
     */
    public static TargetState read(ClusterApi api, String targetCluster, String runId) {
        String oldName = ClusterIdentifiers.oldCluster(targetCluster, runId);
        return new TargetState(targetCluster, oldName, api.describeCluster(targetCluster), api.describeCluster(oldName),
                runId);
    }

    /** @return whether the cluster named like the target was restored by this run */
    public boolean newTargetPresent() {
        return target.isPresent() && runId.equals(target.get().tags().get(Tags.RUN));
    }

    /**
     * @return e.g. {@code "old target intact, renamed as acc-old-run-1 (available); new target acc present
     *         (restored by this run, creating)"}, or {@code "old target acc intact under its name"}
     */
    public String summary() {
        StringBuilder s = new StringBuilder();
        if (old.isPresent()) {
            s.append("old target intact, renamed as ").append(oldCluster).append(" (").append(old.get().status())
                    .append(")");
        }
        if (target.isPresent()) {
            if (s.length() > 0) {
                s.append("; ");
            }
            s.append(newTargetPresent() ? "new target " + targetCluster + " present (restored by this run, "
                    + target.get().status() + ")" : (old.isPresent() ? "cluster " : "old target ") + targetCluster
                    + " intact under its name (" + target.get().status() + ")");
        }
        if (s.length() == 0) {
            s.append("no cluster named ").append(targetCluster).append(" or ").append(oldCluster).append(" exists");
        }
        return s.toString();
    }
}
