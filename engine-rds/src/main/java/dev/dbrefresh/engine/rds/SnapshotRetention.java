package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Retention of the snapshot copies dbrefresh made for a cluster plan ({@code retention.keep-copies}):
 * lists the account's manual cluster snapshots ({@link ClusterApi#manualSnapshots}), keeps only those
 * tagged {@value Tags#MANAGED}{@code =true} and {@value Tags#PLAN}{@code =<plan>}, and deletes all but the
 * newest {@code keepCopies} of them ({@code DeleteDBClusterSnapshot}). A snapshot without both tags is
 * never deleted, whoever made it; neither is the snapshot the run just restored, nor one that is not
 * {@code available} (a copy still in progress). Idempotent: a redelivery finds the old copies gone.
 */
@Singleton
public class SnapshotRetention {

    private final ClusterApis clusterApis;

    /** @param clusterApis the RDS/DocumentDB control planes, by engine */
    public SnapshotRetention(ClusterApis clusterApis) {
        this.clusterApis = clusterApis;
    }

    /**
     * @param plan          a cluster plan with {@code keepCopies > 0}
     * @param keepSnapshot  a snapshot id or ARN never deleted (the one just restored), or {@code null}
     * @return what was kept and what was deleted
     * @throws IllegalArgumentException when the plan is not a cluster plan or keeps all copies
     */
    public Result prune(RefreshPlan plan, String keepSnapshot) {
        int keep = plan.notifications().keepCopies();
        if (!plan.isCluster() || keep <= 0) {
            throw new IllegalArgumentException("plan " + plan.name() + " has no snapshot retention (cluster plan with"
                    + " retention.keep-copies > 0)");
        }
        ClusterApi api = clusterApis.forEngine(plan.engine());
        List<ClusterSnapshot> ours = new ArrayList<>(api.manualSnapshots(null).stream()
                .filter(s -> s.tags() != null && "true".equals(s.tags().get(Tags.MANAGED))
                        && plan.name().equals(s.tags().get(Tags.PLAN)))
                .toList());
        // ISO-8601 instants sort chronologically as text; a snapshot without a time counts as newest.
        ours.sort(Comparator.comparing((ClusterSnapshot s) -> s.createdAt() == null ? "9999" : s.createdAt())
                .reversed());
        List<String> kept = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < ours.size(); i++) {
            ClusterSnapshot s = ours.get(i);
            boolean protectedOne = s.id().equals(keepSnapshot) || s.arn() != null && s.arn().equals(keepSnapshot)
                    || !"available".equals(s.status());
            if (i < keep || protectedOne) {
                kept.add(s.id());
            } else {
                api.deleteSnapshot(s.id());
                deleted.add(s.id());
            }
        }
        return new Result(kept, deleted);
    }

    /**
     * @param kept    ids of the tagged copies kept, newest first
     * @param deleted ids of the tagged copies deleted, newest first
     */
    public record Result(List<String> kept, List<String> deleted) {
    }
}
