package dev.dbrefresh.engine.rds;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The RDS/DocumentDB cluster control plane that the cluster engines need, in the words of the RDS API
 * (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/Welcome.html">RDS API reference</a>;
 * DocumentDB exposes the same actions: <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/api-reference.html">DocumentDB API</a>).
 * Implemented by {@link RdsClusterApi} (Aurora) and {@link DocDbClusterApi} (DocumentDB). AWS errors
 * surface as the SDK's exceptions; their error codes (e.g. {@code DBClusterNotFoundFault},
 * {@code SnapshotQuotaExceeded}) are mapped to messages by {@link AwsErrors}.
 */
public interface ClusterApi {

    /**
     * Which plan engines this implementation serves; {@link ClusterApis} picks the implementation by it.
     *
     * @param engine a plan's engine id, e.g. {@code aurora-postgresql}, {@code docdb}
     * @return whether this implementation's API manages clusters of that engine
     */
    boolean serves(String engine);

    /**
     * {@code DescribeDBClusterSnapshots} with {@code SnapshotType=shared} and {@code IncludeShared=true}:
     * snapshots other accounts shared with this one.
     *
     * @param sourceClusterId only snapshots of this source cluster identifier
     * @return the snapshots, any order
     */
    List<ClusterSnapshot> sharedSnapshots(String sourceClusterId);

    /**
     * {@code DescribeDBClusterSnapshots} with {@code SnapshotType=manual} for one cluster, or all when
     * {@code clusterId} is {@code null}: the account's own snapshots (copies are manual snapshots).
     *
     * @param clusterId cluster identifier, or {@code null}
     * @return the snapshots, any order
     */
    List<ClusterSnapshot> manualSnapshots(String clusterId);

    /**
     * @param snapshotIdOrArn a snapshot identifier (own) or ARN (shared)
     * @return the snapshot, or empty when there is none
     */
    Optional<ClusterSnapshot> describeSnapshot(String snapshotIdOrArn);

    /**
     * {@code ModifyDBClusterSnapshotAttribute}, attribute {@code restore}, adding one account.
     *
     * @param snapshotId snapshot identifier (in this account)
     * @param accountId  account allowed to copy and restore it
     */
    void shareSnapshot(String snapshotId, String accountId);

    /**
     * {@code CopyDBClusterSnapshot}.
     *
     * @param sourceSnapshotArn source snapshot ARN (or identifier in this account and region)
     * @param targetSnapshotId  identifier of the copy, e.g. {@code copy-<source id>}
     * @param kmsKeyId          KMS key ARN of the copy
     * @param sourceRegion      region of the source for a cross-region copy (Aurora), or {@code null}
     * @param tags              tags of the copy (dbrefresh tags its copies so retention deletes only them)
     * @return the copy, usually in status {@code copying} or {@code creating}
     */
    ClusterSnapshot copySnapshot(String sourceSnapshotArn, String targetSnapshotId, String kmsKeyId, String sourceRegion,
            Map<String, String> tags);

    /** @param snapshotId a manual snapshot of this account to delete ({@code DeleteDBClusterSnapshot}) */
    void deleteSnapshot(String snapshotId);

    /**
     * {@code DescribeDBClusters} plus the cluster's tags.
     *
     * @param clusterId cluster identifier
     * @return the cluster, or empty when {@code DBClusterNotFoundFault}
     */
    Optional<ClusterInfo> describeCluster(String clusterId);

    /**
     * @param instanceId instance identifier
     * @return the instance, or empty when {@code DBInstanceNotFound}
     */
    Optional<InstanceInfo> describeInstance(String instanceId);

    /** @param instanceId instance to delete ({@code DeleteDBInstance}; a cluster member has no final snapshot) */
    void deleteInstance(String instanceId);

    /**
     * {@code DeleteDBCluster}.
     *
     * @param clusterId       cluster to delete (it must have no instances left)
     * @param finalSnapshotId identifier of a final snapshot, or {@code null} for {@code SkipFinalSnapshot=true}
     */
    void deleteCluster(String clusterId, String finalSnapshotId);

    /** @param request a {@code RestoreDBClusterFromSnapshot} request */
    void restoreCluster(RestoreRequest request);

    /**
     * {@code CreateDBInstance} in a cluster.
     *
     * @param instanceId    new instance identifier
     * @param clusterId     its cluster
     * @param instanceClass e.g. {@code db.r6g.large}
     * @param engine        the cluster's engine
     * @param tags          tags of the instance
     */
    void createInstance(String instanceId, String clusterId, String instanceClass, String engine, Map<String, String> tags);

