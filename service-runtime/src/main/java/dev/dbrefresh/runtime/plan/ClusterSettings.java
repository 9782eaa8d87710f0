package dev.dbrefresh.runtime.plan;

import java.util.List;
import java.util.Map;

/**
 * The AWS side of a plan for the cluster engines ({@code aurora-postgresql}, {@code aurora-mysql},
 * {@code docdb}): where the production snapshots come from and how the target cluster is rebuilt.
 * Names follow the RDS API (RestoreDBClusterFromSnapshot, CreateDBInstance).
 *
 * @param sourceAccount          AWS account id of production (12 digits)
 * @param sourceRegion           region of the source snapshots
 * @param sourceCluster          DBClusterIdentifier of the production cluster (picks its snapshots)
 * @param sourceSnapshot         a fixed snapshot identifier or ARN to restore, or {@code null} for the newest shared one
 * @param shareFromSource        whether dbrefresh shares the source account's own (manual) snapshot with the
 *                               target account ({@code ModifyDBClusterSnapshotAttribute restore}) instead of
 *                               finding one production already shared
 * @param shareRoleArn           role in the source account that picks and shares the snapshot when
 *                               {@code shareFromSource} (assumed through STS); {@code null} when the service
 *                               itself runs with source-account credentials
 * @param targetAccount          AWS account id of the target
 * @param targetRegion           region of the target cluster
 * @param targetCluster          DBClusterIdentifier of the cluster that is replaced
 * @param engineVersion          engine version of the restored cluster, or {@code null} for the snapshot's
 * @param kmsKeyId               KMS key (ARN) the copy and the restored cluster are encrypted with
 * @param subnetGroup            DB subnet group name
 * @param securityGroups         VPC security group ids
 * @param clusterParameterGroup  DB cluster parameter group, or {@code null}
 * @param port                   port of the restored cluster, or 0 for the engine's default
 * @param instanceClass          instance class of the instances created after the restore
 * @param instances              number of instances (a cluster restore creates none), at least 1
 * @param requiredTag            {@code key=value} the existing target cluster must carry before it may be deleted,
 *                               or {@code null}
 * @param finalSnapshot          whether to take a final snapshot when deleting the target cluster
 * @param tags                   tags of the copy, the restored cluster and its instances
 * @param masterUsername         master user of the restored cluster
 * @param masterPasswordSecret   secret reference of the target's own master password (reset after the restore)
 * @param database               database the users and verification connect to (PostgreSQL/MySQL), or {@code null}
 * @param tls                    whether clients connect with TLS (DocumentDB: the RDS CA bundle)
 * @param endpointOverrides      test-only: restored endpoint host -> {@code host:port} to connect to instead
 *                               ({@code *} for every host)
 * @param sanitize               isolation and masks applied before the plan's users are created ({@code aurora-mysql}
 *                               masks; isolation for {@code aurora-mysql}); {@link SanitizeSettings#DEFAULT} otherwise
 */
public record ClusterSettings(String sourceAccount, String sourceRegion, String sourceCluster, String sourceSnapshot,
        boolean shareFromSource, String shareRoleArn, String targetAccount, String targetRegion, String targetCluster, String engineVersion,
        String kmsKeyId, String subnetGroup, List<String> securityGroups, String clusterParameterGroup, int port,
        String instanceClass, int instances, String requiredTag, boolean finalSnapshot, Map<String, String> tags,
        String masterUsername, String masterPasswordSecret, String database, boolean tls,
        Map<String, String> endpointOverrides, SanitizeSettings sanitize) implements EngineSettings {

    /** @return {@code rds://<account>/<region>/<cluster>} of the target, the lease key and guard subject */
    @Override
    public String targetId() {
        return "rds://" + targetAccount + "/" + targetRegion + "/" + targetCluster;
    }

    /** @return {@code rds://<account>/<region>/<cluster>} of the source */
    @Override
    public String sourceId() {
        return "rds://" + sourceAccount + "/" + sourceRegion + "/" + sourceCluster;
    }

}
