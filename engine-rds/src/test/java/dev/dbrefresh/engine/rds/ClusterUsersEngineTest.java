package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.InMemoryAuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.engine.rds.mysql.MySqlIdentifiers;
import dev.dbrefresh.engine.rds.mysql.MySqlTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ClusterUsersEngine} with an in-memory {@link ClusterApi} and audit log, connecting through
 * {@code test-endpoint-overrides} to the real PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306)
 * servers; each part is skipped when its server is not reachable. The docdb path needs SCRAM
 * authentication, which mongo-java-server does not offer; its applier is tested in
 * engine-mongodb's {@code MongoUserApplierTest}, its verifier in {@code MongoVerifierTest}.
 */
class ClusterUsersEngineTest {

    private static final String ENDPOINT = "target.cluster-abc.eu-west-1.rds.amazonaws.com";
    private static final PgTools PG = new PgTools(null);
    private static final DatabaseEndpoint PG_ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final MySqlTarget MY_ROOT = new MySqlTarget("127.0.0.1", 3306, "test", "root", false);
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final String PG_DB = "dbr_cue_" + SUFFIX;
    private static final String PG_EMPTY_DB = "dbr_cue_empty_" + SUFFIX;
    private static final String MY_DB = "dbr_cue_" + SUFFIX;
    private static final String USER = "dbr_cue_u_" + SUFFIX;
    /** MariaDB's root takes no password here, so a master user like RDS's is created for the MySQL test. */
    private static final String MY_MASTER = "dbr_cue_m_" + SUFFIX;
    private static final EnvFileSecretResolver SECRETS =
            new EnvFileSecretResolver(Map.of("MASTER_PW", "master-pw", "APP_PW", "app-pw")::get);

    private static boolean pgUp;
    private static boolean myUp;

    private final FakeClusterApi api = new FakeClusterApi();
    private final InMemoryAuditLog audit = new InMemoryAuditLog();
    private final ClusterUsersEngine engine = new ClusterUsersEngine(new ClusterApis(List.of(api)), SECRETS, audit);

