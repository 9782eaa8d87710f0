package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Tags;
import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterSnapshot;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import java.util.Optional;

/**
 * Whether a cluster snapshot belongs to a plan's source, by what AWS says about it, not by its name: its
 * {@code DBClusterIdentifier} is {@code source.cluster} and its origin's ARN lies in {@code source.account} and
 * {@code source.region} (and their partition). The origin is the snapshot itself, or, for a copy dbrefresh made,
 * the snapshot its {@value Tags#SOURCE_SNAPSHOT} tag names (a copy keeps the source's {@code DBClusterIdentifier}:
 * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterSnapshot.html">DBClusterSnapshot</a>).
 * snapshot-service checks the snapshot it is about to share and copy, cluster-service the copy it is about to
 * restore.
 */
public final class SnapshotOrigin {

    private SnapshotOrigin() {
    }

    /**
     * @param c        the plan's cluster settings
     * @param snapshot a snapshot; for a copy, its tags must be known
     * @return what is wrong (for a message that goes on with what to do), or empty when it is the source's
     */
    public static Optional<String> problem(ClusterSettings c, ClusterSnapshot snapshot) {
        String tagged = snapshot.tags() == null ? null : snapshot.tags().get(Tags.SOURCE_SNAPSHOT);
        String origin = tagged != null ? tagged : snapshot.arn();
        Optional<AwsArn> arn = AwsArn.parse(origin);
        boolean cluster = c.sourceCluster().equals(snapshot.clusterId());
        boolean place = arn.isPresent() && "rds".equals(arn.get().service())
                && "cluster-snapshot".equals(arn.get().resourceType()) && arn.get().isIn(c.sourceAccount(), c.sourceRegion());
        if (cluster && place) {
            return Optional.empty();
        }
        return Optional.of("snapshot " + snapshot.arn() + (tagged == null ? "" : " (a copy of " + tagged + ")")
                + " is of cluster " + snapshot.clusterId() + arn.map(a -> " in account " + a.account() + ", region "
                + a.region()).orElse("") + ", not of the plan's source cluster " + c.sourceCluster() + " in account "
                + c.sourceAccount() + ", region " + c.sourceRegion());
    }
}
