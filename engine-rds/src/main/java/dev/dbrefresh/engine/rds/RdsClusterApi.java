package dev.dbrefresh.engine.rds;

import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterMember;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshotAttribute;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DbSubnetGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DescribeDbClusterSnapshotsRequest;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * {@link ClusterApi} for Aurora ({@code aurora-postgresql}, {@code aurora-mysql}) over the RDS API with
 * the SDK's {@link RdsClient} (region {@code aws.region}, endpoint {@code aws.services.rds.endpoint-override}).
 * Each method names the <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/Welcome.html">RDS
 * API</a> action it calls. "Not found" answers of describe calls become empty results; every other
 * error is thrown as the SDK's {@link RdsException} (see {@link AwsErrors} for what they mean).
 */
@Singleton
public class RdsClusterApi implements ClusterApi {

    private final RdsClient rds;

    /** @param rds the RDS client */
    public RdsClusterApi(RdsClient rds) {
        this.rds = rds;
    }

    /** @return {@code true} for {@code aurora-postgresql} and {@code aurora-mysql} */
    @Override
    public boolean serves(String engine) {
        return engine != null && engine.startsWith("aurora-");
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * with {@code SnapshotType=shared}, {@code IncludeShared=true}, filtered by source cluster on this
     * side (the {@code DBClusterIdentifier} parameter does not select other accounts' clusters).
     */
    @Override
    public List<ClusterSnapshot> sharedSnapshots(String sourceClusterId) {
        return describe(DescribeDbClusterSnapshotsRequest.builder().snapshotType("shared").includeShared(true).build())
                .stream().filter(s -> sourceClusterId == null || sourceClusterId.equals(s.clusterId())).toList();
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * with {@code SnapshotType=manual}.
     */
    @Override
    public List<ClusterSnapshot> manualSnapshots(String clusterId) {
        return describe(DescribeDbClusterSnapshotsRequest.builder().snapshotType("manual").dbClusterIdentifier(clusterId)
                .build());
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * by identifier; an ARN is looked up with {@code IncludeShared=true} (a shared snapshot is known only by
     * its ARN), and, where that finds nothing, as an own snapshot whose ARN must then match.
     */
    @Override
    public Optional<ClusterSnapshot> describeSnapshot(String snapshotIdOrArn) {
        boolean arn = snapshotIdOrArn.startsWith("arn:");
        Optional<ClusterSnapshot> found = first(DescribeDbClusterSnapshotsRequest.builder()
                .dbClusterSnapshotIdentifier(snapshotIdOrArn).includeShared(arn ? Boolean.TRUE : null).build());
        if (found.isEmpty() && arn) {
            String id = snapshotIdOrArn.substring(snapshotIdOrArn.lastIndexOf(':') + 1);
            found = first(DescribeDbClusterSnapshotsRequest.builder().dbClusterSnapshotIdentifier(id).build())
                    .filter(s -> snapshotIdOrArn.equals(s.arn()));
        }
        return found;
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterSnapshotAttribute.html">ModifyDBClusterSnapshotAttribute</a>
     * {@code AttributeName=restore ValuesToAdd=[accountId]}, made only when
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshotAttributes.html">DescribeDBClusterSnapshotAttributes</a>
     * does not list the account yet, so a redelivery changes nothing.
     */
    @Override
    public void shareSnapshot(String snapshotId, String accountId) {
        List<DBClusterSnapshotAttribute> attributes = rds.describeDBClusterSnapshotAttributes(r -> r
                .dbClusterSnapshotIdentifier(snapshotId)).dbClusterSnapshotAttributesResult().dbClusterSnapshotAttributes();
        boolean shared = attributes.stream().anyMatch(a -> "restore".equals(a.attributeName())
                && (a.attributeValues().contains(accountId) || a.attributeValues().contains("all")));
        if (!shared) {
            rds.modifyDBClusterSnapshotAttribute(r -> r.dbClusterSnapshotIdentifier(snapshotId).attributeName("restore")
                    .valuesToAdd(accountId));
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html">CopyDBClusterSnapshot</a>;
     * with {@code sourceRegion} set the SDK adds the pre-signed URL a cross-region copy of an encrypted
     * snapshot needs.
     */
    @Override
    public ClusterSnapshot copySnapshot(String sourceSnapshotArn, String targetSnapshotId, String kmsKeyId,
            String sourceRegion, Map<String, String> tags) {
        DBClusterSnapshot copy = rds.copyDBClusterSnapshot(r -> r.sourceDBClusterSnapshotIdentifier(sourceSnapshotArn)
                .targetDBClusterSnapshotIdentifier(targetSnapshotId).kmsKeyId(kmsKeyId).sourceRegion(sourceRegion)
                .tags(tags(tags))).dbClusterSnapshot();
        return snapshot(copy);
    }

    /** <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterSnapshot.html">DeleteDBClusterSnapshot</a>. */
    @Override
    public void deleteSnapshot(String snapshotId) {
        rds.deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(snapshotId));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html">DescribeDBClusters</a>
     * and <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ListTagsForResource.html">ListTagsForResource</a>
     * of its ARN.
     */
    @Override
    public Optional<ClusterInfo> describeCluster(String clusterId) {
        DBCluster cluster;
        try {
            List<DBCluster> clusters = rds.describeDBClusters(r -> r.dbClusterIdentifier(clusterId)).dbClusters();
            if (clusters.isEmpty()) {
                return Optional.empty();
            }
            cluster = clusters.get(0);
        } catch (RdsException e) {
            if (AwsErrors.isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
        Map<String, String> tags = map(rds.listTagsForResource(r -> r.resourceName(cluster.dbClusterArn())).tagList());
        List<String> members = cluster.dbClusterMembers().stream().map(DBClusterMember::dbInstanceIdentifier).toList();
        return Optional.of(new ClusterInfo(cluster.dbClusterIdentifier(), cluster.dbClusterArn(), cluster.status(),
                cluster.endpoint(), cluster.readerEndpoint(), cluster.port() == null ? 0 : cluster.port(),
                cluster.engine(), members, tags));
    }

    /** <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html">DescribeDBInstances</a>. */
    @Override
    public Optional<InstanceInfo> describeInstance(String instanceId) {
        try {
            return rds.describeDBInstances(r -> r.dbInstanceIdentifier(instanceId)).dbInstances().stream().findFirst()
                    .map(i -> new InstanceInfo(i.dbInstanceIdentifier(), i.dbInstanceStatus()));
        } catch (RdsException e) {
            if (AwsErrors.isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html">DeleteDBInstance</a>
     * with the identifier only: {@code SkipFinalSnapshot}/{@code FinalDBSnapshotIdentifier} do not apply
     * to Aurora cluster members (their data is the cluster's; the cluster delete decides about a final snapshot).
     */
    @Override
    public void deleteInstance(String instanceId) {
        rds.deleteDBInstance(r -> r.dbInstanceIdentifier(instanceId));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html">DeleteDBCluster</a>
     * with {@code SkipFinalSnapshot=true}, or {@code FinalDBSnapshotIdentifier} when one is given. A
     * {@code DBClusterNotFoundFault} is thrown as is: callers treat it as "already gone"
     * ({@link AwsErrors#isNotFound}).
     */
    @Override
    public void deleteCluster(String clusterId, String finalSnapshotId) {
        rds.deleteDBCluster(r -> r.dbClusterIdentifier(clusterId).skipFinalSnapshot(finalSnapshotId == null)
                .finalDBSnapshotIdentifier(finalSnapshotId));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html">RestoreDBClusterFromSnapshot</a>
     * with engine, version, subnet group, VPC security groups, KMS key, cluster parameter group, port and tags.
     */
    @Override
    public void restoreCluster(RestoreRequest request) {
        rds.restoreDBClusterFromSnapshot(r -> r.dbClusterIdentifier(request.clusterId())
                .snapshotIdentifier(request.snapshotId()).engine(request.engine()).engineVersion(request.engineVersion())
                .dbSubnetGroupName(request.subnetGroup()).vpcSecurityGroupIds(request.securityGroups())
                .kmsKeyId(request.kmsKeyId()).dbClusterParameterGroupName(request.clusterParameterGroup())
                .port(request.port() > 0 ? request.port() : null).tags(tags(request.tags())));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html">CreateDBInstance</a>
     * with {@code DBClusterIdentifier}: storage, network and encryption come from the cluster.
     */
    @Override
    public void createInstance(String instanceId, String clusterId, String instanceClass, String engine,
            Map<String, String> tags) {
        rds.createDBInstance(r -> r.dbInstanceIdentifier(instanceId).dbClusterIdentifier(clusterId)
                .dbInstanceClass(instanceClass).engine(engine).tags(tags(tags)));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html">ModifyDBCluster</a>
     * {@code MasterUserPassword}, {@code ApplyImmediately=true}. The SDK needs a {@link String}; it lives
     * only for the call.
     */
    @Override
    public void modifyMasterPassword(String clusterId, char[] password) {
        rds.modifyDBCluster(r -> r.dbClusterIdentifier(clusterId).masterUserPassword(new String(password))
                .applyImmediately(true));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html">ModifyDBCluster</a>
     * {@code NewDBClusterIdentifier}, {@code ApplyImmediately=true}.
     */
    @Override
    public void renameCluster(String clusterId, String newClusterId) {
        rds.modifyDBCluster(r -> r.dbClusterIdentifier(clusterId).newDBClusterIdentifier(newClusterId)
                .applyImmediately(true));
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html">ModifyDBInstance</a>
     * {@code NewDBInstanceIdentifier}, {@code ApplyImmediately=true}.
     */
    @Override
    public void renameInstance(String instanceId, String newInstanceId) {
        rds.modifyDBInstance(r -> r.dbInstanceIdentifier(instanceId).newDBInstanceIdentifier(newInstanceId)
                .applyImmediately(true));
    }

    /** <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSubnetGroups.html">DescribeDBSubnetGroups</a>. */
    @Override
    public boolean subnetGroupExists(String name) {
        try {
            return !rds.describeDBSubnetGroups(r -> r.dbSubnetGroupName(name)).dbSubnetGroups().isEmpty();
        } catch (DbSubnetGroupNotFoundException e) {
            return false;
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterParameterGroups.html">DescribeDBClusterParameterGroups</a>.
     */
    @Override
    public boolean clusterParameterGroupExists(String name) {
        try {
            return !rds.describeDBClusterParameterGroups(r -> r.dbClusterParameterGroupName(name))
                    .dbClusterParameterGroups().isEmpty();
        } catch (DbParameterGroupNotFoundException e) {
            return false;
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOrderableDBInstanceOptions.html">DescribeOrderableDBInstanceOptions</a>
     * with {@code Engine}, {@code EngineVersion} and {@code DBInstanceClass}; the answer is filtered by class and
     * version here as well (an emulator may ignore the filters).
     */
    @Override
    public boolean instanceClassOrderable(String engine, String engineVersion, String instanceClass) {
        return rds.describeOrderableDBInstanceOptionsPaginator(r -> r.engine(engine).engineVersion(engineVersion)
                .dbInstanceClass(instanceClass)).orderableDBInstanceOptions().stream()
                .anyMatch(o -> instanceClass.equals(o.dbInstanceClass())
                        && (engineVersion == null || engineVersion.equals(o.engineVersion())));
    }

    private List<ClusterSnapshot> describe(DescribeDbClusterSnapshotsRequest request) {
        List<ClusterSnapshot> result = new ArrayList<>();
        try {
            rds.describeDBClusterSnapshotsPaginator(request).dbClusterSnapshots().forEach(s -> result.add(snapshot(s)));
        } catch (RdsException e) {
            if (!AwsErrors.isNotFound(e)) {
                throw e;
            }
        }
        return result;
    }

    private Optional<ClusterSnapshot> first(DescribeDbClusterSnapshotsRequest request) {
        return describe(request).stream().findFirst();
    }

    private static ClusterSnapshot snapshot(DBClusterSnapshot s) {
        return new ClusterSnapshot(s.dbClusterSnapshotIdentifier(), s.dbClusterSnapshotArn(), s.dbClusterIdentifier(),
                s.status(), s.snapshotCreateTime() == null ? null : s.snapshotCreateTime().toString(), s.engine(),
                s.kmsKeyId(), s.snapshotType(), map(s.tagList()));
    }

    private static Map<String, String> map(Collection<Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    private static List<Tag> tags(Map<String, String> tags) {
        List<Tag> list = new ArrayList<>();
        if (tags != null) {
            tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
        }
        return list;
    }
}
