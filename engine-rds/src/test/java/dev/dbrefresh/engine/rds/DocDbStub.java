package dev.dbrefresh.engine.rds;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.docdb.DocDbClient;

/**
 * An in-process HTTP stand-in for the Amazon DocumentDB control plane (API version 2014-10-31, AWS Query
 * protocol: form-encoded {@code Action} + parameters in, XML out), for the actions {@link DocDbClusterApi}
 * uses. No emulator supports DocumentDB (moto rejects engine {@code docdb}), so this stub answers with the
 * response shapes of the <a href="https://docs.aws.amazon.com/documentdb/latest/developerguide/api-reference.html">API
 * reference</a> and the error codes and HTTP statuses of the service model (e.g. {@code DBClusterNotFoundFault} 404,
 * {@code DBInstanceNotFound} 404, {@code DBClusterAlreadyExistsFault} 400).
 *
 * <p>It keeps state (clusters, instances, snapshots, tags, snapshot attributes) and records every request
 * ({@link #calls()}). Long-running changes advance on describes: a resource in a transitional status
 * ({@code copying}, {@code creating}, {@code deleting}) shows it in {@link #describesPerTransition(int)} describes
 * (default 2) that include it, and the next describe shows the end state ({@code available}, or not found).
 *
 * <p>Behaviour the stub models from the documentation rather than from recorded traffic: a shared snapshot's
 * {@code DBClusterSnapshotIdentifier} is its ARN; {@code DeleteDBCluster} fails with
 * {@code InvalidDBClusterStateFault} while the cluster has instances that are not deleting; restoring straight
 * from another account's shared snapshot fails with {@code InvalidRestoreFault} (the design's "copy first" rule;
 * switch off with {@link #allowRestoreFromShared(boolean)}).
 */
public final class DocDbStub implements AutoCloseable {

    /** The account the stub's client acts as. */
    public static final String ACCOUNT = "111122223333";
    /** The stub's region. */
    public static final String REGION = "us-east-1";

    private static final String NS = "http://rds.amazonaws.com/doc/2014-10-31/";
    private static final String ENDPOINT_SUFFIX = ".c0abcdefgh12." + REGION + ".docdb.amazonaws.com";

    /**
     * One recorded request.
     *
     * @param action the {@code Action}
     * @param params the other form parameters (without {@code Action} and {@code Version}), sorted by name
     */
    public record Call(String action, Map<String, String> params) {

        /** @param name parameter name, e.g. {@code Tags.Tag.1.Key} @return its value, or {@code null} */
        public String param(String name) {
            return params.get(name);
        }
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Set<String> subnetGroups = new LinkedHashSet<>(List.of("default"));
    private final Set<String> parameterGroups = new LinkedHashSet<>(List.of("default.docdb5.0"));
    private final Set<String> orderableClasses = new LinkedHashSet<>(List.of("db.t3.medium", "db.r5.large",
            "db.r6g.large", "db.r6g.xlarge"));
    private int describesPerTransition = 2;
    private int pageSize = 100;
    private boolean allowRestoreFromShared;
    private Instant now = Instant.parse("2025-01-01T00:00:00Z");

    private DocDbStub(HttpServer server) {
        this.server = server;
    }

