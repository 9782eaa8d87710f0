package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.RunReport;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, as a test: the four service jars as processes, ElasticMQ and DynamoDB
 * Local in-process, a real PostgreSQL with a pgbench source at scale 10; two refreshes in a row.
 */
class LocalStackRefreshIT {

    private static final DatabaseEndpoint SERVER = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String SOURCE = "dbr_e2e_" + SUFFIX + "_production";
    private static final String TARGET = "dbr_e2e_" + SUFFIX + "_acceptance";

    @TempDir
    static Path home;

    private static Path plans;

    @BeforeAll
    static void writePlans() throws Exception {
        Path secret = home.resolve("reader.password");
        Files.writeString(secret, "e2e-" + SUFFIX);
        plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  e2e:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {mode: create, source-store: store/source, target-store: store/target}
                    restore: {jobs: 2}
                    users:
                      - name: dbr_e2e_%s_reader
                        password-secret: file:%s
                        grants:
                          - {on: database, privileges: [CONNECT]}
                          - {on: schema, schema: public, privileges: [USAGE]}
                          - {on: all-tables, schema: public, privileges: [SELECT]}
                    guards: {protected-patterns: ["(?i).*production$"]}
                """.formatted(SOURCE, TARGET, SUFFIX, secret));
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        SharedServer.dropDatabasesStartingWith("dbr_e2e_" + SUFFIX + "_");
        try (Connection c = SharedServer.connect("postgres")) {
            c.createStatement().execute("DROP ROLE IF EXISTS dbr_e2e_" + SUFFIX + "_reader");
        }
    }

    @Test
    void run_shouldRefreshTargetThroughAllFourServices_andReplaceItAgainOnSecondRun() throws Exception {
        // On a fresh machine the first run creates the state database and this plan's source and target.
        Map<String, Long> beforeFirst = databaseOids();

        RunReport first = run();

        assertThat(first.succeeded()).as(first.toString()).isTrue();
        LocalPostgres pg = new LocalPostgres(SERVER);
        SortedMap<String, Long> sourceCounts = pg.rowCounts(SOURCE);
        assertThat(sourceCounts).containsEntry("public.pgbench_accounts", 1_000_000L);
        assertThat(pg.rowCounts(TARGET)).isEqualTo(sourceCounts);
        assertThat(stepsOf(first)).containsSubsequence("snapshot-service/dump", "snapshot-service/copy",
                "snapshot-service/parameter", "cluster-service/promote", "cluster-service/restore", "users-service/users",
                "users-service/verify", "notifier-service/notify");
        assertThat(first.notification().path("verified")).hasSize(4);
        assertMetricsOfTheRun();
        Map<String, Long> afterFirst = databaseOids();
        assertOnlyChanged(beforeFirst, afterFirst, Set.of("dbrefresh", SOURCE, TARGET), Set.of());

        // Something written to the acceptance copy is gone after the next refresh: the target is replaced.
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + TARGET, "postgres", "")) {
            c.createStatement().execute("CREATE TABLE written_in_acceptance (id int)");
        }
        // The second run sets a plan value in its start message: cluster-service, two events later, uses it.
        RunReport second = run(false, java.util.Map.of("restore.jobs", "1"));

        assertThat(second.succeeded()).as(second.toString()).isTrue();
        assertThat(second.runId()).isNotEqualTo(first.runId());
        assertThat(pg.rowCounts(TARGET)).isEqualTo(sourceCounts).doesNotContainKey("public.written_in_acceptance");
        assertThat(pg.rowCounts(SOURCE)).isEqualTo(sourceCounts);
        // The second run replaces the target only: the source, the state database and every other one keep their oids.
        // The old target is dropped in the background after the swap (engine-postgres' PgSwap): wait for it.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (databaseOids().containsKey(TARGET + "__dbrefresh_old") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Map<String, Long> afterSecond = databaseOids();
        assertOnlyChanged(afterFirst, afterSecond, Set.of(), Set.of(TARGET));
        assertThat(afterSecond.get(TARGET)).as("oid of the replaced target").isNotEqualTo(afterFirst.get(TARGET));
        assertThat(snapshotOf(second)).isNotEqualTo(snapshotOf(first));
        assertThat(second.entries()).filteredOn(e -> "restore".equals(e.step())
                && AuditStatus.SUCCEEDED.id().equals(e.status()))
                .singleElement().satisfies(e -> assertThat(e.details()).contains("pg_restore -j 1"));
        assertThat(second.entries()).filteredOn(e -> "plan-values".equals(e.step()))
                .extracting(AuditEntry::service, AuditEntry::details)
                .contains(org.assertj.core.groups.Tuple.tuple("cluster-service", "restore.jobs from event"));

        // A dry-run reads and checks everything and changes nothing: no snapshot, the target as it was.
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + TARGET, "postgres", "")) {
            c.createStatement().execute("CREATE TABLE written_before_dry_run (id int)");
        }
        long snapshotsBefore = snapshotCount();
        RunReport dryRun = run(true);

        assertThat(dryRun.succeeded()).as(dryRun.toString()).isTrue();
        assertThat(dryRun.notification().path("result").asText()).isEqualTo("dry-run");
        assertThat(dryRun.entries()).filteredOn(e -> AuditStatus.PLANNED.id().equals(e.status()))
                .extracting(AuditEntry::service).contains("snapshot-service", "cluster-service", "users-service");
        assertThat(dryRun.entries()).noneMatch(e -> AuditStatus.SUCCEEDED.id().equals(e.status())
                && List.of("dump", "copy", "restore", "users").contains(e.step()));
        assertThat(pg.rowCounts(TARGET)).containsKey("public.written_before_dry_run");
        assertThat(snapshotCount()).isEqualTo(snapshotsBefore);
        assertOnlyChanged(afterSecond, databaseOids(), Set.of(), Set.of());
    }

    /**
     * Issue 12, point 4: every service answered {@code /prometheus} at the end of the run (saved beside its log by
     * the launcher) with the messages it handled, its steps' durations per engine and the AWS calls it made.
     */
    private static void assertMetricsOfTheRun() throws Exception {
        Path logs = home.resolve("logs").resolve("latest");
        Map<String, List<String>> expected = Map.of(
                "snapshot-service", List.of("type=\"dbrefresh.refresh.requested.v1\"", "step=\"dump\""),
                "cluster-service", List.of("type=\"dbrefresh.snapshot.ready.v1\"", "step=\"restore\""),
                "users-service", List.of("type=\"dbrefresh.cluster.restored.v1\"", "step=\"verify\""),
                "notifier-service", List.of("type=\"dbrefresh.users.applied.v1\"", "step=\"notify\""));
        for (var e : expected.entrySet()) {
            String text = Files.readString(logs.resolve(e.getKey() + ".prometheus"));
            assertThat(text).as(e.getKey() + "'s /prometheus").contains("# TYPE dbrefresh_messages_received_total counter")
                    .containsPattern("dbrefresh_messages_received_total\\{[^}]*" + e.getValue().get(0))
                    .containsPattern("dbrefresh_messages_handled_total\\{[^}]*" + e.getValue().get(0))
                    .containsPattern("dbrefresh_step_duration_seconds_bucket\\{engine=\"postgres\",outcome=\"succeeded\","
                            + e.getValue().get(1))
                    .contains("dbrefresh_aws_calls_total{operation=\"ReceiveMessage\",outcome=\"ok\",service=\"Sqs\"}");
        }
        assertThat(Files.readString(logs.resolve("notifier-service.prometheus")))
                .contains("dbrefresh_runs_completed_total{plan=");
    }

    private static long snapshotCount() throws Exception {
        try (var dirs = Files.list(home.resolve("store").resolve("source"))) {
            return dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith(".")).count();
        }
    }

    private RunReport run() throws Exception {
        return run(false, java.util.Map.of());
    }

    private RunReport run(boolean dryRun) throws Exception {
        return run(dryRun, java.util.Map.of());
    }

    private RunReport run(boolean dryRun, java.util.Map<String, String> values) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RunReport report = new LocalStackRunner().run(new LocalStackRunner.Options(Path.of("..").toAbsolutePath().normalize(),
                home, plans, "e2e", 10, 5, Duration.ofMinutes(5), new PrintStream(out, true, StandardCharsets.UTF_8), dryRun, values));
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertThat(printed).contains("Summary of run " + report.runId());
        if (!dryRun) {
            assertThat(printed).contains("public.pgbench_accounts").contains("1,000,000");
        }
        return report;
    }

    private static List<String> stepsOf(RunReport report) {
        return report.entries().stream().filter(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .map(e -> e.service() + "/" + e.step()).toList();
    }

    private static String snapshotOf(RunReport report) {
        return report.notification().path("snapshotId").asText();
    }

    /** @return the oid of every database on the server, by name */
    private static Map<String, Long> databaseOids() throws Exception {
        Map<String, Long> oids = new TreeMap<>();
        try (Connection c = SharedServer.connect("postgres");
                var rs = c.createStatement().executeQuery("SELECT datname, oid FROM pg_database")) {
            while (rs.next()) {
                oids.put(rs.getString(1), rs.getLong(2));
            }
        }
        return oids;
    }

    /**
     * Asserts that between two looks at the server's databases nothing happened but what is allowed:
     * every database that was there is still there with the same oid (not dropped, not re-created),
     * except those in {@code replaced}, which must still exist; new ones are only those in
     * {@code created}. Other tests' databases ({@code dbr_*} names of their own) come and go on a
     * shared server meanwhile and are not looked at; everything else is, {@code pgbench_*} and the
     * {@code dbrefresh} state database included.
     */
    private static void assertOnlyChanged(Map<String, Long> before, Map<String, Long> after, Set<String> created,
            Set<String> replaced) {
        List<String> unexpected = new ArrayList<>();
        before.forEach((name, oid) -> {
            if (othersTest(name)) {
                return;
            }
            if (!after.containsKey(name)) {
                unexpected.add(name + " was dropped");
            } else if (!replaced.contains(name) && !after.get(name).equals(oid)) {
                unexpected.add(name + " was re-created (oid " + oid + " -> " + after.get(name) + ")");
            }
        });
        after.keySet().stream().filter(name -> !before.containsKey(name) && !othersTest(name) && !created.contains(name))
                .forEach(name -> unexpected.add(name + " was created"));
        assertThat(unexpected).as("databases changed on the server besides %s (created) and %s (replaced); before %s,"
                + " after %s", created, replaced, before, after).isEmpty();
    }

    /** @return whether the database belongs to another test that uses the same server now */
    private static boolean othersTest(String name) {
        return name.startsWith("dbr_") && !name.startsWith("dbr_e2e_" + SUFFIX);
    }
}