    /**
     * {@code ModifyDBCluster} with {@code MasterUserPassword} and {@code ApplyImmediately}.
     *
     * @param clusterId cluster identifier
     * @param password  the new master password; not kept
     */
    void modifyMasterPassword(String clusterId, char[] password);

    /**
     * {@code ModifyDBCluster} with {@code NewDBClusterIdentifier} and {@code ApplyImmediately=true}: the cluster
     * keeps its data, instances and endpoints' targets; its identifier (and so its ARN and endpoint host names)
     * changes, after a short {@code renaming} status.
     *
     * @param clusterId    current identifier
     * @param newClusterId new identifier (1 to 63 letters, digits, hyphens)
     */
    void renameCluster(String clusterId, String newClusterId);

    /**
     * {@code ModifyDBInstance} with {@code NewDBInstanceIdentifier} and {@code ApplyImmediately=true}.
     *
     * @param instanceId    current identifier
     * @param newInstanceId new identifier
     */
    void renameInstance(String instanceId, String newInstanceId);

    /**
     * {@code DescribeDBSubnetGroups} of one name.
     *
     * @param name DB subnet group name
     * @return whether it exists ({@code DBSubnetGroupNotFoundFault} reads as {@code false})
     */
    boolean subnetGroupExists(String name);

    /**
     * {@code DescribeDBClusterParameterGroups} of one name.
     *
     * @param name DB cluster parameter group name
     * @return whether it exists ({@code DBParameterGroupNotFound} reads as {@code false})
     */
    boolean clusterParameterGroupExists(String name);

    /**
     * {@code DescribeOrderableDBInstanceOptions} for an engine, optionally its version, and an instance class.
     *
     * @param engine        engine, e.g. {@code aurora-postgresql}, {@code docdb}
     * @param engineVersion engine version, or {@code null} for any
     * @param instanceClass e.g. {@code db.r6g.large}
     * @return whether at least one orderable option has that engine (version) and class
     */
    boolean instanceClassOrderable(String engine, String engineVersion, String instanceClass);

    /**
     * A snapshot.
     *
     * @param id         identifier (for a shared one: as the owner named it)
     * @param arn        ARN
     * @param clusterId  cluster it was taken of
     * @param status     {@code available}, {@code copying}, {@code creating}, ...
     * @param createdAt  creation time, ISO-8601
     * @param engine     engine
     * @param kmsKeyId   KMS key, or {@code null}
     * @param type       {@code manual}, {@code automated}, {@code shared}
     * @param tags       tags (own snapshots only)
     */
    record ClusterSnapshot(String id, String arn, String clusterId, String status, String createdAt, String engine,
            String kmsKeyId, String type, Map<String, String> tags) {
    }

    /**
     * A cluster.
     *
     * @param id             identifier
     * @param arn            ARN
     * @param status         {@code available}, {@code creating}, {@code deleting}, ...
     * @param endpoint       writer endpoint
     * @param readerEndpoint reader endpoint
     * @param port           port
     * @param engine         engine
     * @param members        instance identifiers
     * @param tags           tags
     */
    record ClusterInfo(String id, String arn, String status, String endpoint, String readerEndpoint, int port,
            String engine, List<String> members, Map<String, String> tags) {
    }

    /**
     * An instance.
     *
     * @param id     identifier
     * @param status {@code available}, {@code creating}, {@code deleting}, ...
     */
    record InstanceInfo(String id, String status) {
    }

    /**
     * A {@code RestoreDBClusterFromSnapshot} request.
     *
     * @param clusterId             new cluster identifier
     * @param snapshotId            snapshot identifier or ARN
     * @param engine                engine
     * @param engineVersion         engine version, or {@code null}
     * @param subnetGroup           DB subnet group
     * @param securityGroups        VPC security group ids
     * @param kmsKeyId              KMS key, or {@code null}
     * @param clusterParameterGroup cluster parameter group, or {@code null}
     * @param port                  port, or 0 for the default
     * @param tags                  tags
     */
    record RestoreRequest(String clusterId, String snapshotId, String engine, String engineVersion, String subnetGroup,
            List<String> securityGroups, String kmsKeyId, String clusterParameterGroup, int port,
            Map<String, String> tags) {
    }
}
