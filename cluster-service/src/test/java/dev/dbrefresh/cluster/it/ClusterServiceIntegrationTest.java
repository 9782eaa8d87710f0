package dev.dbrefresh.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.engine.postgres.PgRestorer;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.params.ParameterStore;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * cluster-service as a whole: its consumer on {@code dbrefresh-cluster} (ElasticMQ in this JVM),
 * audit log, idempotency and leases in DynamoDB Local, the parameter store in a state database of its
 * own, and target databases on the PostgreSQL server at 127.0.0.1:5432. A snapshot of a pgbench source
 * ({@code pg_dump -Fc} plus manifest) is placed in the target store once; every test sends a
 * {@code snapshot.ready} built from the shared-contracts sample, with the lease set up as the case
 * needs, and reads the outcome from {@code dbrefresh-users} / {@code dbrefresh-notifier}, the audit
 * log and the target database.
 */
class ClusterServiceIntegrationTest {

    private static final String SERVICE = "cluster-service";
    private static final int MARKER_ROWS = 3;

    @TempDir
    static Path dir;

    private static TestDatabases dbs;
    private static ServiceStack stack;
    private static Inbox users;
    private static Inbox notifier;
    private static ParameterStore parameters;
    private static String state;
    private static String source;
    private static SnapshotManifest snapshot;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases("cls");
        state = dbs.create("state");
        source = dbs.create("src");
        dbs.pgbench(source);
        snapshot = dbs.snapshot(source, new SnapshotStore(targetStore()), source + "-20261121t223900z");
        for (String t : List.of("tgt", "dup", "redeliver", "protected", "leased", "unleased", "missing")) {
            dbs.createWithMarker(t, MARKER_ROWS);
        }

        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, "plans:\n"
                + plan("restore", "tgt", "")
                + plan("duplicate", "dup", "")
                + plan("redelivered", "redeliver", "")
                + plan("guarded", "protected", "    guards: {protected-patterns: ['dbr_cls_.*_protected']}\n")
                + plan("leased", "leased", "")
                + plan("unleased", "unleased", "")
                + plan("missing", "missing", "    parameters: {promote-latest: false}\n"));

        stack = ServiceStack.emulators(10).startService(Map.of(
                "dbrefresh.plans-file", plans.toString(),
                "datasources.default.url", "jdbc:postgresql://127.0.0.1:5432/" + state));
        users = stack.inbox(Routing.USERS_QUEUE);
        notifier = stack.inbox(Routing.NOTIFIER_QUEUE);
        parameters = stack.context().getBean(ParameterStore.class);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (dbs != null) {
            dbs.close();
        }
    }

    @Test
    void stateDatasource_shouldHaveConnectSocketLockAndStatementTimeouts_whateverItsUrl() throws Exception {
        // the test overrides the URL (as docker-compose does): the limits come from data-source-properties
        javax.sql.DataSource pool = stack.context().getBean(io.micronaut.jdbc.DataSourceResolver.class)
                .resolve(stack.context().getBean(javax.sql.DataSource.class));
        try (java.sql.Connection c = pool.getConnection();
                java.sql.Statement st = c.createStatement()) {
            assertThat(c.getNetworkTimeout()).isEqualTo(90_000);
            try (java.sql.ResultSet rs = st.executeQuery("SELECT current_setting('lock_timeout'),"
                    + " current_setting('statement_timeout')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("30s");
                assertThat(rs.getString(2)).isEqualTo("1min");
            }
        }
    }

    @Test
    void snapshotReady_shouldReplaceTargetAndPublishClusterRestored_whenRunHoldsTheLease() throws Exception {
        String runId = Samples.runId("restore");
        String target = dbs.name("tgt");
        holdLease(target, runId);
        parameters.put("/dbrefresh/restore/snapshot/latest", snapshot.snapshotId());
        ObjectNode ready = snapshotReady(runId, "restore");

        stack.send(Routing.CLUSTER_QUEUE, ready);

        JsonNode restored = users.await(runId, EventType.CLUSTER_RESTORED);
        assertThat(restored.path("source").asText()).isEqualTo("dbrefresh/cluster-service");
        assertThat(restored.path("causationid").asText()).isEqualTo(ready.get("id").asText());
        JsonNode data = restored.get("data");
        assertThat(data.path("plan").asText()).isEqualTo("restore");
        assertThat(data.path("engine").asText()).isEqualTo("postgres");
        assertThat(data.path("snapshotId").asText()).isEqualTo(snapshot.snapshotId());
        assertThat(data.path("endpoint").asText()).isEqualTo("127.0.0.1");
        assertThat(data.path("readerEndpoint").asText()).isEqualTo("127.0.0.1");
        assertThat(data.path("port").asInt()).isEqualTo(5432);
        assertThat(data.path("database").asText()).isEqualTo(target);

        assertThat(dbs.counts(target)).isEqualTo(manifestCounts()).doesNotContainKey("marker");
        assertThat(comment(target)).contains(PgRestorer.marker(snapshot.snapshotId(), runId));
        assertThat(parameter("/dbrefresh/restore/snapshot/current")).contains(snapshot.snapshotId());
        assertThat(stack.leases().holder(display(target))).contains(runId);
        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .allSatisfy(e -> assertThat(e.service()).isEqualTo(SERVICE))
                .extracting(e -> e.step() + ": " + e.details())
                .containsExactly("promote: /dbrefresh/restore/snapshot/current = " + snapshot.snapshotId()
                                + " (from /dbrefresh/restore/snapshot/latest, version 1)",
                        // isolation is on by default and ANALYZE always runs, in the staging database before the swap
                        "isolate: 0 foreign servers dropped, 0 subscriptions dropped, 0 pg_cron jobs deleted, 0 event"
                                + " triggers dropped, 0 roles locked (NOLOGIN), CONNECT on the restored database revoked"
                                + " from PUBLIC",
                        "analyze: ANALYZE of " + manifestCounts().size() + " tables",
                        "restore: restored postgres://127.0.0.1:5432/" + target + " from " + snapshot.snapshotId()
                                + " (pg_restore -j 2)");
    }

    @Test
    void snapshotReady_shouldRestoreOnceAndPublishOneClusterRestored_whenDeliveredTwice() throws Exception {
        String runId = Samples.runId("duplicate");
        String target = dbs.name("dup");
        holdLease(target, runId);
        ObjectNode ready = snapshotReady(runId, "duplicate");

        stack.send(Routing.CLUSTER_QUEUE, ready);
        users.await(runId, EventType.CLUSTER_RESTORED);
        dbs.exec(target, "CREATE TABLE written_after_restore (id int)", "INSERT INTO written_after_restore VALUES (1)");
        stack.send(Routing.CLUSTER_QUEUE, ready);
        stack.awaitDrained(Routing.CLUSTER_QUEUE);

        assertThat(users.events(runId)).hasSize(1);
        assertThat(notifier.events(runId)).isEmpty();
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM written_after_restore")).isEqualTo(1);
        assertThat(stack.auditOf(runId)).filteredOn(e -> "restore".equals(e.step()))
                .extracting(AuditEntry::status).containsExactlyInAnyOrder(AuditStatus.STARTED.id(),
                        AuditStatus.SUCCEEDED.id());
    }

    @Test
    void snapshotReady_shouldLeaveTargetAlone_whenRunSendsAnotherSnapshotReadyAfterTheRestore() throws Exception {
        String runId = Samples.runId("redelivered");
        String target = dbs.name("redeliver");
        holdLease(target, runId);
        ObjectNode first = snapshotReady(runId, "redelivered");
        stack.send(Routing.CLUSTER_QUEUE, first);
        users.await(runId, EventType.CLUSTER_RESTORED);
        dbs.exec(target, "CREATE TABLE written_after_restore (id int)", "INSERT INTO written_after_restore VALUES (1)");

        // A second event of the same run (new id, later time): the handler runs, and the restorer finds its marker.
        ObjectNode second = snapshotReady(runId, "redelivered");
        second.put("time", java.time.Instant.parse(first.get("time").asText()).plusSeconds(1).toString());
        stack.send(Routing.CLUSTER_QUEUE, second);
        await("second cluster.restored").atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> users.events(runId, EventType.CLUSTER_RESTORED.typeName()).size() == 2);
        stack.awaitDrained(Routing.CLUSTER_QUEUE);

        assertThat(users.events(runId)).extracting(e -> e.path("causationid").asText())
                .containsExactlyInAnyOrder(first.get("id").asText(), second.get("id").asText());
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM written_after_restore")).isEqualTo(1);
        assertThat(stack.auditOf(runId))
                .filteredOn(e -> "restore".equals(e.step()) && AuditStatus.SUCCEEDED.id().equals(e.status()))
                .extracting(AuditEntry::details).satisfiesExactlyInAnyOrder(
                        d -> assertThat(d).startsWith("restored "),
                        d -> assertThat(d).startsWith("already restored, nothing touched: "));
    }

    @Test
    void snapshotReady_shouldFailWithGuardCode_whenTargetIsProtected() throws Exception {
        String runId = Samples.runId("guarded");
        String target = dbs.name("protected");
        holdLease(target, runId);

        stack.send(Routing.CLUSTER_QUEUE, snapshotReady(runId, "guarded"));

        JsonNode failed = awaitRefusal(runId, "guarded", "guard", "GUARD_PROTECTED_TARGET");
        assertThat(failed.at("/data/message").asText()).contains(target);
        assertUntouched(target);
        assertThat(parameter("/dbrefresh/guarded/snapshot/current")).isEmpty();
    }

    @Test
    void snapshotReady_shouldFailWithLeaseLost_whenAnotherRunHoldsTheLease() throws Exception {
        String runId = Samples.runId("leased");
        String otherRun = Samples.runId("other");
        String target = dbs.name("leased");
        holdLease(target, otherRun);

        stack.send(Routing.CLUSTER_QUEUE, snapshotReady(runId, "leased"));

        JsonNode failed = awaitRefusal(runId, "leased", "lease", "LEASE_LOST");
        assertThat(failed.at("/data/message").asText()).contains(otherRun);
        assertUntouched(target);
        assertThat(stack.leases().holder(display(target))).contains(otherRun);
        assertThat(parameter("/dbrefresh/leased/snapshot/current")).isEmpty();
    }

    @Test
    void snapshotReady_shouldFailWithLeaseLost_whenNoRunHoldsTheLease() throws Exception {
        String runId = Samples.runId("unleased");

        stack.send(Routing.CLUSTER_QUEUE, snapshotReady(runId, "unleased"));

        JsonNode failed = awaitRefusal(runId, "unleased", "lease", "LEASE_LOST");
        assertThat(failed.at("/data/message").asText()).contains("expired or released").contains(display(dbs.name("unleased")));
        assertUntouched(dbs.name("unleased"));
    }

    @Test
    void snapshotReady_shouldFailWithSnapshotNotFound_whenCurrentParameterNamesMissingSnapshot() throws Exception {
        String runId = Samples.runId("missing");
        String target = dbs.name("missing");
        holdLease(target, runId);
        String gone = source + "-19990101t000000z";
        parameters.put("/dbrefresh/missing/snapshot/current", gone);

        stack.send(Routing.CLUSTER_QUEUE, snapshotReady(runId, "missing"));

        JsonNode failed = awaitRefusal(runId, "missing", "restore", "SNAPSHOT_NOT_FOUND");
        assertThat(failed.at("/data/message").asText()).contains(gone);
        assertUntouched(target);
    }

    // --- helpers ---

    private static String plan(String name, String targetSuffix, String extra) {
        return "  " + name + ":\n"
                + "    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: " + source + ", username: postgres}\n"
                + "    target: {host: 127.0.0.1, port: 5432, database: " + dbs.name(targetSuffix) + ", username: postgres}\n"
                + "    snapshot: {mode: create, source-store: '" + dir.resolve("store/source") + "', target-store: '"
                + targetStore() + "'}\n"
                + extra;
    }

    private static Path targetStore() {
        return dir.resolve("store/target");
    }

    /** The sample {@code snapshot.ready}, for the test snapshot and the given plan and run. */
    private static ObjectNode snapshotReady(String runId, String plan) {
        return Samples.envelope(EventType.SNAPSHOT_READY, runId, d -> d.put("plan", plan)
                .put("snapshotId", snapshot.snapshotId()).put("sourceSnapshotId", snapshot.snapshotId())
                .put("sizeBytes", snapshot.sizeBytes()).put("checksum", snapshot.checksum()));
    }

    private static void holdLease(String database, String runId) {
        assertThat(stack.leases().acquire(display(database), runId, Duration.ofHours(1))).isEmpty();
    }

    private static String display(String database) {
        return TestDatabases.leaseKey(database);
    }

    private static Map<String, Long> manifestCounts() {
        return snapshot.tables().stream().collect(Collectors.toMap(TableRowCount::table, TableRowCount::rows));
    }

    private static Optional<String> comment(String database) throws Exception {
        return dbs.queryString("postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                + " WHERE datname = '" + database + "'");
    }

    private static Optional<String> parameter(String name) throws Exception {
        return dbs.queryString(state, "SELECT value FROM dbrefresh.parameter WHERE name = '" + name
                + "' ORDER BY version DESC LIMIT 1");
    }

    /**
     * Waits for the run's {@code refresh.failed}, then checks that it is the only outcome: nothing for
     * users-service, and a single audit entry, the refusal (no step started).
     */
    private static JsonNode awaitRefusal(String runId, String plan, String step, String errorCode) {
        JsonNode failed = notifier.awaitRefusal(runId, plan, SERVICE, step, errorCode);

        stack.awaitDrained(Routing.CLUSTER_QUEUE);
        assertThat(notifier.events(runId)).hasSize(1);
        assertThat(users.events(runId)).isEmpty();
        assertThat(stack.auditOf(runId)).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(AuditStatus.FAILED.id());
            assertThat(e.step()).isEqualTo(step);
            assertThat(e.errorCode()).isEqualTo(errorCode);
        });
        return failed;
    }

    /** The target still holds its marker rows, no pgbench table, and no restore marker. */
    private static void assertUntouched(String database) throws Exception {
        assertThat(dbs.counts(database)).containsExactly(Map.entry("marker", (long) MARKER_ROWS));
        assertThat(comment(database)).isEmpty();
        assertThat(dbs.queryLong("postgres", "SELECT count(*) FROM pg_database WHERE datname = '"
                + PgRestorer.stagingName(database) + "'")).isZero();
    }
}
