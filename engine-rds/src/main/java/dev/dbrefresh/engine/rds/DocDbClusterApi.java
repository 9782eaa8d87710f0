package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.Engine;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.docdb.DocDbClient;
import software.amazon.awssdk.services.docdb.model.CopyDbClusterSnapshotRequest;
import software.amazon.awssdk.services.docdb.model.DBCluster;
import software.amazon.awssdk.services.docdb.model.DBClusterMember;
import software.amazon.awssdk.services.docdb.model.DBClusterSnapshot;
import software.amazon.awssdk.services.docdb.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbSnapshotNotFoundException;
import software.amazon.awssdk.services.docdb.model.DbSubnetGroupNotFoundException;
import software.amazon.awssdk.services.docdb.model.Filter;
import software.amazon.awssdk.services.docdb.model.RestoreDbClusterFromSnapshotRequest;
import software.amazon.awssdk.services.docdb.model.Tag;

/**
 * {@link ClusterApi} for Amazon DocumentDB through the DocumentDB SDK client ({@link DocDbClient}, API
 * version 2014-10-31, AWS Query protocol; <a
 * href="https://docs.aws.amazon.com/documentdb/latest/developerguide/api-reference.html">DocumentDB API
 * reference</a>). It serves the plan engine {@code docdb}.
 *
 * <p>DocumentDB shares its control plane with RDS and Neptune (same endpoint {@code rds.<region>.amazonaws.com},
 * same action names), but differs from the Aurora adapter {@link RdsClusterApi} in ways this class accounts for:
 * <ul>
 *   <li>{@code DescribeDBClusters} and {@code DescribeDBInstances} also return RDS and Neptune resources of the
 *       account; this class always sends the filter {@code engine=docdb}, as the API reference asks, so an Aurora
 *       cluster of the same name is never mistaken for the target (it reads as absent). Snapshot descriptions
 *       do not support filters ("not currently supported"), so snapshots of another engine are dropped here.</li>
 *   <li>{@code DBCluster} and {@code DBClusterSnapshot} carry no {@code TagList} in DocumentDB responses: tags
 *       are read with one {@code ListTagsForResource} per cluster and per own snapshot.</li>
 *   <li>A shared snapshot can be copied only within its region, and the source must be named by its ARN.
 *       {@code SourceRegion} (from which the SDK presigns {@code PreSignedUrl}) is sent only for an own snapshot
 *       in another region, never when the source region equals the client's region.</li>
 *   <li>The design copies a shared snapshot before restoring it; restores name the copy.</li>
 *   <li>{@code DeleteDBInstance} has no final-snapshot parameters; {@code RestoreDBClusterFromSnapshot} and
 *       {@code CreateDBInstance} need engine {@code docdb}; any other engine is refused here, since the shared
 *       control plane could otherwise create an RDS resource through this client.</li>
 * </ul>
 *
 * <p>Deletes are idempotent: deleting a snapshot, instance or cluster that no longer exists is not an error
 * (a redelivered message repeats the call). Other AWS errors surface as the SDK's {@code DocDbException}
 * subclasses with their error code ({@code awsErrorDetails().errorCode()}).
 */
@Singleton
public class DocDbClusterApi implements ClusterApi {

    /** The plan engine and DocumentDB engine name served here. */
    public static final String ENGINE = Engine.DOCDB.id();

    private static final String RESTORE_ATTRIBUTE = "restore";

    private final DocDbClient docdb;

    /**
     * @param docdb the DocumentDB client ({@code AwsClientFactory}; endpoint
     *              {@code aws.services.docdb.endpoint-override})
     */
    public DocDbClusterApi(DocDbClient docdb) {
        this.docdb = docdb;
    }

