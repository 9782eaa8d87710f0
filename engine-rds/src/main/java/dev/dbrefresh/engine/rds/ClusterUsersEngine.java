package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditStatus;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import com.mongodb.client.MongoClient;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.engine.rds.ClusterApi.ClusterInfo;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.engine.mongodb.MongoUserApplier;
import dev.dbrefresh.engine.rds.mongo.DocDbMasking;
import dev.dbrefresh.engine.rds.mongo.MongoConnections;
import dev.dbrefresh.engine.rds.mongo.MongoIsolation;
import dev.dbrefresh.engine.rds.mongo.MongoVerifier;
import dev.dbrefresh.engine.rds.mysql.MySqlSafety;
import dev.dbrefresh.engine.rds.mysql.MySqlTarget;
import dev.dbrefresh.engine.rds.mysql.MySqlUserApplier;
import dev.dbrefresh.engine.rds.mysql.MySqlVerifier;
import dev.dbrefresh.engine.postgres.PgCatalogCounts;
import dev.dbrefresh.engine.postgres.PgUserApplier;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Users and verification of the AWS cluster engines ({@code aurora-postgresql}, {@code aurora-mysql},
 * {@code docdb}), after cluster-service restored the target cluster.
 *
 * <ol>
 *   <li>{@code master-password}: the restored cluster carries the production master password (a restore
 *       keeps the snapshot's credentials), so the target's own password (plan
 *       {@code target.master-password-secret}) is set with {@code ModifyDBCluster MasterUserPassword}
 *       ({@link ClusterApi#modifyMasterPassword}). Once per run: when this run's audit log already holds
 *       a succeeded {@code master-password} step, a redelivery records {@code skipped} instead of resetting
 *       again (each reset sends the cluster through {@code resetting-master-credentials} once more).</li>
 *   <li>{@code cluster-available}: {@code DescribeDBClusters} must report {@code available}; otherwise
 *       {@link ClusterNotAvailableException} is thrown, the consumer backs off and the event comes back.</li>
 *   <li>{@code isolate}, {@code sanitize}, {@code verify-masks} (and {@code analyze} for the SQL engines): the
 *       engine's safety steps ({@link AuroraPostgresSafety}, {@link MySqlSafety}, {@link MongoIsolation} and
 *       {@link DocDbMasking}), before any plan user exists.</li>
 *   <li>{@code users}: connects to the restored writer endpoint of the {@code cluster.restored} event (or,
 *       in tests, to what {@code test-endpoint-overrides} maps that host to) as the master user and applies
 *       the plan's users: {@link PgUserApplier}, {@link MySqlUserApplier} or {@link MongoUserApplier}.</li>
 *   <li>{@code verify}: no snapshot manifest exists for an RDS/DocumentDB snapshot, so every user table
 *       (collection) is counted exactly ({@link PgCatalogCounts}, {@link MySqlVerifier}, {@link MongoVerifier})
 *       and the counts are reported as verified; a database without any user table is refused with
 *       {@code VERIFY_EMPTY}: the restore produced nothing.</li>
 * </ol>
 * A dry run changes nothing: the calls it would make are recorded as {@code planned} steps.
 */
@Singleton
public class ClusterUsersEngine implements UsersEngine {

    private final ClusterApis clusterApis;
    private final SecretResolver secrets;
    private final AuditLog audit;
    private final PgUserApplier pgApplier;
    private final PgCatalogCounts pgCounts;
    private final PgTools pgTools = new PgTools(null);
    private final MySqlUserApplier mySqlApplier;
    private final MySqlVerifier mySqlVerifier = new MySqlVerifier();
    private final MongoUserApplier mongoApplier;
    private final MongoVerifier mongoVerifier = new MongoVerifier();
    private final DocDbMasking docDbMasking;

    /**
     * @param clusterApis the RDS/DocumentDB control planes, by engine
     * @param secrets     resolves the master and user password references
     * @param audit       the audit log (was the master password already reset in this run?)
     */
    public ClusterUsersEngine(ClusterApis clusterApis, SecretResolver secrets, AuditLog audit) {
        this.clusterApis = clusterApis;
        this.secrets = secrets;
        this.audit = audit;
        PgTools tools = new PgTools(null);
        this.pgApplier = new PgUserApplier(tools, secrets);
        this.pgCounts = new PgCatalogCounts(tools);
        this.mySqlApplier = new MySqlUserApplier(secrets);
        this.mongoApplier = new MongoUserApplier(secrets);
        this.docDbMasking = new DocDbMasking(secrets);
    }

    @Override
    public Set<Engine> engines() {
        return Engine.of(Engine.Family.CLUSTER);
    }

    /**
     * The event must name the plan's target database (or none, where the plan names none). Its endpoint
     * is not trusted at all: the users are applied at the endpoint that DescribeDBClusters gives for the
     * plan's target cluster.
     */
    @Override
    public void requireFits(RefreshPlan plan, ClusterRestored restored) {
        String database = plan.cluster().database();
        if (restored.database() != null && !restored.database().equals(database)) {
            throw new dev.dbrefresh.runtime.messaging.EventRejectedException("it names database " + restored.database()
                    + ", the plan's target.database is " + database);
        }
    }

    @Override
    public Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) throws Exception {
        ClusterSettings cs = plan.cluster();
        String database = cs.database();
        if (database == null && plan.engineType() != Engine.DOCDB) {
            return new Refused(StepName.USERS, ErrorCode.DATABASE_MISSING, "plan " + plan.name() + " (" + plan.engine()
                    + ") names no target.database and the restore event carries none; set target.database to the"
                    + " database the users and the verification use");
        }
        if (cs.masterPasswordSecret() == null) {
            return new Refused(StepName.MASTER_PASSWORD, ErrorCode.MASTER_SECRET_MISSING, "plan " + plan.name()
                    + " has no target.master-password-secret; the restored cluster keeps the production master password"
                    + " until it is reset, so a secret reference for the target's own one is required");
        }
        HostPort endpoint = HostPort.of(restored.endpoint(), restored.port(), cs.endpointOverrides()); // dry-run only
        List<String> names = plan.users().stream().map(UserSpec::name).toList();
        if (restored.dryRun()) {
            ctx.planned(StepName.MASTER_PASSWORD, "ModifyDBCluster " + cs.targetCluster() + " MasterUserPassword from "
                    + cs.masterPasswordSecret() + " ApplyImmediately=true");
            for (UserSpec u : plan.users()) {
                ctx.planned(StepName.USERS, "create or update user " + u.name() + " with " + u.grants().size()
                        + " grants on " + endpoint + (database == null ? "" : "/" + database));
            }
            ctx.planned(StepName.VERIFY, "count the rows of every user table on " + endpoint);
            return new Applied(names, List.of(), 0);
        }

        ClusterApi api = clusterApis.forEngine(plan.engine());
        char[] master = secrets.resolve(cs.masterPasswordSecret());
        try {
            resetMasterPassword(api, cs, ctx, master);
            ClusterInfo cluster = ctx.step(StepName.CLUSTER_AVAILABLE, () -> requireAvailable(api, cs.targetCluster()),
                    c -> "cluster " + c.id() + " is available at " + c.endpoint() + ":" + c.port());
            // The plan's cluster says where it is; the event's endpoint is never connected to.
            endpoint = HostPort.of(cluster.endpoint(), cluster.port(), cs.endpointOverrides());
            List<TableRowCount> counts;
            try {
                counts = switch (plan.engineType()) {
                    case AURORA_POSTGRESQL -> postgres(plan, endpoint, database, master, ctx);
                    case AURORA_MYSQL -> mysql(plan, endpoint, database, master, ctx);
                    case DOCDB -> docdb(plan, endpoint, database, master, ctx);
                    default -> throw new IllegalStateException("engine " + plan.engine() + " is not a cluster engine");
                };
            } catch (dev.dbrefresh.engine.postgres.sanitize.SanitizeException refused) {
                return new Refused(refused.step(), refused.code(), refused.getMessage());
            }
            if (counts.isEmpty()) {
                return new Refused(StepName.VERIFY, ErrorCode.VERIFY_EMPTY, "the restored " + plan.engine()
                        + " cluster " + cs.targetCluster() + " has no user "
                        + (plan.engineType() == Engine.DOCDB ? "collections" : "tables")
                        + (database == null ? "" : " in database " + database) + ": the restore produced nothing; check"
                        + " the snapshot and the plan's database");
            }
            return new Applied(names, counts, counts.stream().mapToLong(TableRowCount::rows).sum());
        } finally {
            Arrays.fill(master, '\0');
        }
    }

    private void resetMasterPassword(ClusterApi api, ClusterSettings cs, StepContext ctx, char[] master)
            throws Exception {
        Optional<AuditEntry> done = audit.entries(ctx.runId()).stream()
                .filter(e -> e.isStep(StepName.MASTER_PASSWORD) && e.is(AuditStatus.SUCCEEDED))
                .findFirst();
        if (done.isPresent()) {
            ctx.skipped(StepName.MASTER_PASSWORD, "master password of cluster " + cs.targetCluster() + " was already"
                    + " reset in this run at " + done.get().at());
            return;
        }
        ctx.step(StepName.MASTER_PASSWORD, () -> {
            api.modifyMasterPassword(cs.targetCluster(), master);
            ctx.markChanged();
            return cs.targetCluster();
        }, id -> "master password of cluster " + id + " (user " + cs.masterUsername() + ") set from "
                + cs.masterPasswordSecret());
    }

    private static ClusterInfo requireAvailable(ClusterApi api, String clusterId) {
        ClusterInfo info = api.describeCluster(clusterId)
                .orElseThrow(() -> new ClusterNotAvailableException(clusterId, "not found"));
        if (!"available".equals(info.status())) {
            throw new ClusterNotAvailableException(clusterId, info.status());
        }
        return info;
    }

    private List<TableRowCount> postgres(RefreshPlan plan, HostPort ep, String database, char[] master,
            StepContext ctx) throws Exception {
        DatabaseEndpoint target = new DatabaseEndpoint(ep.host(), ep.port(), database, plan.cluster().masterUsername(),
                null);
        // Before any plan user exists: production's roles locked, what reaches production gone, the masks applied.
        new AuroraPostgresSafety(pgTools, secrets, audit, role -> true).apply(plan, target, master, ctx);
        ctx.step(StepName.USERS, () -> pgApplier.apply(target, master, plan.users()),
                ClusterUsersEngine::describeUsers);
        return ctx.step(StepName.VERIFY, () -> pgCounts.count(target, master), ClusterUsersEngine::describeCounts);
    }

    private List<TableRowCount> mysql(RefreshPlan plan, HostPort ep, String database, char[] master, StepContext ctx)
            throws Exception {
        MySqlTarget target = new MySqlTarget(ep.host(), ep.port(), database, plan.cluster().masterUsername(),
                plan.cluster().tls());
        // Before any plan user exists: production's accounts locked, its events gone, the masks applied.
        new MySqlSafety(secrets, audit).apply(plan, target, master, ctx);
        ctx.step(StepName.USERS, () -> mySqlApplier.apply(target, master, plan.users()),
                ClusterUsersEngine::describeUsers);
        return ctx.step(StepName.VERIFY, () -> mySqlVerifier.count(target, master), ClusterUsersEngine::describeCounts);
    }

    private List<TableRowCount> docdb(RefreshPlan plan, HostPort ep, String database, char[] master, StepContext ctx)
            throws Exception {
        String user = plan.cluster().masterUsername();
        try (MongoClient client = MongoConnections.open(ep.host(), ep.port(), user, master, plan.cluster().tls())) {
            return docdb(plan, client, database, ctx);
        }
    }

    /**
     * The {@code docdb} data plane on a connected client: {@code isolate}, {@code sanitize}/{@code verify-masks}
     * ({@link DocDbMasking}), then the plan's users and the counts. Package-visible: tests drive it with a client of
     * mongo-java-server, which has no SCRAM authentication for {@link MongoConnections#open}.
     */
    List<TableRowCount> docdb(RefreshPlan plan, MongoClient client, String database, StepContext ctx)
            throws Exception {
        String user = plan.cluster().masterUsername();
        // Before the plan's users exist: production's users are removed (DocumentDB cannot lock a user).
        if (plan.cluster().sanitize().isolation()) {
            ctx.step(StepName.ISOLATE, () -> new MongoIsolation(ClusterSafety.spared(plan))
                    .removeProductionUsers(client), removed -> removed.size() + " users removed" + (removed.isEmpty()
                    ? "" : " " + removed));
        } else {
            ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; production's users were kept");
        }
        // Then the masks, still before any plan user can connect; once per run (marker in the cluster).
        docDbMasking.apply(client, database, plan.cluster().sanitize(), ctx);
        ctx.step(StepName.USERS, () -> mongoApplier.apply(client, database, user, plan.users()),
                ClusterUsersEngine::describeUsers);
        return ctx.step(StepName.VERIFY, () -> mongoVerifier.count(client, database),
                ClusterUsersEngine::describeCounts);
    }

    private static String describeUsers(List<String> names) {
        return names.isEmpty() ? "plan lists no users" : "applied users and grants: " + names;
    }

    private static String describeCounts(List<TableRowCount> counts) {
        return counts.isEmpty() ? "no user tables" : counts.size() + " tables, "
                + counts.stream().mapToLong(TableRowCount::rows).sum() + " rows counted";
    }

    /**
     * Where to connect: the restored endpoint, or its test override.
     *
     * @param host host name or IP address
     * @param port TCP port
     */
    record HostPort(String host, int port) {

        /**
         * @param host      the restored endpoint host
         * @param port      its port
         * @param overrides test-only map of endpoint host to {@code host:port} (IPv6 as {@code [addr]:port}); the
         *                  key {@code *} maps every host (an emulator names restored endpoints at random)
         * @return the override for {@code host} when there is one, else {@code host:port}
         * @throws IllegalArgumentException when the endpoint is missing or an override is not {@code host:port}
         */
        static HostPort of(String host, int port, Map<String, String> overrides) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("the cluster.restored event carries no endpoint");
            }
            String override = overrides == null ? null : overrides.getOrDefault(host, overrides.get("*"));
            if (override == null) {
                return new HostPort(host, port);
            }
            int colon = override.lastIndexOf(':');
            if (colon <= 0 || colon == override.length() - 1) {
                throw new IllegalArgumentException("test endpoint override for " + host + " must be host:port, was '"
                        + override + "'");
            }
            String h = override.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            return new HostPort(h, Integer.parseInt(override.substring(colon + 1)));
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