    /** @return a started stub on a free port of the loopback interface */
    public static DocDbStub start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            DocDbStub stub = new DocDbStub(http);
            http.createContext("/", stub::handle);
            http.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "docdb-stub");
                t.setDaemon(true);
                return t;
            }));
            http.start();
            return stub;
        } catch (IOException e) {
            throw new IllegalStateException("DocumentDB stub did not start", e);
        }
    }

    /** @return the endpoint to pass to {@code endpointOverride} */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return a DocumentDB client for this stub: region {@value #REGION}, dummy static credentials, no retries */
    public DocDbClient client() {
        return DocDbClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryPolicy(RetryPolicy.none())
                        .apiCallTimeout(Duration.ofSeconds(10)).build())
                .build();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- settings -------------------------------------------------------------------------------------------

    /** @param n describes that show a transitional status before the end state (0: the next describe) @return this */
    public synchronized DocDbStub describesPerTransition(int n) {
        this.describesPerTransition = n;
        return this;
    }

    /** @param n at most this many items per describe page (then a {@code Marker}) @return this */
    public synchronized DocDbStub pageSize(int n) {
        this.pageSize = n;
        return this;
    }

    /** @param allow whether a shared snapshot of another account may be restored directly @return this */
    public synchronized DocDbStub allowRestoreFromShared(boolean allow) {
        this.allowRestoreFromShared = allow;
        return this;
    }

    // ---- seeding --------------------------------------------------------------------------------------------

    /**
     * A manual snapshot of another account, shared with {@link #ACCOUNT} (encrypted with the owner's key).
     *
     * @param ownerAccount    the owner
     * @param snapshotId      the owner's snapshot identifier
     * @param sourceClusterId the owner's cluster
     * @param createdAt       creation time
     * @return the snapshot ARN
     */
    public synchronized String addSharedSnapshot(String ownerAccount, String snapshotId, String sourceClusterId,
            Instant createdAt) {
        Snapshot s = new Snapshot(snapshotArn(ownerAccount, snapshotId), snapshotId, ownerAccount, sourceClusterId,
                "docdb", "manual", createdAt, "arn:aws:kms:" + REGION + ":" + ownerAccount + ":key/source-key");
        snapshots.put(s.arn, s);
        return s.arn;
    }

    /**
     * A manual snapshot of this account, {@code available}.
     *
     * @param snapshotId identifier
     * @param clusterId  cluster it was taken of
     * @param createdAt  creation time
     * @param tags       tags
     * @return the snapshot ARN
     */
    public synchronized String addManualSnapshot(String snapshotId, String clusterId, Instant createdAt,
            Map<String, String> tags) {
        Snapshot s = new Snapshot(snapshotArn(ACCOUNT, snapshotId), snapshotId, ACCOUNT, clusterId, "docdb", "manual",
                createdAt, "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/target-key");
        s.tags.putAll(tags);
        snapshots.put(s.arn, s);
        return s.arn;
    }

    /**
     * An {@code available} DocumentDB cluster of this account with {@code available} instances.
     *
     * @param clusterId   identifier
     * @param tags        tags
     * @param instanceIds its instances
     * @return the cluster ARN
     */
    public synchronized String addCluster(String clusterId, Map<String, String> tags, String... instanceIds) {
        return addCluster(clusterId, "docdb", tags, instanceIds);
    }

    /**
     * An {@code available} cluster of any engine (e.g. {@code aurora-postgresql}: the shared RDS control plane
     * lists those too) with {@code available} instances.
     *
     * @param clusterId   identifier
     * @param engine      engine
     * @param tags        tags
     * @param instanceIds its instances
     * @return the cluster ARN
     */
    public synchronized String addCluster(String clusterId, String engine, Map<String, String> tags,
            String... instanceIds) {
        Cluster c = new Cluster(clusterId, engine);
        c.tags.putAll(tags);
        clusters.put(clusterId, c);
        for (String id : instanceIds) {
            Instance i = new Instance(id, clusterId, "db.r6g.large", engine);
            instances.put(id, i);
            c.members.add(id);
        }
        return c.arn;
    }

    /** @param name a DB subnet group that exists from now on (besides {@code default}) @return this */
    public synchronized DocDbStub addSubnetGroup(String name) {
        subnetGroups.add(name);
        return this;
    }

    /** @param name a DB cluster parameter group that exists from now on (besides {@code default.docdb5.0}) @return this */
    public synchronized DocDbStub addClusterParameterGroup(String name) {
        parameterGroups.add(name);
        return this;
    }

    // ---- inspection (no describe counted) -------------------------------------------------------------------

    /** @return every request so far, in order */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** @param action an action name @return the requests of that action, in order */
    public List<Call> calls(String action) {
        return calls.stream().filter(c -> c.action.equals(action)).toList();
    }

    /** @param action an action name @return the latest request of that action */
    public Call lastCall(String action) {
        List<Call> of = calls(action);
        if (of.isEmpty()) {
            throw new AssertionError("no " + action + " request; requests: " + calls.stream().map(Call::action).toList());
        }
        return of.get(of.size() - 1);
    }

    /** Forgets the recorded requests (state stays). */
    public void clearCalls() {
        calls.clear();
    }

    /** @param clusterId identifier @return its status, or empty when it does not exist */
    public synchronized Optional<String> clusterStatus(String clusterId) {
        return Optional.ofNullable(clusters.get(clusterId)).map(c -> c.life.status);
    }

    /** @param clusterId identifier @return its tags, or empty when it does not exist */
    public synchronized Optional<Map<String, String>> clusterTags(String clusterId) {
        return Optional.ofNullable(clusters.get(clusterId)).map(c -> Map.copyOf(c.tags));
    }

    /** @param clusterId identifier @return its members, or empty when it does not exist */
    public synchronized Optional<List<String>> clusterMembers(String clusterId) {
        return Optional.ofNullable(clusters.get(clusterId)).map(c -> List.copyOf(c.members));
    }

    /** @param instanceId identifier @return its status, or empty when it does not exist */
    public synchronized Optional<String> instanceStatus(String instanceId) {
        return Optional.ofNullable(instances.get(instanceId)).map(i -> i.life.status);
    }

    /** @param idOrArn identifier (own) or ARN @return its status, or empty when it does not exist */
    public synchronized Optional<String> snapshotStatus(String idOrArn) {
        return findSnapshot(idOrArn, true).map(s -> s.life.status);
    }

    /** @param idOrArn identifier (own) or ARN @return its tags, or empty when it does not exist */
    public synchronized Optional<Map<String, String>> snapshotTags(String idOrArn) {
        return findSnapshot(idOrArn, true).map(s -> Map.copyOf(s.tags));
    }

    /** @param snapshotId own snapshot @return the accounts in its {@code restore} attribute */
    public synchronized Set<String> restoreAccounts(String snapshotId) {
        return findSnapshot(snapshotId, false).map(s -> Set.copyOf(s.restoreAccounts)).orElse(Set.of());
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> params = parseForm(body);
        String action = params.remove("Action");
        params.remove("Version");
        calls.add(new Call(action, java.util.Collections.unmodifiableMap(new TreeMap<>(params))));
        int status;
        String xml;
        try {
            String result;
            synchronized (this) {
                result = dispatch(action, params);
            }
            status = 200;
            xml = "<" + action + "Response xmlns=\"" + NS + "\">"
                    + "<" + action + "Result>" + result + "</" + action + "Result>"
                    + "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata>"
                    + "</" + action + "Response>";
        } catch (Fault f) {
            status = f.status;
            xml = "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + f.code + "</Code>"
                    + "<Message>" + esc(f.getMessage()) + "</Message></Error>"
                    + "<RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>";
        } catch (RuntimeException e) {
            status = 500;
            xml = "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Receiver</Type><Code>InternalFailure</Code>"
                    + "<Message>" + esc(String.valueOf(e)) + "</Message></Error><RequestId>stub</RequestId></ErrorResponse>";
        }
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String dispatch(String action, Map<String, String> p) {
        if (action == null) {
            throw new Fault("MissingAction", 400, "no Action");
        }
        now = now.plusSeconds(1);
        return switch (action) {
            case "DescribeDBClusterSnapshots" -> describeSnapshots(p);
            case "ModifyDBClusterSnapshotAttribute" -> modifySnapshotAttribute(p);
            case "CopyDBClusterSnapshot" -> copySnapshot(p);
            case "DeleteDBClusterSnapshot" -> deleteSnapshot(p);
            case "DescribeDBClusters" -> describeClusters(p);
            case "ListTagsForResource" -> listTags(p);
            case "DescribeDBInstances" -> describeInstances(p);
            case "DeleteDBInstance" -> deleteInstance(p);
            case "DeleteDBCluster" -> deleteCluster(p);
            case "RestoreDBClusterFromSnapshot" -> restoreCluster(p);
            case "CreateDBInstance" -> createInstance(p);
            case "ModifyDBCluster" -> modifyCluster(p);
            case "ModifyDBInstance" -> modifyInstance(p);
            case "DescribeDBSubnetGroups" -> describeSubnetGroups(p);
            case "DescribeDBClusterParameterGroups" -> describeParameterGroups(p);
            case "DescribeOrderableDBInstanceOptions" -> describeOrderable(p);
            default -> throw new Fault("InvalidAction", 400, "The action " + action + " is not valid for this web service.");
        };
    }

    // ---- snapshots ------------------------------------------------------------------------------------------

    private String describeSnapshots(Map<String, String> p) {
        String id = p.get("DBClusterSnapshotIdentifier");
        String clusterId = p.get("DBClusterIdentifier");
        String type = p.get("SnapshotType");
        boolean includeShared = "true".equals(p.get("IncludeShared"));
        Predicate<Snapshot> typeMatch = s -> {
            boolean shared = !s.owner.equals(ACCOUNT);
            if (type == null) {
                return !shared || includeShared;
            }
            return "shared".equals(type) ? shared : !shared && type.equals(s.type);
        };
        List<Snapshot> found = new ArrayList<>();
        if (id != null) {
            Snapshot s = findSnapshot(id, includeShared || "shared".equals(type)).filter(typeMatch)
                    .orElseThrow(() -> new Fault("DBClusterSnapshotNotFoundFault", 404,
                            "DBClusterSnapshot " + id + " not found."));
            found.add(s);
        } else {
            for (Snapshot s : snapshots.values()) {
                if (typeMatch.test(s) && (clusterId == null || clusterId.equals(s.clusterId))) {
                    found.add(s);
                }
            }
        }
        List<Snapshot> visible = new ArrayList<>();
        for (Snapshot s : found) {
            if (observe(s.life)) {
                visible.add(s);
            } else {
                snapshots.remove(s.arn);
            }
        }
        return page(visible, p, "DBClusterSnapshots", this::snapshotXml);
    }

    private String modifySnapshotAttribute(Map<String, String> p) {
        String id = p.get("DBClusterSnapshotIdentifier");
        Snapshot s = findSnapshot(id, false).orElseThrow(() -> new Fault("DBClusterSnapshotNotFoundFault", 404,
                "DBClusterSnapshot " + id + " not found."));
        if (!"restore".equals(p.get("AttributeName"))) {
            throw new Fault("InvalidParameterValue", 400, "AttributeName must be restore");
        }
        s.restoreAccounts.addAll(indexed(p, "ValuesToAdd.AttributeValue"));
        indexed(p, "ValuesToRemove.AttributeValue").forEach(s.restoreAccounts::remove);
        StringBuilder values = new StringBuilder();
        s.restoreAccounts.forEach(a -> values.append(el("AttributeValue", a)));
        return "<DBClusterSnapshotAttributesResult>" + el("DBClusterSnapshotIdentifier", s.id)
                + "<DBClusterSnapshotAttributes><DBClusterSnapshotAttribute>" + el("AttributeName", "restore")
                + "<AttributeValues>" + values + "</AttributeValues></DBClusterSnapshotAttribute>"
                + "</DBClusterSnapshotAttributes></DBClusterSnapshotAttributesResult>";
    }

    private String copySnapshot(Map<String, String> p) {
        String sourceId = required(p, "SourceDBClusterSnapshotIdentifier");
        String targetId = required(p, "TargetDBClusterSnapshotIdentifier");
        Snapshot source = findSnapshot(sourceId, true).filter(s -> s.owner.equals(ACCOUNT) || sourceId.startsWith("arn:"))
                .orElseThrow(() -> new Fault("DBClusterSnapshotNotFoundFault", 404,
                        "DBClusterSnapshot " + sourceId + " not found."));
        if (!"available".equals(source.life.status)) {
            throw new Fault("InvalidDBClusterSnapshotStateFault", 400, "Snapshot " + sourceId + " is not available.");
        }
        if (findSnapshot(targetId, false).isPresent()) {
            throw new Fault("DBClusterSnapshotAlreadyExistsFault", 400,
                    "Cannot create the snapshot because a snapshot with the identifier " + targetId + " already exists.");
        }
        Snapshot copy = new Snapshot(snapshotArn(ACCOUNT, targetId), targetId, ACCOUNT, source.clusterId, source.engine,
                "manual", now, p.getOrDefault("KmsKeyId", source.kmsKeyId));
        copy.sourceArn = source.arn;
        copy.life.begin("copying", "available", describesPerTransition);
        copy.tags.putAll(tags(p));
        if ("true".equals(p.get("CopyTags"))) {
            source.tags.forEach(copy.tags::putIfAbsent);
        }
        snapshots.put(copy.arn, copy);
        return snapshotXml(copy);
    }

    private String deleteSnapshot(Map<String, String> p) {
        String id = required(p, "DBClusterSnapshotIdentifier");
        Snapshot s = findSnapshot(id, false).orElseThrow(() -> new Fault("DBClusterSnapshotNotFoundFault", 404,
                "DBClusterSnapshot " + id + " not found."));
        snapshots.remove(s.arn);
        return snapshotXml(s);
    }

    private Optional<Snapshot> findSnapshot(String idOrArn, boolean includeShared) {
        if (idOrArn.startsWith("arn:")) {
            return Optional.ofNullable(snapshots.get(idOrArn)).filter(s -> includeShared || s.owner.equals(ACCOUNT));
        }
        String id = idOrArn.toLowerCase(Locale.ROOT);
        return Optional.ofNullable(snapshots.get(snapshotArn(ACCOUNT, id)));
    }

    // ---- clusters -------------------------------------------------------------------------------------------

    private String describeClusters(Map<String, String> p) {
        String id = p.get("DBClusterIdentifier");
        Map<String, List<String>> filters = filters(p);
        List<Cluster> found = new ArrayList<>();
        if (id != null) {
            Cluster c = clusters.get(id);
            if (c == null) {
                throw new Fault("DBClusterNotFoundFault", 404, "DBCluster " + id + " not found.");
            }
            found.add(c);
        } else {
            found.addAll(clusters.values());
        }
        List<Cluster> visible = new ArrayList<>();
        for (Cluster c : found) {
            if (!matches(filters, "engine", c.engine) || !matches(filters, "db-cluster-id", c.id, c.arn)) {
                continue;
            }
            if (observe(c.life)) {
                visible.add(c);
            } else {
                clusters.remove(c.id);
                if (id != null) {
                    throw new Fault("DBClusterNotFoundFault", 404, "DBCluster " + id + " not found.");
                }
            }
        }
        return page(visible, p, "DBClusters", this::clusterXml);
    }

    private String deleteCluster(Map<String, String> p) {
        String id = required(p, "DBClusterIdentifier");
        Cluster c = existingCluster(id);
        boolean skip = "true".equals(p.get("SkipFinalSnapshot"));
        String finalId = p.get("FinalDBSnapshotIdentifier");
        if (skip == (finalId != null)) {
            throw new Fault("InvalidParameterCombination", 400,
                    "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
        }
        if ("deleting".equals(c.life.status)) {
            throw new Fault("InvalidDBClusterStateFault", 400, "Cluster " + id + " is already being deleted.");
        }
        // As in RDS: instances that are already deleting do not block the cluster's delete.
        if (c.members.stream().map(instances::get).anyMatch(i -> i != null && !"deleting".equals(i.life.status))) {
            throw new Fault("InvalidDBClusterStateFault", 400,
                    "Cluster cannot be deleted, it still contains DB instances in non-deleting state.");
        }
        if (finalId != null) {
            if (findSnapshot(finalId, false).isPresent()) {
                throw new Fault("DBClusterSnapshotAlreadyExistsFault", 400, "Snapshot " + finalId + " already exists.");
            }
            Snapshot s = new Snapshot(snapshotArn(ACCOUNT, finalId), finalId, ACCOUNT, id, c.engine, "manual", now,
                    c.kmsKeyId);
            s.life.begin("creating", "available", describesPerTransition);
            snapshots.put(s.arn, s);
        }
        c.life.begin("deleting", null, describesPerTransition);
        return clusterXml(c);
    }

    private String restoreCluster(Map<String, String> p) {
        String id = required(p, "DBClusterIdentifier");
        String snapshotId = required(p, "SnapshotIdentifier");
        String engine = required(p, "Engine");
        if (clusters.containsKey(id)) {
            throw new Fault("DBClusterAlreadyExistsFault", 400, "DB Cluster already exists");
        }
        Snapshot s = findSnapshot(snapshotId, true).orElseThrow(() -> new Fault("DBClusterSnapshotNotFoundFault", 404,
                "DBClusterSnapshot " + snapshotId + " not found."));
        if (!s.owner.equals(ACCOUNT) && !allowRestoreFromShared) {
            throw new Fault("InvalidRestoreFault", 400,
                    "Copy the shared snapshot " + snapshotId + " into this account before restoring it (stub rule).");
        }
        if (!"available".equals(s.life.status)) {
            throw new Fault("InvalidDBClusterSnapshotStateFault", 400, "Snapshot " + snapshotId + " is not available.");
        }
        if (!engine.equals(s.engine)) {
            throw new Fault("InvalidParameterCombination", 400, "Engine " + engine + " does not match the snapshot.");
        }
        Cluster c = new Cluster(id, engine);
        c.subnetGroup = p.getOrDefault("DBSubnetGroupName", "default");
        c.securityGroups.addAll(indexed(p, "VpcSecurityGroupIds.VpcSecurityGroupId"));
        c.kmsKeyId = p.getOrDefault("KmsKeyId", s.kmsKeyId);
        c.parameterGroup = p.getOrDefault("DBClusterParameterGroupName", c.parameterGroup);
        c.engineVersion = p.getOrDefault("EngineVersion", c.engineVersion);
        if (p.containsKey("Port")) {
            c.port = Integer.parseInt(p.get("Port"));
        }
        c.tags.putAll(tags(p));
        c.life.begin("creating", "available", describesPerTransition);
        clusters.put(id, c);
        return clusterXml(c);
    }

    /**
     * {@code MasterUserPassword} changes nothing the stub keeps; {@code NewDBClusterIdentifier} renames the cluster.
     * Modelled from the documentation: the new identifier (and ARN, endpoints) applies at once, the status is
     * {@code renaming} for the next describes; the instances stay members under their own names.
     */
    private String modifyCluster(Map<String, String> p) {
        Cluster c = existingCluster(required(p, "DBClusterIdentifier"));
        if (!"available".equals(c.life.status)) {
            throw new Fault("InvalidDBClusterStateFault", 400, "Cluster " + c.id + " is " + c.life.status + ".");
        }
        String newId = p.get("NewDBClusterIdentifier");
        if (newId != null) {
            if (clusters.containsKey(newId)) {
                throw new Fault("DBClusterAlreadyExistsFault", 400, "DB Cluster " + newId + " already exists");
            }
            clusters.remove(c.id);
            c.id = newId;
            c.arn = clusterArn(newId);
            clusters.put(newId, c);
            c.members.stream().map(instances::get).filter(i -> i != null).forEach(i -> i.clusterId = newId);
            c.life.begin("renaming", "available", describesPerTransition);
        }
        return clusterXml(c);
    }

    /** {@code NewDBInstanceIdentifier}: renamed at once, status {@code renaming} for the next describes. */
    private String modifyInstance(Map<String, String> p) {
        String id = required(p, "DBInstanceIdentifier");
        Instance i = instances.get(id);
        if (i == null) {
            throw new Fault("DBInstanceNotFound", 404, "DBInstance " + id + " not found.");
        }
        if (!"available".equals(i.life.status)) {
            throw new Fault("InvalidDBInstanceState", 400, "Instance " + id + " is " + i.life.status + ".");
        }
        String newId = p.get("NewDBInstanceIdentifier");
        if (newId != null) {
            if (instances.containsKey(newId)) {
                throw new Fault("DBInstanceAlreadyExists", 400, "DB instance " + newId + " already exists");
            }
            instances.remove(id);
            i.id = newId;
            i.arn = "arn:aws:rds:" + REGION + ":" + ACCOUNT + ":db:" + newId;
            instances.put(newId, i);
            Cluster c = clusters.get(i.clusterId);
            if (c != null) {
                c.members.replaceAll(m -> m.equals(id) ? newId : m);
            }
            i.life.begin("renaming", "available", describesPerTransition);
        }
        return instanceXml(i);
    }

    private String describeSubnetGroups(Map<String, String> p) {
        String name = p.get("DBSubnetGroupName");
        List<String> found = subnetGroups.stream().filter(g -> name == null || g.equals(name)).toList();
        if (name != null && found.isEmpty()) {
            throw new Fault("DBSubnetGroupNotFoundFault", 404, "DB subnet group '" + name + "' not found.");
        }
        return page(found, p, "DBSubnetGroups", g -> "<DBSubnetGroup>" + el("DBSubnetGroupName", g)
                + el("DBSubnetGroupDescription", g) + el("VpcId", "vpc-0123456789abcdef0")
                + el("SubnetGroupStatus", "Complete") + el("DBSubnetGroupArn", "arn:aws:rds:" + REGION + ":" + ACCOUNT
                + ":subgrp:" + g) + "</DBSubnetGroup>");
    }

    private String describeParameterGroups(Map<String, String> p) {
        String name = p.get("DBClusterParameterGroupName");
        List<String> found = parameterGroups.stream().filter(g -> name == null || g.equals(name)).toList();
        if (name != null && found.isEmpty()) {
            throw new Fault("DBParameterGroupNotFound", 404, "DBClusterParameterGroup not found: " + name);
        }
        return page(found, p, "DBClusterParameterGroups", g -> "<DBClusterParameterGroup>"
                + el("DBClusterParameterGroupName", g) + el("DBParameterGroupFamily", "docdb5.0")
                + el("Description", g) + el("DBClusterParameterGroupArn", "arn:aws:rds:" + REGION + ":" + ACCOUNT
                + ":cluster-pg:" + g) + "</DBClusterParameterGroup>");
    }

    /** Engine {@code docdb} 5.0.0 with {@link #orderableClasses}, filtered by {@code DBInstanceClass} as the API does. */
    private String describeOrderable(Map<String, String> p) {
        String engine = required(p, "Engine");
        String version = p.get("EngineVersion");
        String wanted = p.get("DBInstanceClass");
        List<String> found = orderableClasses.stream().filter(c -> "docdb".equals(engine)
                && (version == null || "5.0.0".equals(version)) && (wanted == null || wanted.equals(c))).toList();
        return page(found, p, "OrderableDBInstanceOptions", c -> "<OrderableDBInstanceOption>" + el("Engine", "docdb")
                + el("EngineVersion", "5.0.0") + el("DBInstanceClass", c) + el("LicenseModel", "na")
                + el("Vpc", "true") + "</OrderableDBInstanceOption>");
    }

    private Cluster existingCluster(String id) {
        Cluster c = clusters.get(id);
        if (c == null) {
            throw new Fault("DBClusterNotFoundFault", 404, "DBCluster " + id + " not found.");
        }
        return c;
    }

    // ---- instances ------------------------------------------------------------------------------------------

    private String describeInstances(Map<String, String> p) {
        String id = p.get("DBInstanceIdentifier");
        Map<String, List<String>> filters = filters(p);
        List<Instance> found = new ArrayList<>();
        if (id != null) {
            Instance i = instances.get(id);
            if (i == null) {
                throw new Fault("DBInstanceNotFound", 404, "DBInstance " + id + " not found.");
            }
            found.add(i);
        } else {
            found.addAll(instances.values());
        }
        List<Instance> visible = new ArrayList<>();
        for (Instance i : found) {
            if (!matches(filters, "engine", i.engine) || !matches(filters, "db-instance-id", i.id, i.arn)
                    || !matches(filters, "db-cluster-id", i.clusterId, clusterArn(i.clusterId))) {
                continue;
            }
            if (observe(i.life)) {
                visible.add(i);
            } else {
                instances.remove(i.id);
                Cluster c = clusters.get(i.clusterId);
                if (c != null) {
                    c.members.remove(i.id);
                }
                if (id != null) {
                    throw new Fault("DBInstanceNotFound", 404, "DBInstance " + id + " not found.");
                }
            }
        }
        return page(visible, p, "DBInstances", this::instanceXml);
    }

    private String deleteInstance(Map<String, String> p) {
        String id = required(p, "DBInstanceIdentifier");
        Instance i = instances.get(id);
        if (i == null) {
            throw new Fault("DBInstanceNotFound", 404, "DBInstance " + id + " not found.");
        }
        if ("deleting".equals(i.life.status)) {
            throw new Fault("InvalidDBInstanceState", 400, "Instance " + id + " is already being deleted.");
        }
        i.life.begin("deleting", null, describesPerTransition);
        return instanceXml(i);
    }

    private String createInstance(Map<String, String> p) {
        String id = required(p, "DBInstanceIdentifier");
        String clusterId = required(p, "DBClusterIdentifier");
        String engine = required(p, "Engine");
        required(p, "DBInstanceClass");
        if (instances.containsKey(id)) {
            throw new Fault("DBInstanceAlreadyExists", 400, "DB instance already exists");
        }
        Cluster c = existingCluster(clusterId);
        if (!engine.equals(c.engine)) {
            throw new Fault("InvalidParameterCombination", 400, "Engine " + engine + " does not match the cluster.");
        }
        if ("deleting".equals(c.life.status)) {
            throw new Fault("InvalidDBClusterStateFault", 400, "Cluster " + clusterId + " is being deleted.");
        }
        Instance i = new Instance(id, clusterId, p.get("DBInstanceClass"), engine);
        i.tags.putAll(tags(p));
        i.life.begin("creating", "available", describesPerTransition);
        instances.put(id, i);
        c.members.add(id);
        return instanceXml(i);
    }

    // ---- tags -----------------------------------------------------------------------------------------------

    private String listTags(Map<String, String> p) {
        String arn = required(p, "ResourceName");
        Map<String, String> tags;
        if (arn.contains(":cluster:")) {
            tags = clusters.values().stream().filter(c -> c.arn.equals(arn)).findFirst().map(c -> c.tags)
                    .orElseThrow(() -> new Fault("DBClusterNotFoundFault", 404, "DBCluster " + arn + " not found."));
        } else if (arn.contains(":db:")) {
            tags = instances.values().stream().filter(i -> i.arn.equals(arn)).findFirst().map(i -> i.tags)
                    .orElseThrow(() -> new Fault("DBInstanceNotFound", 404, "DBInstance " + arn + " not found."));
        } else if (arn.contains(":cluster-snapshot:")) {
            tags = Optional.ofNullable(snapshots.get(arn)).filter(s -> s.owner.equals(ACCOUNT)).map(s -> s.tags)
                    .orElseThrow(() -> new Fault("DBSnapshotNotFound", 404, "Snapshot " + arn + " not found."));
        } else {
            throw new Fault("InvalidParameterValue", 400, "Invalid resource name: " + arn);
        }
        StringBuilder xml = new StringBuilder("<TagList>");
        new TreeMap<>(tags).forEach((k, v) -> xml.append("<Tag>").append(el("Key", k)).append(el("Value", v)).append("</Tag>"));
        return xml.append("</TagList>").toString();
    }

    // ---- XML ------------------------------------------------------------------------------------------------

    private String snapshotXml(Snapshot s) {
        boolean shared = !s.owner.equals(ACCOUNT);
        return "<DBClusterSnapshot>"
                + "<AvailabilityZones>" + el("AvailabilityZone", REGION + "a") + el("AvailabilityZone", REGION + "b")
                + "</AvailabilityZones>"
                // A shared snapshot is named by its ARN in the describing account.
                + el("DBClusterSnapshotIdentifier", shared ? s.arn : s.id)
                + el("DBClusterIdentifier", s.clusterId)
                + el("SnapshotCreateTime", s.createdAt.toString())
                + el("Engine", s.engine)
                + el("Status", s.life.status)
                + el("Port", "0")
                + el("VpcId", "vpc-0123456789abcdef0")
                + el("ClusterCreateTime", "2024-01-01T00:00:00.000Z")
                + el("MasterUsername", "docdbadmin")
                + el("EngineVersion", "5.0.0")
                + el("SnapshotType", s.type)
                + el("PercentProgress", "copying".equals(s.life.status) ? "50" : "100")
                + el("StorageEncrypted", String.valueOf(s.kmsKeyId != null))
                + el("KmsKeyId", s.kmsKeyId)
                + el("DBClusterSnapshotArn", s.arn)
                + el("SourceDBClusterSnapshotArn", s.sourceArn)
                + el("StorageType", "standard")
                + "</DBClusterSnapshot>";
    }

    private String clusterXml(Cluster c) {
        StringBuilder members = new StringBuilder();
        for (int n = 0; n < c.members.size(); n++) {
            members.append("<DBClusterMember>").append(el("DBInstanceIdentifier", c.members.get(n)))
                    .append(el("IsClusterWriter", String.valueOf(n == 0)))
                    .append(el("DBClusterParameterGroupStatus", "in-sync")).append(el("PromotionTier", "1"))
                    .append("</DBClusterMember>");
        }
        StringBuilder groups = new StringBuilder();
        c.securityGroups.forEach(g -> groups.append("<VpcSecurityGroupMembership>").append(el("VpcSecurityGroupId", g))
                .append(el("Status", "active")).append("</VpcSecurityGroupMembership>"));
        return "<DBCluster>"
                + "<AvailabilityZones>" + el("AvailabilityZone", REGION + "a") + el("AvailabilityZone", REGION + "b")
                + "</AvailabilityZones>"
                + el("BackupRetentionPeriod", "1")
                + el("DBClusterIdentifier", c.id)
                + el("DBClusterParameterGroup", c.parameterGroup)
                + el("DBSubnetGroup", c.subnetGroup)
                + el("Status", c.life.status)
                + el("Endpoint", c.id + ".cluster" + ENDPOINT_SUFFIX)
                + el("ReaderEndpoint", c.id + ".cluster-ro" + ENDPOINT_SUFFIX)
                + el("MultiAZ", String.valueOf(c.members.size() > 1))
                + el("Engine", c.engine)
                + el("EngineVersion", c.engineVersion)
                + el("Port", String.valueOf(c.port))
                + el("MasterUsername", "docdbadmin")
                + el("PreferredBackupWindow", "00:00-00:30")
                + el("PreferredMaintenanceWindow", "sun:02:00-sun:02:30")
                + "<DBClusterMembers>" + members + "</DBClusterMembers>"
                + "<VpcSecurityGroups>" + groups + "</VpcSecurityGroups>"
                + el("HostedZoneId", "ZNKXH85TT8WVW")
                + el("StorageEncrypted", String.valueOf(c.kmsKeyId != null))
                + el("KmsKeyId", c.kmsKeyId)
                + el("DbClusterResourceId", "cluster-" + Integer.toHexString(c.id.hashCode()).toUpperCase(Locale.ROOT))
                + el("DBClusterArn", c.arn)
                + el("ClusterCreateTime", "2024-01-01T00:00:00.000Z")
                + el("DeletionProtection", "false")
                + "</DBCluster>";
    }

    private String instanceXml(Instance i) {
        String endpoint = "creating".equals(i.life.status) ? ""
                : "<Endpoint>" + el("Address", i.id + ENDPOINT_SUFFIX) + el("Port", "27017")
                        + el("HostedZoneId", "ZNKXH85TT8WVW") + "</Endpoint>";
        return "<DBInstance>"
                + el("DBInstanceIdentifier", i.id)
                + el("DBInstanceClass", i.instanceClass)
                + el("Engine", i.engine)
                + el("DBInstanceStatus", i.life.status)
                + endpoint
                + el("InstanceCreateTime", "2024-01-01T00:00:00.000Z")
                + el("PreferredBackupWindow", "00:00-00:30")
                + el("BackupRetentionPeriod", "1")
                + el("AvailabilityZone", REGION + "a")
                + el("EngineVersion", "5.0.0")
                + el("AutoMinorVersionUpgrade", "true")
                + el("PubliclyAccessible", "false")
                + el("DBClusterIdentifier", i.clusterId)
                + el("StorageEncrypted", "true")
                + el("DbiResourceId", "db-" + Integer.toHexString(i.id.hashCode()).toUpperCase(Locale.ROOT))
                + el("PromotionTier", "1")
                + el("DBInstanceArn", i.arn)
                + "</DBInstance>";
    }

    /** One page of {@code items} after the request's {@code Marker} (an index), with the next {@code Marker}. */
    private <T> String page(List<T> items, Map<String, String> p, String listElement,
            java.util.function.Function<T, String> xml) {
        int from = p.containsKey("Marker") ? Integer.parseInt(p.get("Marker")) : 0;
        int size = p.containsKey("MaxRecords") ? Math.min(pageSize, Integer.parseInt(p.get("MaxRecords"))) : pageSize;
        int to = Math.min(items.size(), from + size);
        StringBuilder out = new StringBuilder("<" + listElement + ">");
        items.subList(Math.min(from, to), to).forEach(item -> out.append(xml.apply(item)));
        out.append("</").append(listElement).append(">");
        if (to < items.size()) {
            out.append(el("Marker", String.valueOf(to)));
        }
        return out.toString();
    }

    private static String el(String name, String value) {
        return value == null ? "" : "<" + name + ">" + esc(value) + "</" + name + ">";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // ---- request parsing ------------------------------------------------------------------------------------

    private static Map<String, String> parseForm(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    /** {@code prefix.1}, {@code prefix.2}, ... until one is missing. */
    private static List<String> indexed(Map<String, String> p, String prefix) {
        List<String> values = new ArrayList<>();
        for (int n = 1; p.containsKey(prefix + "." + n); n++) {
            values.add(p.get(prefix + "." + n));
        }
        return values;
    }

    private static Map<String, String> tags(Map<String, String> p) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int n = 1; p.containsKey("Tags.Tag." + n + ".Key"); n++) {
            tags.put(p.get("Tags.Tag." + n + ".Key"), p.getOrDefault("Tags.Tag." + n + ".Value", ""));
        }
        return tags;
    }

    private static Map<String, List<String>> filters(Map<String, String> p) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (int n = 1; p.containsKey("Filters.Filter." + n + ".Name"); n++) {
            filters.put(p.get("Filters.Filter." + n + ".Name"), indexed(p, "Filters.Filter." + n + ".Values.Value"));
        }
        return filters;
    }

    private static boolean matches(Map<String, List<String>> filters, String name, String... candidates) {
        List<String> wanted = filters.get(name);
        if (wanted == null) {
            return true;
        }
        for (String c : candidates) {
            if (c != null && wanted.contains(c)) {
                return true;
            }
        }
        return false;
    }

    private static String required(Map<String, String> p, String name) {
        String v = p.get(name);
        if (v == null || v.isEmpty()) {
            throw new Fault("MissingParameter", 400, "The request must contain the parameter " + name);
        }
        return v;
    }

    /**
     * Counts one describe of a resource and applies a due transition.
     *
     * @return {@code false} when the resource is gone (a finished delete)
     */
    private boolean observe(Lifecycle life) {
        if (!life.inTransition) {
            return true;
        }
        if (life.remaining > 0) {
            life.remaining--;
            return true;
        }
        life.inTransition = false;
        if (life.next == null) {
            return false;
        }
        life.status = life.next;
        return true;
    }

    private static String snapshotArn(String account, String id) {
        return "arn:aws:rds:" + REGION + ":" + account + ":cluster-snapshot:" + id;
    }

    private static String clusterArn(String id) {
        return "arn:aws:rds:" + REGION + ":" + ACCOUNT + ":cluster:" + id;
    }

    // ---- state ----------------------------------------------------------------------------------------------

    /** A status that moves to {@code next} (or to gone when {@code next} is null) after some describes. */
    private static final class Lifecycle {
        String status = "available";
        String next;
        int remaining;
        boolean inTransition;

        void begin(String transitional, String end, int describes) {
            status = transitional;
            next = end;
            remaining = describes;
            inTransition = true;
        }
    }

    private static final class Snapshot {
        final String arn;
        final String id;
        final String owner;
        final String clusterId;
        final String engine;
        final String type;
        final Instant createdAt;
        final String kmsKeyId;
        final Lifecycle life = new Lifecycle();
        final Map<String, String> tags = new LinkedHashMap<>();
        final Set<String> restoreAccounts = new LinkedHashSet<>();
        String sourceArn;

        Snapshot(String arn, String id, String owner, String clusterId, String engine, String type, Instant createdAt,
                String kmsKeyId) {
            this.arn = arn;
            this.id = id;
            this.owner = owner;
            this.clusterId = clusterId;
            this.engine = engine;
            this.type = type;
            this.createdAt = createdAt;
            this.kmsKeyId = kmsKeyId;
        }
    }

    private static final class Cluster {
        String id;
        String arn;
        final String engine;
        final Lifecycle life = new Lifecycle();
        final List<String> members = new ArrayList<>();
        final List<String> securityGroups = new ArrayList<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        String subnetGroup = "default";
        String parameterGroup = "default.docdb5.0";
        String engineVersion = "5.0.0";
        String kmsKeyId = "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/target-key";
        int port = 27017;

        Cluster(String id, String engine) {
            this.id = id;
            this.arn = clusterArn(id);
            this.engine = engine;
        }
    }

    private static final class Instance {
        String id;
        String arn;
        String clusterId;
        final String instanceClass;
        final String engine;
        final Lifecycle life = new Lifecycle();
        final Map<String, String> tags = new LinkedHashMap<>();

        Instance(String id, String clusterId, String instanceClass, String engine) {
            this.id = id;
            this.arn = "arn:aws:rds:" + REGION + ":" + ACCOUNT + ":db:" + id;
            this.clusterId = clusterId;
            this.instanceClass = instanceClass;
            this.engine = engine;
        }
    }

    /** An error answer: AWS error code and HTTP status. */
    private static final class Fault extends RuntimeException {
        final String code;
        final int status;

        Fault(String code, int status, String message) {
            super(message);
            this.code = code;
            this.status = status;
        }
    }
}