    @BeforeAll
    static void createDatabases() throws SQLException {
        try (Connection c = PG.connect(PG_ADMIN, null); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(PG_DB));
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(PG_EMPTY_DB));
            pgUp = true;
        } catch (SQLException e) {
            pgUp = false;
        }
        if (pgUp) {
            try (Connection c = PG.connect(PG_ADMIN.withDatabase(PG_DB), null); Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA app");
                st.execute("CREATE TABLE app.orders (id int)");
                st.execute("INSERT INTO app.orders SELECT generate_series(1, 25)");
                st.execute("CREATE TABLE public.\"Mixed Case\" (id int)");
                st.execute("INSERT INTO public.\"Mixed Case\" VALUES (1)");
                st.execute("CREATE TABLE app.events (id int) PARTITION BY RANGE (id)");
                st.execute("CREATE TABLE app.events_1 PARTITION OF app.events FOR VALUES FROM (0) TO (100)");
                st.execute("INSERT INTO app.events SELECT generate_series(1, 10)");
            }
        }
        try (Connection c = MY_ROOT.connect(null); Statement st = c.createStatement()) {
            String db = MySqlIdentifiers.quote(MY_DB, "db");
            st.execute("CREATE DATABASE " + db);
            st.execute("CREATE TABLE " + db + ".customers (id int)");
            st.execute("INSERT INTO " + db + ".customers VALUES (1), (2), (3), (4)");
            try (PreparedStatement ps = c.prepareStatement("CREATE USER ?@'%' IDENTIFIED BY 'master-pw'")) {
                ps.setString(1, MY_MASTER);
                ps.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("GRANT ALL ON *.* TO ?@'%' WITH GRANT OPTION")) {
                ps.setString(1, MY_MASTER);
                ps.execute();
            }
            myUp = true;
        } catch (SQLException e) {
            myUp = false;
        }
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        if (pgUp) {
            try (Connection c = PG.connect(PG_ADMIN, null); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(PG_DB) + " WITH (FORCE)");
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(PG_EMPTY_DB) + " WITH (FORCE)");
                st.execute("DROP ROLE IF EXISTS " + PgIdentifiers.quote(USER));
            }
        }
        if (myUp) {
            try (Connection c = MY_ROOT.connect(null); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + MySqlIdentifiers.quote(MY_DB, "db"));
                for (String u : List.of(USER, MY_MASTER)) {
                    try (PreparedStatement ps = c.prepareStatement("DROP USER IF EXISTS ?@'%'")) {
                        ps.setString(1, u);
                        ps.execute();
                    }
                }
            }
        }
    }

    @Test
    void apply_shouldResetMasterPasswordApplyUsersAndCountTables_whenAuroraPostgresClusterIsAvailable() throws Exception {
        Assumptions.assumeTrue(pgUp, "no PostgreSQL at 127.0.0.1:5432");
        RefreshPlan plan = plan("aurora-postgresql", PG_DB, "postgres", "127.0.0.1:5432");

        UsersEngine.Outcome outcome = engine.apply(plan, restored(plan, PG_DB), context(plan, "run-pg", 1));

        assertThat(outcome).isInstanceOfSatisfying(UsersEngine.Applied.class, a -> {
            assertThat(a.users()).containsExactly(USER);
            assertThat(a.verified()).containsExactly(new TableRowCount("app", "events", 10),
                    new TableRowCount("app", "orders", 25), new TableRowCount("public", "Mixed Case", 1));
            assertThat(a.rowsVerified()).isEqualTo(36);
        });
        assertThat(api.passwords).containsExactly("target-cluster=master-pw");
        assertThat(steps()).contains("master-password succeeded", "cluster-available succeeded",
                "users succeeded", "verify succeeded");
    }

    @Test
    void apply_shouldNotResetTheMasterPasswordAgain_whenTheEventIsRedelivered() throws Exception {
        Assumptions.assumeTrue(pgUp, "no PostgreSQL at 127.0.0.1:5432");
        RefreshPlan plan = plan("aurora-postgresql", PG_DB, "postgres", "127.0.0.1:5432");
        ClusterRestored event = restored(plan, PG_DB);
        api.statuses.add("resetting-master-credentials");
        api.statuses.add("resetting-master-credentials");

        assertThatThrownBy(() -> engine.apply(plan, event, context(plan, "run-redelivered", 1)))
                .isInstanceOfSatisfying(ClusterNotAvailableException.class,
                        e -> assertThat(e.status()).isEqualTo("resetting-master-credentials"));
        assertThatThrownBy(() -> engine.apply(plan, event, context(plan, "run-redelivered", 2)))
                .isInstanceOf(ClusterNotAvailableException.class);
        UsersEngine.Outcome third = engine.apply(plan, event, context(plan, "run-redelivered", 3));

        assertThat(third).isInstanceOf(UsersEngine.Applied.class);
        assertThat(api.passwords).hasSize(1);
        assertThat(steps()).containsSubsequence("master-password succeeded", "cluster-available failed",
                "master-password skipped", "cluster-available failed", "cluster-available succeeded", "verify succeeded");
    }

    @Test
    void apply_shouldRefuseWithVerifyEmpty_whenTheRestoredDatabaseHasNoTables() throws Exception {
        Assumptions.assumeTrue(pgUp, "no PostgreSQL at 127.0.0.1:5432");
        RefreshPlan plan = plan("aurora-postgresql", PG_EMPTY_DB, "postgres", "127.0.0.1:5432",
                "[{on: database, privileges: [CONNECT]}]");

        UsersEngine.Outcome outcome = engine.apply(plan, restored(plan, PG_EMPTY_DB), context(plan, "run-empty", 1));

        assertThat(outcome).isInstanceOfSatisfying(UsersEngine.Refused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.VERIFY_EMPTY);
            assertThat(r.message()).contains("target-cluster", PG_EMPTY_DB);
        });
    }

    @Test
    void apply_shouldApplyMySqlUsersAndCountTables_whenAuroraMySqlClusterIsAvailable() throws Exception {
        Assumptions.assumeTrue(myUp, "no MySQL/MariaDB at 127.0.0.1:3306 accepting root without a password");
        RefreshPlan plan = plan("aurora-mysql", MY_DB, MY_MASTER, "127.0.0.1:3306");
        UsersEngine.Outcome outcome = engine.apply(plan, restored(plan, MY_DB), context(plan, "run-my", 1));

        assertThat(outcome).isInstanceOfSatisfying(UsersEngine.Applied.class, a -> {
            assertThat(a.users()).containsExactly(USER);
            assertThat(a.verified()).containsExactly(new TableRowCount(MY_DB, "customers", 4));
        });
        try (Connection c = new MySqlTarget("127.0.0.1", 3306, MY_DB, USER, false).connect("app-pw".toCharArray());
             Statement st = c.createStatement()) {
            assertThat(st.executeQuery("SELECT COUNT(*) FROM " + MySqlIdentifiers.quote(MY_DB, "db") + ".customers")
                    .next()).isTrue();
        }
    }

    @Test
    void apply_shouldOnlyPlan_whenTheRunIsADryRun() throws Exception {
        RefreshPlan plan = plan("aurora-postgresql", PG_DB, "postgres", "127.0.0.1:5432");
        ClusterRestored dry = new ClusterRestored(plan.name(), plan.engine(), "snap-1", ENDPOINT, ENDPOINT, 5432, PG_DB,
                true);

        UsersEngine.Outcome outcome = engine.apply(plan, dry, context(plan, "run-dry", 1));

        assertThat(outcome).isInstanceOf(UsersEngine.Applied.class);
        assertThat(api.passwords).isEmpty();
        assertThat(steps()).allMatch(s -> s.endsWith(" planned"));
    }

    @Test
    void hostPort_shouldUseTheOverride_whenTheEndpointHostIsMapped() {
        assertThat(ClusterUsersEngine.HostPort.of(ENDPOINT, 5432, Map.of(ENDPOINT, "127.0.0.1:15432")))
                .isEqualTo(new ClusterUsersEngine.HostPort("127.0.0.1", 15432));
        assertThat(ClusterUsersEngine.HostPort.of("other", 3306, Map.of(ENDPOINT, "127.0.0.1:15432")))
                .isEqualTo(new ClusterUsersEngine.HostPort("other", 3306));
        assertThat(ClusterUsersEngine.HostPort.of(ENDPOINT, 1, Map.of(ENDPOINT, "[::1]:27017")))
                .isEqualTo(new ClusterUsersEngine.HostPort("::1", 27017));
    }

    private static RefreshPlan plan(String engine, String database, String master, String override) throws Exception {
        return plan(engine, database, master, override, engine.equals("aurora-mysql")
                ? "[{on: database, privileges: [SELECT]}]"
                : "[{on: database, privileges: [CONNECT]}, {on: all-tables, schema: app, privileges: [SELECT]}]");
    }

    private static RefreshPlan plan(String engine, String database, String master, String override, String grants)
            throws Exception {
        return ClusterTestPlans.parse(engine, master, database, "tls: false", """
                test-endpoint-overrides: {'%s': '%s'}
                users:
                  - {name: %s, password-secret: env:APP_PW, grants: %s}
                # The MariaDB here is shared by every test and process: isolation would lock every account on it.
                # MySqlSafetyTest tests isolation with accounts of its own.
                sanitize: {isolation: false}
                """.formatted(ENDPOINT, override, USER, grants));
    }

    private static ClusterRestored restored(RefreshPlan plan, String database) {
        return new ClusterRestored(plan.name(), plan.engine(), "snap-1", ENDPOINT, ENDPOINT, 5432, database, false);
    }

    private StepContext context(RefreshPlan plan, String runId, int attempt) {
        EventEnvelope envelope = EventEnvelope.create("dbrefresh/cluster-service", runId, null,
                restored(plan, null), java.time.Instant.parse("2026-11-21T23:00:00Z"));
        return new StepContext(envelope, plan.name(), "users-service", attempt, audit, null, Clock.systemUTC());
    }

    /** @return {@code step status} of every audit entry written but {@code started}, in order */
    private List<String> steps() {
        return audit.written().stream().filter(e -> !AuditStatus.STARTED.id().equals(e.status()))
                .map(e -> e.step().replaceAll("#.*", "") + " " + e.status()).toList();
    }

    /** A cluster API that knows one cluster; statuses queued in {@link #statuses} are reported first. */
    static final class FakeClusterApi implements ClusterApi {

        final List<String> passwords = Collections.synchronizedList(new ArrayList<>());
        final List<String> statuses = Collections.synchronizedList(new ArrayList<>());

        @Override
        public boolean serves(String engine) {
            return true;
        }

        @Override
        public Optional<ClusterInfo> describeCluster(String clusterId) {
            String status = statuses.isEmpty() ? "available" : statuses.remove(0);
            return Optional.of(new ClusterInfo(clusterId, "arn:aws:rds:eu-west-1:222222222222:cluster:" + clusterId,
                    status, ENDPOINT, ENDPOINT, 5432, "aurora-postgresql", List.of(clusterId + "-1"), Map.of()));
        }

        @Override
        public void modifyMasterPassword(String clusterId, char[] password) {
            passwords.add(clusterId + "=" + new String(password));
        }

        @Override
        public List<ClusterSnapshot> sharedSnapshots(String sourceClusterId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ClusterSnapshot> manualSnapshots(String clusterId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ClusterSnapshot> describeSnapshot(String snapshotIdOrArn) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void shareSnapshot(String snapshotId, String accountId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ClusterSnapshot copySnapshot(String sourceSnapshotArn, String targetSnapshotId, String kmsKeyId,
                String sourceRegion, Map<String, String> tags) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deleteSnapshot(String snapshotId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<InstanceInfo> describeInstance(String instanceId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deleteInstance(String instanceId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deleteCluster(String clusterId, String finalSnapshotId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void restoreCluster(RestoreRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void createInstance(String instanceId, String clusterId, String instanceClass, String engine,
                Map<String, String> tags) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void renameCluster(String clusterId, String newClusterId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void renameInstance(String instanceId, String newInstanceId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean subnetGroupExists(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean clusterParameterGroupExists(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean instanceClassOrderable(String engine, String engineVersion, String instanceClass) {
            throw new UnsupportedOperationException();
        }
    }
}