    /** @return {@code true} for {@code docdb} only */
    @Override
    public boolean serves(String engine) {
        return ENGINE.equalsIgnoreCase(engine);
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * with {@code SnapshotType=shared} and {@code IncludeShared=true}, all pages. The source cluster is matched
     * here (by identifier or cluster ARN) because the request's {@code DBClusterIdentifier} names clusters of
     * this account. Each snapshot's {@code type} is {@code shared}; no tags (another account's resource).
     */
    @Override
    public List<ClusterSnapshot> sharedSnapshots(String sourceClusterId) {
        return docdb.describeDBClusterSnapshotsPaginator(r -> r.snapshotType("shared").includeShared(true))
                .dbClusterSnapshots().stream()
                .filter(DocDbClusterApi::isDocDb)
                .filter(s -> sourceClusterId == null || sameCluster(s.dbClusterIdentifier(), sourceClusterId))
                .map(s -> toSnapshot(s, "shared", Map.of()))
                .toList();
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * with {@code SnapshotType=manual} (and {@code DBClusterIdentifier} when given), all pages, plus
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ListTagsForResource.html">ListTagsForResource</a>
     * per snapshot. A cluster that does not exist has no snapshots (empty list).
     */
    @Override
    public List<ClusterSnapshot> manualSnapshots(String clusterId) {
        List<DBClusterSnapshot> found;
        try {
            found = docdb.describeDBClusterSnapshotsPaginator(
                            r -> r.snapshotType("manual").dbClusterIdentifier(clusterId))
                    .dbClusterSnapshots().stream().filter(DocDbClusterApi::isDocDb).toList();
        } catch (DbClusterNotFoundException e) {
            return List.of();
        }
        List<ClusterSnapshot> result = new ArrayList<>(found.size());
        for (DBClusterSnapshot s : found) {
            result.add(toSnapshot(s, s.snapshotType(), snapshotTags(s.dbClusterSnapshotArn())));
        }
        return result;
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBClusterSnapshots.html">DescribeDBClusterSnapshots</a>
     * with {@code DBClusterSnapshotIdentifier}; an ARN (a shared snapshot) adds {@code IncludeShared=true}.
     * Tags are read ({@code ListTagsForResource}) when the snapshot is named by identifier, i.e. is this account's
     * own; a snapshot named by ARN comes without tags. {@code DBClusterSnapshotNotFoundFault} (HTTP 404) and an
     * empty answer are both "none".
     */
    @Override
    public Optional<ClusterSnapshot> describeSnapshot(String snapshotIdOrArn) {
        boolean byArn = snapshotIdOrArn.startsWith("arn:");
        List<DBClusterSnapshot> found;
        try {
            found = docdb.describeDBClusterSnapshots(r -> {
                r.dbClusterSnapshotIdentifier(snapshotIdOrArn);
                if (byArn) {
                    r.includeShared(true);
                }
            }).dbClusterSnapshots();
        } catch (DbClusterSnapshotNotFoundException e) {
            return Optional.empty();
        }
        Optional<DBClusterSnapshot> snapshot = found.stream().filter(DocDbClusterApi::isDocDb).findFirst();
        if (snapshot.isEmpty()) {
            return Optional.empty();
        }
        DBClusterSnapshot s = snapshot.get();
        // Found by identifier means an own snapshot; by ARN it may be another account's, whose tags we cannot read.
        boolean own = !byArn && !s.dbClusterSnapshotIdentifier().startsWith("arn:");
        return Optional.of(toSnapshot(s, s.snapshotType(), own ? snapshotTags(s.dbClusterSnapshotArn()) : Map.of()));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ModifyDBClusterSnapshotAttribute.html">ModifyDBClusterSnapshotAttribute</a>
     * with {@code AttributeName=restore} and {@code ValuesToAdd.AttributeValue.1=<account>}. An encrypted snapshot
     * can be shared with named accounts only (never {@code all}).
     */
    @Override
    public void shareSnapshot(String snapshotId, String accountId) {
        docdb.modifyDBClusterSnapshotAttribute(r -> r.dbClusterSnapshotIdentifier(snapshotId)
                .attributeName(RESTORE_ATTRIBUTE).valuesToAdd(accountId));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CopyDBClusterSnapshot.html">CopyDBClusterSnapshot</a>
     * with {@code KmsKeyId} (required by DocumentDB for an encrypted snapshot shared from another account) and
     * {@code Tags}. The response carries no tags; the returned record has the tags that were sent.
     *
     * @param sourceRegion region of an own snapshot in another region, or {@code null}; ignored when it equals
     *                     the client's region (DocumentDB copies a shared snapshot in its own region only)
     */
    @Override
    public ClusterSnapshot copySnapshot(String sourceSnapshotArn, String targetSnapshotId, String kmsKeyId,
            String sourceRegion, Map<String, String> tags) {
        CopyDbClusterSnapshotRequest.Builder request = CopyDbClusterSnapshotRequest.builder()
                .sourceDBClusterSnapshotIdentifier(sourceSnapshotArn)
                .targetDBClusterSnapshotIdentifier(targetSnapshotId)
                .kmsKeyId(kmsKeyId);
        if (tags != null && !tags.isEmpty()) {
            request.tags(toTags(tags));
        }
        if (isOtherRegion(sourceRegion)) {
            // The SDK turns SourceRegion into the PreSignedUrl a cross-region copy needs.
            request.sourceRegion(sourceRegion);
        }
        DBClusterSnapshot copy = docdb.copyDBClusterSnapshot(request.build()).dbClusterSnapshot();
        return toSnapshot(copy, copy.snapshotType(), new TreeMap<>(tags == null ? Map.of() : tags));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DeleteDBClusterSnapshot.html">DeleteDBClusterSnapshot</a>;
     * a snapshot that is already gone ({@code DBClusterSnapshotNotFoundFault}) counts as deleted.
     */
    @Override
    public void deleteSnapshot(String snapshotId) {
        try {
            docdb.deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(snapshotId));
        } catch (DbClusterSnapshotNotFoundException e) {
            // Already deleted, e.g. by an earlier delivery of the same message.
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBClusters.html">DescribeDBClusters</a>
     * with {@code DBClusterIdentifier} and the filter {@code engine=docdb}, then
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ListTagsForResource.html">ListTagsForResource</a>
     * on the cluster ARN. Empty on {@code DBClusterNotFoundFault} (HTTP 404), or when the identifier names a
     * cluster of another engine.
     */
    @Override
    public Optional<ClusterInfo> describeCluster(String clusterId) {
        try {
            Optional<DBCluster> cluster = docdb.describeDBClusters(r -> r.dbClusterIdentifier(clusterId)
                    .filters(engineFilter())).dbClusters().stream().filter(c -> ENGINE.equals(c.engine())).findFirst();
            if (cluster.isEmpty()) {
                return Optional.empty();
            }
            DBCluster c = cluster.get();
            Map<String, String> tags =
                    toMap(docdb.listTagsForResource(r -> r.resourceName(c.dbClusterArn())).tagList());
            List<String> members = c.dbClusterMembers().stream().map(DBClusterMember::dbInstanceIdentifier).toList();
            return Optional.of(new ClusterInfo(c.dbClusterIdentifier(), c.dbClusterArn(), c.status(), c.endpoint(),
                    c.readerEndpoint(), c.port() == null ? 0 : c.port(), c.engine(), members, tags));
        } catch (DbClusterNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBInstances.html">DescribeDBInstances</a>
     * with {@code DBInstanceIdentifier} and the filter {@code engine=docdb}. Empty on {@code DBInstanceNotFound}
     * (HTTP 404).
     */
    @Override
    public Optional<InstanceInfo> describeInstance(String instanceId) {
        try {
            return docdb.describeDBInstances(r -> r.dbInstanceIdentifier(instanceId).filters(engineFilter()))
                    .dbInstances().stream()
                    .filter(i -> ENGINE.equals(i.engine()))
                    .findFirst()
                    .map(i -> new InstanceInfo(i.dbInstanceIdentifier(), i.dbInstanceStatus()));
        } catch (DbInstanceNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DeleteDBInstance.html">DeleteDBInstance</a>
     * (DocumentDB takes only the identifier: instances of a cluster have no final snapshot). An instance that is
     * already gone ({@code DBInstanceNotFound}) counts as deleted.
     */
    @Override
    public void deleteInstance(String instanceId) {
        try {
            docdb.deleteDBInstance(r -> r.dbInstanceIdentifier(instanceId));
        } catch (DbInstanceNotFoundException e) {
            // Already deleted, e.g. by an earlier delivery of the same message.
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DeleteDBCluster.html">DeleteDBCluster</a>
     * with {@code SkipFinalSnapshot=true}, or {@code SkipFinalSnapshot=false} and {@code FinalDBSnapshotIdentifier}.
     * DocumentDB refuses while instances remain ({@code InvalidDBClusterStateFault}). A cluster that is already
     * gone ({@code DBClusterNotFoundFault}) counts as deleted.
     */
    @Override
    public void deleteCluster(String clusterId, String finalSnapshotId) {
        try {
            docdb.deleteDBCluster(r -> {
                r.dbClusterIdentifier(clusterId);
                if (finalSnapshotId == null) {
                    r.skipFinalSnapshot(true);
                } else {
                    r.skipFinalSnapshot(false).finalDBSnapshotIdentifier(finalSnapshotId);
                }
            });
        } catch (DbClusterNotFoundException e) {
            // Already deleted, e.g. by an earlier delivery of the same message.
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_RestoreDBClusterFromSnapshot.html">RestoreDBClusterFromSnapshot</a>
     * with {@code Engine=docdb}, {@code DBSubnetGroupName}, {@code VpcSecurityGroupIds}, and, when set,
     * {@code EngineVersion}, {@code KmsKeyId}, {@code DBClusterParameterGroupName}, {@code Port}, {@code Tags}.
     * The restore creates no instances ({@link #createInstance}).
     *
     * @throws IllegalArgumentException when the request names an engine other than {@code docdb}
     */
    @Override
    public void restoreCluster(RestoreRequest request) {
        RestoreDbClusterFromSnapshotRequest.Builder restore = RestoreDbClusterFromSnapshotRequest.builder()
                .dbClusterIdentifier(request.clusterId())
                .snapshotIdentifier(request.snapshotId())
                .engine(requireDocDb(request.engine()))
                .engineVersion(request.engineVersion())
                .dbSubnetGroupName(request.subnetGroup())
                .kmsKeyId(request.kmsKeyId())
                .dbClusterParameterGroupName(request.clusterParameterGroup());
        if (request.securityGroups() != null && !request.securityGroups().isEmpty()) {
            restore.vpcSecurityGroupIds(request.securityGroups());
        }
        if (request.port() > 0) {
            restore.port(request.port());
        }
        if (request.tags() != null && !request.tags().isEmpty()) {
            restore.tags(toTags(request.tags()));
        }
        docdb.restoreDBClusterFromSnapshot(restore.build());
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBInstance.html">CreateDBInstance</a>
     * with {@code DBClusterIdentifier}, {@code DBInstanceClass}, {@code Engine=docdb} and {@code Tags}.
     *
     * @throws IllegalArgumentException when {@code engine} is not {@code docdb}
     */
    @Override
    public void createInstance(String instanceId, String clusterId, String instanceClass, String engine,
            Map<String, String> tags) {
        String docDbEngine = requireDocDb(engine);
        docdb.createDBInstance(r -> {
            r.dbInstanceIdentifier(instanceId).dbClusterIdentifier(clusterId).dbInstanceClass(instanceClass)
                    .engine(docDbEngine);
            if (tags != null && !tags.isEmpty()) {
                r.tags(toTags(tags));
            }
        });
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ModifyDBCluster.html">ModifyDBCluster</a>
     * with {@code MasterUserPassword} and {@code ApplyImmediately=true}. The SDK needs the password as a
     * {@code String}; it lives only for the request.
     */
    @Override
    public void modifyMasterPassword(String clusterId, char[] password) {
        String secret = new String(password);
        docdb.modifyDBCluster(r -> r.dbClusterIdentifier(clusterId).masterUserPassword(secret).applyImmediately(true));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ModifyDBCluster.html">ModifyDBCluster</a>
     * {@code NewDBClusterIdentifier}, {@code ApplyImmediately=true}.
     */
    @Override
    public void renameCluster(String clusterId, String newClusterId) {
        docdb.modifyDBCluster(r -> r.dbClusterIdentifier(clusterId).newDBClusterIdentifier(newClusterId)
                .applyImmediately(true));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_ModifyDBInstance.html">ModifyDBInstance</a>
     * {@code NewDBInstanceIdentifier}, {@code ApplyImmediately=true}.
     */
    @Override
    public void renameInstance(String instanceId, String newInstanceId) {
        docdb.modifyDBInstance(r -> r.dbInstanceIdentifier(instanceId).newDBInstanceIdentifier(newInstanceId)
                .applyImmediately(true));
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBSubnetGroups.html">DescribeDBSubnetGroups</a>;
     * {@code DBSubnetGroupNotFoundFault} reads as absent.
     */
    @Override
    public boolean subnetGroupExists(String name) {
        try {
            return !docdb.describeDBSubnetGroups(r -> r.dbSubnetGroupName(name)).dbSubnetGroups().isEmpty();
        } catch (DbSubnetGroupNotFoundException e) {
            return false;
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeDBClusterParameterGroups.html">DescribeDBClusterParameterGroups</a>;
     * {@code DBParameterGroupNotFound} reads as absent.
     */
    @Override
    public boolean clusterParameterGroupExists(String name) {
        try {
            return !docdb.describeDBClusterParameterGroups(r -> r.dbClusterParameterGroupName(name))
                    .dbClusterParameterGroups().isEmpty();
        } catch (DbParameterGroupNotFoundException e) {
            return false;
        }
    }

    /**
     * <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DescribeOrderableDBInstanceOptions.html">DescribeOrderableDBInstanceOptions</a>
     * with {@code Engine=docdb}, {@code EngineVersion} and {@code DBInstanceClass}, filtered here as well.
     */
    @Override
    public boolean instanceClassOrderable(String engine, String engineVersion, String instanceClass) {
        return docdb.describeOrderableDBInstanceOptionsPaginator(r -> r.engine(requireDocDb(engine))
                .engineVersion(engineVersion).dbInstanceClass(instanceClass)).orderableDBInstanceOptions().stream()
                .anyMatch(o -> instanceClass.equals(o.dbInstanceClass())
                        && (engineVersion == null || engineVersion.equals(o.engineVersion())));
    }

    private Map<String, String> snapshotTags(String arn) {
        if (arn == null) {
            return Map.of();
        }
        try {
            return toMap(docdb.listTagsForResource(r -> r.resourceName(arn)).tagList());
        } catch (DbClusterSnapshotNotFoundException | DbSnapshotNotFoundException e) {
            // Deleted between the describe and this call: it has no tags any more.
            return Map.of();
        }
    }

    private boolean isOtherRegion(String sourceRegion) {
        if (sourceRegion == null || sourceRegion.isBlank()) {
            return false;
        }
        Region clientRegion = docdb.serviceClientConfiguration().region();
        return clientRegion == null || !clientRegion.id().equals(sourceRegion);
    }

    private static Filter engineFilter() {
        return Filter.builder().name("engine").values(ENGINE).build();
    }

    private static String requireDocDb(String engine) {
        if (engine != null && !ENGINE.equalsIgnoreCase(engine)) {
            throw new IllegalArgumentException("DocumentDB serves engine " + ENGINE + ", not " + engine);
        }
        return ENGINE;
    }

    private static boolean isDocDb(DBClusterSnapshot s) {
        return s.engine() == null || ENGINE.equals(s.engine());
    }

    private static boolean sameCluster(String actual, String wanted) {
        if (actual == null) {
            return false;
        }
        return actual.equals(wanted) || resourceId(actual, ":cluster:").equals(resourceId(wanted, ":cluster:"));
    }

    /**
     * The identifier in an ARN such as {@code arn:aws:rds:<region>:<account>:cluster-snapshot:<id>} (the id itself
     * may contain colons, e.g. {@code rds:<cluster>-<date>}), or the argument when it is no ARN.
     */
    private static String resourceId(String idOrArn, String typeMarker) {
        int at = idOrArn.startsWith("arn:") ? idOrArn.indexOf(typeMarker) : -1;
        return at < 0 ? idOrArn : idOrArn.substring(at + typeMarker.length());
    }

    private static ClusterSnapshot toSnapshot(DBClusterSnapshot s, String type, Map<String, String> tags) {
        // For a shared snapshot the identifier may come back as the owner's ARN; the record keeps the owner's name.
        String id = resourceId(s.dbClusterSnapshotIdentifier(), ":cluster-snapshot:");
        String arn = s.dbClusterSnapshotArn() != null ? s.dbClusterSnapshotArn()
                : s.dbClusterSnapshotIdentifier().startsWith("arn:") ? s.dbClusterSnapshotIdentifier() : null;
        return new ClusterSnapshot(id, arn, s.dbClusterIdentifier(), s.status(),
                s.snapshotCreateTime() == null ? null : s.snapshotCreateTime().toString(), s.engine(), s.kmsKeyId(),
                type, tags);
    }

    private static List<Tag> toTags(Map<String, String> tags) {
        if (tags == null) {
            return List.of();
        }
        // Sorted by key so that the request is the same on every delivery.
        return new TreeMap<>(tags).entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
    }

    private static Map<String, String> toMap(Collection<Tag> tags) {
        Map<String, String> map = new TreeMap<>();
        Stream.ofNullable(tags).flatMap(Collection::stream)
                .forEach(t -> map.put(t.key(), Objects.requireNonNullElse(t.value(), "")));
        return map;
    }
}
