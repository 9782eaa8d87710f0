package dev.dbrefresh.users.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventType;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.Samples;
import dev.dbrefresh.runtime.testing.ServiceStack;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * users-service as a whole: its consumer on {@code dbrefresh-users} (ElasticMQ in this JVM), audit log
 * and idempotency in DynamoDB Local, and restored targets on the PostgreSQL server at 127.0.0.1:5432
 * (trust auth). The state after cluster-service is set up directly: a snapshot of a pgbench source in
 * the target store and targets restored from its dump. Every test sends a {@code cluster.restored}
 * built from the shared-contracts sample and reads the outcome from {@code dbrefresh-notifier}, the
 * audit log and the target, connecting as the created user.
 */
class UsersServiceIntegrationTest {

    private static final String SERVICE = "users-service";

    @TempDir
    static Path dir;

    private static UsersTestDatabases dbs;
    private static ServiceStack stack;
    private static Inbox notifier;
    private static SnapshotManifest snapshot;
    private static String reader;
    /** Tables of the {@code wide} target: every event of its run must stay small. */
    private static final int WIDE_TABLES = 10_000;
    private static final int MAX_EVENT_BYTES = 64 * 1024;
    private static SnapshotManifest wideOk;
    private static SnapshotManifest wideBad;

    @BeforeAll
    static void start() throws Exception {
        dbs = new UsersTestDatabases("usr");
        String source = dbs.create("src");
        dbs.pgbench(source);
        SnapshotStore store = new SnapshotStore(dir.resolve("store/target"));
        snapshot = dbs.snapshot(source, store, source + "-20261121t223900z");
        dbs.restore(store.dumpFile(snapshot), dbs.create("tgt"));
        dbs.restore(store.dumpFile(snapshot), dbs.create("mismatch"));
        String wide = dbs.create("wide");
        for (int from = 1; from <= WIDE_TABLES; from += 1000) {
            // One statement per thousand tables: one transaction for all would exhaust the lock table.
            dbs.exec(wide, "DO $$ BEGIN FOR i IN " + from + ".." + (from + 999) + " LOOP"
                    + " EXECUTE format('CREATE TABLE t%s (id int)', i); END LOOP; END $$");
        }
        wideOk = manifest(store, "wide-ok", 0);
        wideBad = manifest(store, "wide-bad", 1);
        reader = dbs.role("reader");
        Path secret = dir.resolve("reader.secret");
        Files.writeString(secret, "reader-password-for-tests\n");

        Path plans = dir.resolve("plans.yml");
        Files.writeString(plans, "plans:\n"
                + plan("ok", "tgt")
                + "    users:\n"
                + "      - name: " + reader + "\n"
                + "        password-secret: 'file:" + secret + "'\n"
                + "        grants:\n"
                + "          - {on: database, privileges: [CONNECT]}\n"
                + "          - {on: schema, schema: public, privileges: [USAGE]}\n"
                + "          - {on: all-tables, schema: public, privileges: [SELECT]}\n"
                + plan("mismatch", "mismatch")
                + plan("wide", "wide"));

        stack = ServiceStack.emulators(10).startService(Map.of("dbrefresh.plans-file", plans.toString()));
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
    void clusterRestored_shouldPublishUsersAppliedWithVerifiedCounts_whenTargetMatchesManifest() throws Exception {
        String runId = Samples.runId("ok");
        String target = dbs.name("tgt");
        ObjectNode restored = clusterRestored(runId, "ok", target);

        stack.send(Routing.USERS_QUEUE, restored);

        JsonNode applied = awaitEvent(runId, EventType.USERS_APPLIED);
        assertThat(applied.path("source").asText()).isEqualTo("dbrefresh/users-service");
        assertThat(applied.path("causationid").asText()).isEqualTo(restored.get("id").asText());
        JsonNode data = applied.get("data");
        assertThat(data.path("plan").asText()).isEqualTo("ok");
        assertThat(data.path("engine").asText()).isEqualTo("postgres");
        assertThat(data.path("snapshotId").asText()).isEqualTo(snapshot.snapshotId());
        assertThat(data.path("endpoint").asText()).isEqualTo("127.0.0.1");
        assertThat(EventCodec.mapper().convertValue(data.path("users"), String[].class)).containsExactly(reader);
        assertThat(EventCodec.mapper().convertValue(data.path("verified"), TableRowCount[].class))
                .containsExactlyInAnyOrderElementsOf(snapshot.tables())
                .contains(new TableRowCount("public", "pgbench_accounts", 100_000));
        assertThat(data.path("rowsVerified").asLong()).isEqualTo(snapshot.totalRows());

        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .extracting(AuditEntry::step).containsExactly("users", "verify");
        assertThat(dbs.queryString("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname = '" + reader + "'"))
                .hasValueSatisfying(p -> assertThat(p).startsWith("SCRAM-SHA-256$"));
    }

    @Test
    void clusterRestored_shouldGrantOnlyWhatThePlanSays_whenUserConnects() throws Exception {
        String runId = Samples.runId("grants");
        String target = dbs.name("tgt");
        stack.send(Routing.USERS_QUEUE, clusterRestored(runId, "ok", target));
        awaitEvent(runId, EventType.USERS_APPLIED);

        DatabaseEndpoint asReader = new DatabaseEndpoint("127.0.0.1", 5432, target, reader, null);
        try (Connection c = TestDatabases.TOOLS.connect(asReader, null); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT current_user, count(*) FROM pgbench_accounts GROUP BY 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(reader);
                assertThat(rs.getLong(2)).isEqualTo(100_000);
            }
            assertThatThrownBy(() -> st.execute(
                    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, now())"))
                    .as("INSERT as %s", reader).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> st.execute("UPDATE pgbench_branches SET bbalance = 1"))
                    .as("UPDATE as %s", reader).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
        assertThat(dbs.queryLong(target, "SELECT count(*) FROM pgbench_history")).isZero();
    }

    @Test
    void clusterRestored_shouldFailWithVerifyMismatch_whenTargetLostARow() throws Exception {
        String runId = Samples.runId("mismatch");
        String target = dbs.name("mismatch");
        dbs.exec(target, "DELETE FROM pgbench_accounts WHERE aid = 1");

        stack.send(Routing.USERS_QUEUE, clusterRestored(runId, "mismatch", target));

        JsonNode failed = awaitEvent(runId, EventType.REFRESH_FAILED);
        JsonNode data = failed.get("data");
        assertThat(data.path("errorCode").asText()).isEqualTo("VERIFY_MISMATCH");
        assertThat(data.path("service").asText()).isEqualTo(SERVICE);
        assertThat(data.path("step").asText()).isEqualTo("verify");
        assertThat(data.path("plan").asText()).isEqualTo("mismatch");
        assertThat(data.path("changed").asBoolean(true)).isFalse();
        assertThat(data.path("message").asText()).contains("public.pgbench_accounts").contains("100000")
                .contains("99999");

        stack.awaitDrained(Routing.USERS_QUEUE);
        assertThat(notifier.events(runId)).hasSize(1);
        assertThat(stack.auditOf(runId)).filteredOn(e -> AuditStatus.FAILED.id().equals(e.status())).singleElement()
                .satisfies(e -> {
                    assertThat(e.step()).isEqualTo("verify");
                    assertThat(e.errorCode()).isEqualTo("VERIFY_MISMATCH");
                });
    }

    /**
     * Issue 7, third observation: a {@code cluster.restored} put by hand on {@code dbrefresh-users},
     * naming the production database, gave the plan's user SELECT on it.
     */
    @Test
    void clusterRestored_shouldBeRejectedAndGrantNothing_whenTheEventNamesAnotherDatabaseThanThePlan() throws Exception {
        String runId = Samples.runId("forged");
        String production = dbs.name("src");
        // Even with the run holding the plan's target, an event naming another database is not the run's own.
        assertThat(stack.leases().acquire(TestDatabases.leaseKey(production), runId, Duration.ofHours(1))).isEmpty();
        Inbox deadLetters = stack.inbox(Routing.dlqName(Routing.USERS_QUEUE));
        ObjectNode forged = forged(runId, "ok", production);

        stack.send(Routing.USERS_QUEUE, forged);

        await("dead letter of " + runId).atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> !deadLetters.events(runId).isEmpty());
        stack.awaitDrained(Routing.USERS_QUEUE);
        assertThat(deadLetters.messages(m -> forged.get("id").asText().equals(m.path("id").asText())))
                .singleElement().satisfies(m -> assertThat(m.messageAttributes().get("reason").stringValue())
                        .contains("does not fit plan 'ok'").contains(production).contains(dbs.name("tgt")));
        assertThat(stack.auditOf(runId)).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(AuditStatus.REJECTED.id());
            assertThat(e.errorCode()).isEqualTo("EVENT_NOT_OF_PLAN");
        });
        assertThat(notifier.events(runId)).as("no users.applied and no refresh.failed for a rejected event").isEmpty();
        assertThat(dbs.queryString(production, "SELECT has_table_privilege('" + reader + "',"
                + " 'public.pgbench_accounts', 'SELECT')::text")).contains("false");
        assertThat(dbs.queryString(production, "SELECT count(*)::text FROM pg_class c, aclexplode(c.relacl) a"
                + " WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '" + reader + "')")).contains("0");
    }

    @Test
    void clusterRestored_shouldFailWithLeaseLost_andGrantNothing_whenTheRunDoesNotHoldTheTarget() throws Exception {
        String runId = Samples.runId("no-lease");
        String target = dbs.name("mismatch");
        String key = TestDatabases.leaseKey(target);
        stack.leases().holder(key).ifPresent(earlier -> stack.leases().release(key, earlier));

        stack.send(Routing.USERS_QUEUE, forged(runId, "mismatch", target));

        JsonNode failed = awaitEvent(runId, EventType.REFRESH_FAILED);
        assertThat(failed.at("/data/errorCode").asText()).isEqualTo("LEASE_LOST");
        assertThat(failed.at("/data/changed").asBoolean(false)).as("the restore before it changed the target").isTrue();
        assertThat(stack.auditOf(runId)).extracting(AuditEntry::step).doesNotContain("users", "verify");
    }

    /** Issue 7, property 8: per-table counts stay out of events; they are in the audit log. */
    @Test
    void clusterRestored_shouldPublishASmallEvent_andRecordEveryCountInTheAuditLog_whenTheTargetHas10000Tables()
            throws Exception {
        String runId = Samples.runId("wide");
        stack.send(Routing.USERS_QUEUE, withSnapshot(clusterRestored(runId, "wide", dbs.name("wide")), wideOk));

        JsonNode applied = awaitEvent(runId, EventType.USERS_APPLIED);

        assertThat(applied.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThan(MAX_EVENT_BYTES);
        assertThat(applied.at("/data/tablesVerified").asInt()).isEqualTo(WIDE_TABLES);
        assertThat(applied.at("/data/verified")).hasSize(dev.dbrefresh.contracts.UsersApplied.MAX_VERIFIED_IN_EVENT);
        List<AuditEntry> parts = stack.auditOf(runId).stream().filter(e -> "verify-counts".equals(e.step())).toList();
        assertThat(parts).allSatisfy(e -> assertThat(e.status()).isEqualTo(AuditStatus.RECORDED.id()));
        assertThat(parts.stream().flatMap(e -> java.util.Arrays.stream(e.details().split(", "))).distinct().count())
                .isEqualTo(WIDE_TABLES);
        assertThat(parts.stream().map(AuditEntry::details)).anySatisfy(d -> assertThat(d).contains("public.t9999=0"));
    }

    @Test
    void clusterRestored_shouldPublishASmallFailure_whenAll10000TablesMismatch() throws Exception {
        String runId = Samples.runId("wide-bad");
        stack.send(Routing.USERS_QUEUE, withSnapshot(clusterRestored(runId, "wide", dbs.name("wide")), wideBad));

        JsonNode failed = awaitEvent(runId, EventType.REFRESH_FAILED);

        assertThat(failed.at("/data/errorCode").asText()).isEqualTo("VERIFY_MISMATCH");
        assertThat(failed.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThan(MAX_EVENT_BYTES);
        assertThat(failed.at("/data/message").asText()).contains("and " + (WIDE_TABLES - 20) + " more tables");
    }

    // --- helpers ---

    /** A manifest of the {@code wide} target's tables, each with {@code rows} rows (the dump is never read). */
    private static SnapshotManifest manifest(SnapshotStore store, String id, long rows) throws Exception {
        Path staging = store.newStagingDir(id);
        Files.writeString(staging.resolve("dump.pgdump"), "not opened by users-service");
        List<TableRowCount> tables = new ArrayList<>();
        for (int i = 1; i <= WIDE_TABLES; i++) {
            tables.add(new TableRowCount("public", "t" + i, rows));
        }
        return store.commit(staging, new SnapshotManifest(id, "postgres", "postgres://127.0.0.1:5432/wide",
                java.time.Instant.now(), "pg_dump-custom", "dump.pgdump", Files.size(staging.resolve("dump.pgdump")),
                SnapshotStore.sha256(staging.resolve("dump.pgdump")), tables));
    }

    private static ObjectNode withSnapshot(ObjectNode restored, SnapshotManifest manifest) {
        ((ObjectNode) restored.get("data")).put("snapshotId", manifest.snapshotId());
        return restored;
    }

    private static String plan(String name, String targetSuffix) {
        return "  " + name + ":\n"
                + "    engine: postgres\n"
                + "    source: {host: 127.0.0.1, port: 5432, database: " + dbs.name("src") + ", username: postgres}\n"
                + "    target: {host: 127.0.0.1, port: 5432, database: " + dbs.name(targetSuffix) + ", username: postgres}\n"
                + "    snapshot: {mode: create, source-store: '" + dir.resolve("store/source") + "', target-store: '"
                + dir.resolve("store/target") + "'}\n";
    }

    /**
     * The sample {@code cluster.restored}, for the test snapshot, restored into {@code database}; the run
     * holds the target's lease, as it would after cluster-service.
     */
    private static ObjectNode clusterRestored(String runId, String plan, String database) {
        String key = TestDatabases.leaseKey(database);
        stack.leases().holder(key).ifPresent(earlier -> stack.leases().release(key, earlier));
        assertThat(stack.leases().acquire(key, runId, Duration.ofHours(1))).isEmpty();
        return forged(runId, plan, database);
    }

    /** The sample {@code cluster.restored} as anyone could send it: no lease behind it. */
    private static ObjectNode forged(String runId, String plan, String database) {
        return Samples.envelope(EventType.CLUSTER_RESTORED, runId, d -> d.put("plan", plan)
                .put("snapshotId", snapshot.snapshotId()).put("endpoint", "127.0.0.1").put("readerEndpoint", "127.0.0.1")
                .put("port", 5432).put("database", database));
    }

    private static JsonNode awaitEvent(String runId, EventType type) {
        await(type.typeName() + " of " + runId).atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> !notifier.events(runId, type.typeName()).isEmpty());
        List<JsonNode> events = new ArrayList<>(notifier.events(runId));
        assertThat(events).as("events of run %s", runId).hasSize(1);
        return events.get(0);
    }
}
