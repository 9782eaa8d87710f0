package dev.dbrefresh.snapshot.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * snapshot-service as a whole: its consumer on {@code dbrefresh-snapshot} (ElasticMQ in this JVM),
 * audit log, idempotency and leases in DynamoDB Local, the parameter store in a state database of its
 * own and a pgbench source on the PostgreSQL server at 127.0.0.1:5432. Start messages are built from
 * the shared-contracts sample of {@code refresh.requested}; outcomes are read from the downstream
 * queues ({@code dbrefresh-cluster}, {@code dbrefresh-notifier}), the audit log, the snapshot stores
 * and the databases.
 */
class SnapshotServiceIntegrationTest {

    private static final String SERVICE = "snapshot-service";
    private static final int MARKER_ROWS = 3;

    @TempDir
    static Path dir;

    private static TestDatabases dbs;
    private static ServiceStack stack;
    private static Inbox cluster;
    private static Inbox notifier;
    private static String state;
    private static String source;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases("snp");
        state = dbs.create("state");
        source = dbs.create("src");
        dbs.pgbench(source);
        dbs.create("tgt");
        dbs.create("dup");
        dbs.createWithMarker("protected", MARKER_ROWS);
        dbs.createWithMarker("missing", MARKER_ROWS);
        dbs.createWithMarker("busy", MARKER_ROWS);
        dbs.createWithMarker("orders", MARKER_ROWS);
        dbs.createWithMarker("steer", MARKER_ROWS);
        dbs.createWithMarker("foreign", MARKER_ROWS);

        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, "plans:\n"
                + plan("valid", dbs.name("tgt"), "")
                + plan("duplicate", dbs.name("dup"), "")
                + plan("target-is-source", source, "")
                + plan("protected", dbs.name("protected"), "    guards: {protected-patterns: ['(?i).*_PROTECTED']}\n")
                + plan("missing-snapshot", dbs.name("missing"), "")
                + plan("busy", dbs.name("busy"), "")
                + plan("steer", dbs.name("steer"), "")
                + plan("foreign", dbs.name("foreign"), "")
                + plan("alias", source, "").replace("target: {host: 127.0.0.1", "target: {host: localhost"));

        stack = ServiceStack.emulators(10).startService(Map.of(
                "dbrefresh.plans-file", plans.toString(),
                "datasources.default.url", "jdbc:postgresql://127.0.0.1:5432/" + state));
        cluster = stack.inbox(Routing.CLUSTER_QUEUE);
        notifier = stack.inbox(Routing.NOTIFIER_QUEUE);
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
    void refreshRequested_shouldPublishSnapshotReadyWithCopyAndLatestParameter_whenPlanIsValid() throws Exception {
        String runId = Samples.runId("valid");
        ObjectNode start = Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "valid"));
        String snapshotId = expectedSnapshotId(start);

        stack.send(Routing.SNAPSHOT_QUEUE, start);

        JsonNode ready = cluster.await(runId, EventType.SNAPSHOT_READY);
        assertThat(ready.path("source").asText()).isEqualTo("dbrefresh/snapshot-service");
        assertThat(ready.path("causationid").asText()).isEqualTo(start.get("id").asText());
        assertThat(ready.path("correlationid").asText()).isEqualTo(runId);
        JsonNode data = ready.get("data");
        assertThat(data.path("plan").asText()).isEqualTo("valid");
        assertThat(data.path("engine").asText()).isEqualTo("postgres");
        assertThat(data.path("snapshotId").asText()).isEqualTo(snapshotId);
        assertThat(data.path("copied").asBoolean()).isTrue();

        SnapshotStore targetStore = new SnapshotStore(store("valid", "target"));
        SnapshotManifest copy = targetStore.find(snapshotId).orElseThrow(
                () -> new AssertionError("no copy of " + snapshotId + " in " + targetStore.root()));
        assertThat(SnapshotStore.sha256(targetStore.dumpFile(copy))).isEqualTo(copy.checksum());
        assertThat(data.path("checksum").asText()).isEqualTo(copy.checksum());
        assertThat(data.path("sizeBytes").asLong()).isEqualTo(copy.sizeBytes());
        assertThat(copy.source()).isEqualTo("postgres://127.0.0.1:5432/" + source);
        assertThat(copy.tables()).contains(new TableRowCount("public", "pgbench_accounts", 100_000),
                new TableRowCount("public", "pgbench_branches", 1), new TableRowCount("public", "pgbench_tellers", 10));

        assertThat(latestParameter("valid")).contains(snapshotId);

        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .allSatisfy(e -> assertThat(e.service()).isEqualTo(SERVICE))
                .extracting(AuditEntry::step).containsExactly("dump", "copy", "parameter");
    }

    @Test
    void refreshRequested_shouldFailWithPlanNotFound_whenPlanIsUnknown() throws Exception {
        String runId = Samples.runId("unknown-plan");
        stack.send(Routing.SNAPSHOT_QUEUE,
                Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "no-such-plan")));

        JsonNode failed = awaitRefusal(runId, "no-such-plan", "plan", "PLAN_NOT_FOUND");

        assertThat(failed.at("/data/message").asText()).contains("no-such-plan").contains("valid");
        assertThat(latestParameter("no-such-plan")).isEmpty();
    }

    @Test
    void refreshRequested_shouldFailWithGuardCode_whenTargetIsSource() throws Exception {
        String runId = Samples.runId("target-is-source");
        stack.send(Routing.SNAPSHOT_QUEUE,
                Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "target-is-source")));

        awaitRefusal(runId, "target-is-source", "guard", "GUARD_TARGET_IS_SOURCE");

        assertThat(dbs.counts(source)).containsEntry("pgbench_accounts", 100_000L)
                .containsEntry("pgbench_branches", 1L).containsEntry("pgbench_tellers", 10L);
        assertNoSnapshot("target-is-source");
        assertThat(stack.leases().holder(display(source))).isEmpty();
    }

    @Test
    void refreshRequested_shouldFailWithGuardCode_whenTargetMatchesProtectedPattern() throws Exception {
        String runId = Samples.runId("protected");
        stack.send(Routing.SNAPSHOT_QUEUE,
                Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "protected")));

        JsonNode failed = awaitRefusal(runId, "protected", "guard", "GUARD_PROTECTED_TARGET");

        assertThat(failed.at("/data/message").asText()).contains(dbs.name("protected")).contains("(?i).*_PROTECTED");
        assertMarkerIntact(dbs.name("protected"));
        assertNoSnapshot("protected");
        assertThat(stack.leases().holder(display(dbs.name("protected")))).isEmpty();
    }

    @Test
    void refreshRequested_shouldFailWithSnapshotNotFound_whenRequestedSnapshotDoesNotExist() throws Exception {
        String runId = Samples.runId("missing-snapshot");
        stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId,
                d -> d.put("plan", "missing-snapshot").put("snapshotId", source + "-19990101t000000z")));

        JsonNode failed = awaitRefusal(runId, "missing-snapshot", "pick-snapshot", "SNAPSHOT_NOT_FOUND");

        assertThat(failed.at("/data/message").asText()).contains(source + "-19990101t000000z");
        assertMarkerIntact(dbs.name("missing"));
        assertNoSnapshot("missing-snapshot");
        assertThat(latestParameter("missing-snapshot")).isEmpty();
    }

    @Test
    void refreshRequested_shouldFailWithTargetBusy_whenAnotherRunHoldsTheLease() throws Exception {
        String target = display(dbs.name("busy"));
        String otherRun = Samples.runId("other");
        assertThat(stack.leases().acquire(target, otherRun, Duration.ofHours(1))).isEmpty();
        String runId = Samples.runId("busy");

        stack.send(Routing.SNAPSHOT_QUEUE,
                Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "busy")));

        JsonNode failed = awaitRefusal(runId, "busy", "lease", "TARGET_BUSY");

        assertThat(failed.at("/data/message").asText()).contains(otherRun);
        assertThat(stack.leases().holder(target)).contains(otherRun);
        assertMarkerIntact(dbs.name("busy"));
        assertNoSnapshot("busy");
        assertThat(latestParameter("busy")).isEmpty();
    }

    /** Issue 7, first observation: {@code --value target.database=orders} replaced an unrelated database. */
    @Test
    void refreshRequested_shouldRefuseWithPlanInvalid_whenTheStartMessageNamesAnotherTargetDatabase() throws Exception {
        String runId = Samples.runId("steer-target");
        String orders = dbs.name("orders");
        long oid = databaseOid(orders);
        stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId,
                d -> d.put("plan", "steer").putObject("values").put("target.database", orders)));

        JsonNode failed = awaitRefusal(runId, "steer", "plan", "PLAN_INVALID");

        assertThat(failed.at("/data/message").asText()).contains("'target.database'").contains("target.allowed-databases");
        assertMarkerIntact(orders);
        assertMarkerIntact(dbs.name("steer"));
        assertThat(databaseOid(orders)).isEqualTo(oid);
        assertThat(stack.leases().holder(TestDatabases.leaseKey(orders))).isEmpty();
        assertThat(stack.leases().holder(TestDatabases.leaseKey(dbs.name("steer")))).isEmpty();
        assertNoSnapshot("steer");
    }

    /**
     * Issue 7, second observation: {@code source.port} and {@code source.password-secret} per run made
     * snapshot-service connect to whatever listened there, with a file's content as the password.
     */
    @Test
    void refreshRequested_shouldConnectNowhere_whenTheStartMessageRedirectsTheSourceAndItsSecret() throws Exception {
        try (java.net.ServerSocket trap = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
            Thread listener = new Thread(() -> {
                while (!trap.isClosed()) {
                    try (java.net.Socket ignored = trap.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            listener.setDaemon(true);
            listener.start();
            String runId = Samples.runId("steer-source");
            stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId,
                    d -> d.put("plan", "steer").putObject("values").put("source.port", Integer.toString(trap.getLocalPort()))
                            .put("source.password-secret", "file:/etc/hostname")));

            JsonNode failed = awaitRefusal(runId, "steer", "plan", "PLAN_INVALID");

            assertThat(failed.at("/data/message").asText()).contains("cannot be set per run");
            assertThat(connections.get()).as("connections to the port named by the start message").isZero();
            String hostname = Files.readString(Path.of("/etc/hostname")).trim();
            assertThat(failed.toString()).doesNotContain(hostname);
            assertThat(stack.auditOf(runId)).allSatisfy(e -> assertThat(String.valueOf(e.details())).doesNotContain(hostname));
            assertMarkerIntact(dbs.name("steer"));
            assertNoSnapshot("steer");
        }
    }

    /**
     * Issue 7, property 4: a snapshot in the plan's own store, but dumped from another database (here the
     * plan's target, as if another plan shared the store), is never restored, whether named by id or found
     * as the newest.
     */
    @Test
    void refreshRequested_shouldRefuseASnapshotOfAnotherSource_evenInThePlansOwnStore() throws Exception {
        String other = dbs.name("foreign");
        SnapshotStore sourceStore = new SnapshotStore(store("foreign", "source"));
        SnapshotManifest foreign = new dev.dbrefresh.engine.postgres.PgDumpSnapshotter(TestDatabases.TOOLS)
                .snapshot(dbs.endpoint(other), null, sourceStore, "other-plan-snapshot", "other-plan");
        assertThat(foreign.sourceIdentity()).isEqualTo(TestDatabases.leaseKey(other));
        String runId = Samples.runId("foreign");

        stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId,
                d -> d.put("plan", "foreign").put("snapshotId", foreign.snapshotId())));

        JsonNode failed = awaitRefusal(runId, "foreign", "pick-snapshot", "SNAPSHOT_NOT_OF_SOURCE");
        assertThat(failed.at("/data/message").asText()).contains(TestDatabases.leaseKey(other))
                .contains(TestDatabases.leaseKey(source));
        assertMarkerIntact(other);
        assertThat(new SnapshotStore(store("foreign", "target")).find(foreign.snapshotId())).isEmpty();
        assertThat(latestParameter("foreign")).isEmpty();
    }

    /** The same server under another name: {@code localhost} instead of {@code 127.0.0.1}. */
    @Test
    void refreshRequested_shouldFailWithGuardCode_whenTheTargetIsTheSourceUnderAnotherHostName() throws Exception {
        String runId = Samples.runId("alias");
        stack.send(Routing.SNAPSHOT_QUEUE, Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "alias")));

        JsonNode failed = awaitRefusal(runId, "alias", "guard", "GUARD_TARGET_IS_SOURCE");

        assertThat(failed.at("/data/message").asText()).contains(TestDatabases.leaseKey(source));
        assertThat(dbs.counts(source)).containsEntry("pgbench_accounts", 100_000L);
        assertNoSnapshot("alias");
        assertThat(stack.leases().holder(TestDatabases.leaseKey(source))).isEmpty();
    }

    @Test
    void refreshRequested_shouldPublishOneSnapshotReady_whenStartMessageIsDeliveredTwice() throws Exception {
        String runId = Samples.runId("duplicate");
        ObjectNode start = Samples.envelope(EventType.REFRESH_REQUESTED, runId, d -> d.put("plan", "duplicate"));

        stack.send(Routing.SNAPSHOT_QUEUE, start);
        stack.send(Routing.SNAPSHOT_QUEUE, start);

        cluster.await(runId, EventType.SNAPSHOT_READY);
        stack.awaitDrained(Routing.SNAPSHOT_QUEUE);
        assertThat(cluster.events(runId)).hasSize(1);
        assertThat(notifier.events(runId)).isEmpty();

        List<AuditEntry> audit = stack.auditOf(runId);
        assertThat(audit).extracting(e -> e.step() + " " + e.status()).containsExactlyInAnyOrder(
                "dump started", "dump succeeded", "copy started", "copy succeeded",
                "parameter started", "parameter succeeded");
        assertThat(dbs.queryLong(state, "SELECT count(*) FROM dbrefresh.parameter WHERE name = "
                + "'/dbrefresh/duplicate/snapshot/latest'")).isEqualTo(1);
        assertThat(snapshots(store("duplicate", "source"))).containsExactly(expectedSnapshotId(start));
        assertThat(snapshots(store("duplicate", "target"))).containsExactly(expectedSnapshotId(start));
    }

    // --- helpers ---

    private static String plan(String name, String target, String extra) {
        return "  " + name + ":\n"
                + "    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: " + source + ", username: postgres}\n"
                + "    target: {host: 127.0.0.1, port: 5432, database: " + target + ", username: postgres}\n"
                + "    snapshot: {mode: create, source-store: '" + store(name, "source") + "', target-store: '"
                + store(name, "target") + "'}\n"
                + extra;
    }

    private static Path store(String plan, String side) {
        return dir.resolve("stores").resolve(plan).resolve(side);
    }

    private static String display(String database) {
        return TestDatabases.leaseKey(database);
    }

    private static long databaseOid(String database) throws Exception {
        return dbs.queryLong("postgres", "SELECT oid::bigint FROM pg_database WHERE datname = '" + database + "'");
    }

    /**
     * The id SnapshotStep derives from the start message's plan and time:
     * {@code <plan>-<source db>-<yyyyMMdd't'HHmmss'z'>}.
     */
    private static String expectedSnapshotId(JsonNode start) {
        Instant time = Instant.parse(start.get("time").asText());
        return start.at("/data/plan").asText() + "-" + source + "-" + DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss'z'").withZone(ZoneOffset.UTC).format(time);
    }

    private static Optional<String> latestParameter(String plan) throws Exception {
        return dbs.queryString(state, "SELECT value FROM dbrefresh.parameter WHERE name = '/dbrefresh/" + plan
                + "/snapshot/latest' ORDER BY version DESC LIMIT 1");
    }

    /**
     * Waits for the run's {@code refresh.failed}, then checks that it is the only outcome: no event to
     * cluster-service, one failed audit entry with the code, and no dump, copy or parameter step.
     */
    private static JsonNode awaitRefusal(String runId, String plan, String step, String errorCode) {
        JsonNode failed = notifier.awaitRefusal(runId, plan, SERVICE, step, errorCode);

        stack.awaitDrained(Routing.SNAPSHOT_QUEUE);
        assertThat(notifier.events(runId)).hasSize(1);
        assertThat(cluster.events(runId)).isEmpty();
        List<AuditEntry> audit = stack.auditOf(runId);
        assertThat(audit).filteredOn(e -> AuditStatus.FAILED.id().equals(e.status())).singleElement().satisfies(e -> {
            assertThat(e.step()).isEqualTo(step);
            assertThat(e.errorCode()).isEqualTo(errorCode);
        });
        assertThat(audit).extracting(AuditEntry::step).doesNotContain("dump", "copy", "parameter");
        return failed;
    }

    private static void assertMarkerIntact(String database) throws Exception {
        assertThat(dbs.queryLong(database, "SELECT count(*) FROM marker")).isEqualTo(MARKER_ROWS);
    }

    private static void assertNoSnapshot(String plan) throws IOException {
        assertThat(snapshots(store(plan, "source"))).as("source store of %s", plan).isEmpty();
        assertThat(snapshots(store(plan, "target"))).as("target store of %s", plan).isEmpty();
    }

    /** @return every entry of a store directory (snapshots and staging left-overs); empty when it does not exist */
    private static List<String> snapshots(Path store) throws IOException {
        if (!Files.isDirectory(store)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(store)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
