package dev.dbrefresh.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.messaging.FaultyDelivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Issue 12, point 1: the delivery faults of the reliability suite, on the real local stack (the four service jars as
 * processes, ElasticMQ, DynamoDB Local) against a private PostgreSQL cluster started by this test with
 * {@code log_statement=all} ({@link StatementLog}), which holds every database of the scenarios and dbrefresh's own
 * state; the shared server on 5432 is not used. One stack serves the scenarios, in order:
 * <ol>
 *   <li><b>delivery</b>: every event the services send is delivered 1–3 times, each copy 0–4 s late, so copies
 *       overtake each other ({@link FaultyDelivery}, switched on by a seed); the start messages are sent 1–3 times
 *       by this test, late and out of order too. Four runs on two targets; each must complete once: one
 *       notification, one swap of the target ({@code ALTER DATABASE ... RENAME TO <target>} as the server saw it),
 *       one {@code succeeded} entry per step, the source's rows in the target;</li>
 *   <li><b>poison</b>: a plan whose source server is down, so the handler fails on every receive: the message ends in
 *       the DLQ after the redrive policy's receives, the audit log says why, the run fails with a reason;</li>
 *   <li><b>malformed</b>: not JSON, a payload of wrong types, an unknown version, a type not routed to the queue:
 *       each straight to the DLQ with a {@code reason}, and audited as {@code rejected};</li>
 *   <li><b>concurrent start</b>: two runs of one target sent at the same moment: one proceeds, the other is
 *       refused ({@code TARGET_BUSY}) naming it; one restore of the target;</li>
 *   <li><b>dead lease</b>: a lease held by a run that died: a run is refused while it holds, the next one takes it
 *       over once it lapsed and completes;</li>
 *   <li><b>refused runs</b>: a protected target, a target equal to the source, the source's database under another
 *       host name of its server ({@code localhost} for {@code 127.0.0.1}: refused by identity), start messages steering
 *       to another database or server: each fails with a reason and the server saw no statement that could change their
 *       databases (counted as {@code destructive-calls-by-refused-runs}), their oids and write counters unchanged;</li>
 *   <li><b>secrets</b>: the plans' password (an {@code env:} secret reference) is scanned for in every service's
 *       log, the audit table, the notifications, the DLQs and the server's log.</li>
 * </ol>
 * The seed of every random choice is printed at start; {@code -Dreliability.seed=N} replays it. Every figure is
 * recorded through {@link Figures}, counted from what was observed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeliveryFaultsIT {

    /**
     * The seed: fixed by default (the issue asks for "a fixed random seed printed at start", so CI injects the same
     * faults every run); {@code -Dreliability.seed=N} replays or varies a run.
     */
    private static final long SEED = Long.getLong("reliability.seed", 20_261_201L);
    private static final String PASSWORD = "Rel1ab-" + UUID.randomUUID().toString().replace("-", "") + "-pw";
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration RUN = Duration.ofMinutes(4);
    /**
     * How long the service queues may take to empty after a scenario: a copy that arrived while another delivery of
     * its event was being handled comes back once that delivery's claim would lapse, at most one visibility timeout
     * later ({@code SqsConsumer}'s deferral), and is then acknowledged.
     */
    private static final Duration DRAIN = Duration.ofSeconds(Routing.VISIBILITY_TIMEOUT_SECONDS + 15);
    private static final int MAX_COPIES = 3;
    private static final int MAX_DELAY_SECONDS = 4;
    private static final String SOURCE = "rel_source";
    /** The refused run whose target is the source's database reached under another host name. */
    private static final String ALIAS_OF_SOURCE = "target equal to source under another host name";
    private static final Pattern FAULT_LINE = Pattern.compile(Pattern.quote(FaultyDelivery.LOG_PREFIX)
            + "event \\S+ \\S+ to \\S+: copies=(\\d+) delays=\\[([^]]*)] reordered=(true|false)");

    @TempDir
    static Path home;

    private final Random random = new Random(SEED);
    private final Map<String, Integer> faultLinesCounted = new HashMap<>();
    private final Map<String, String> runsStarted = new LinkedHashMap<>();
    private SecondPostgres pg;
    private StatementLog statements;
    private LocalPostgres server;
    private LocalAws aws;
    private ServiceProcesses services;
    private AuditLog audit;
    private NotificationInbox inbox;
    private long systemIdentifier;
    /** Every message taken from a DLQ so far, by service queue. */
    private final Map<String, List<Message>> deadLetters = new HashMap<>();
    private Instant suiteStart;

    @BeforeAll
    void startStack() throws Exception {
        suiteStart = Instant.now();
        System.out.println("reliability seed " + SEED + " (replay with -Dreliability.seed=" + SEED + ")");
        // autovacuum off: its ANALYZE of a freshly loaded source updates catalog rows, which pg_stat_database's
        // tup_updated counts, and the refused-runs check compares those counters (CI saw "updated 4 -> 8": 4 tables)
        pg = SecondPostgres.start(java.util.stream.Stream.concat(StatementLog.SETTINGS.stream(),
                java.util.stream.Stream.of("autovacuum=off")).toList());
        statements = new StatementLog(pg.log());
        server = new LocalPostgres(pg.endpoint("postgres"));
        server.createIfMissing("dbrefresh");
        server.ensurePgbenchSource(SOURCE, 1);
        for (String db : List.of("rel_critical", "rel_steer", "rel_victim")) {
            server.ensurePgbenchSource(db, 1);
        }
        try (Connection c = connect("postgres"); var rs = c.createStatement()
                .executeQuery("SELECT system_identifier FROM pg_control_system()")) {
            rs.next();
            systemIdentifier = rs.getLong(1);
        }
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, plans(pg.port(), LocalAws.freePort()));
        aws = LocalAws.start(0, 0, null, Routing.MAX_RECEIVE_COUNT);
        Map<String, String> env = Map.of("MICRONAUT_ENVIRONMENTS", "local", "AWS_SQS_ENDPOINT", aws.sqsEndpoint(),
                "AWS_DYNAMODB_ENDPOINT", aws.dynamoEndpoint(),
                "DBREFRESH_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:" + pg.port() + "/dbrefresh",
                "DBR_REL_PASSWORD", PASSWORD);
        List<String> properties = List.of("dbrefresh.messaging.fault-injection.seed=" + SEED,
                "dbrefresh.messaging.fault-injection.max-copies=" + MAX_COPIES,
                "dbrefresh.messaging.fault-injection.max-delay-seconds=" + MAX_DELAY_SECONDS,
                "dbrefresh.messaging.backoff-base-seconds=1", "dbrefresh.messaging.backoff-max-seconds=8");
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, plans, env, properties,
                STARTUP);
        audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
        inbox = new NotificationInbox(aws.sqsClient(), Routing.NOTIFICATIONS_QUEUE);
        System.out.printf("delivery faults: stack ready in %d s%n", Duration.between(suiteStart, Instant.now())
                .toSeconds());
    }

    @AfterAll
    void stopStack() throws Exception {
        try (AutoCloseable p = pg; AutoCloseable a = aws; AutoCloseable s = services; AutoCloseable i = inbox) {
            System.out.printf("delivery faults: %d s in all%n", Duration.between(suiteStart, Instant.now())
                    .toSeconds());
        }
    }

    private static String plans(int port, int deadPort) {
        String users = """
                    users:
                      - name: rel_app
                        password-secret: env:DBR_REL_PASSWORD
                        grants:
                          - {on: database, privileges: [CONNECT]}
                          - {on: schema, schema: public, privileges: [USAGE]}
                          - {on: all-tables, schema: public, privileges: [SELECT]}
                """;
        StringBuilder yaml = new StringBuilder("plans:\n");
        Map<String, String[]> plans = new LinkedHashMap<>();
        plans.put("deliver-a", new String[] {SOURCE, "rel_target_a", Integer.toString(port)});
        plans.put("deliver-b", new String[] {SOURCE, "rel_target_b", Integer.toString(port)});
        plans.put("concurrent", new String[] {SOURCE, "rel_target_c", Integer.toString(port)});
        plans.put("lease", new String[] {SOURCE, "rel_target_l", Integer.toString(port)});
        plans.put("poison", new String[] {"rel_unreachable", "rel_target_p", Integer.toString(deadPort)});
        plans.put("refuse-protected", new String[] {SOURCE, "rel_critical", Integer.toString(port)});
        plans.put("refuse-same", new String[] {SOURCE, SOURCE, Integer.toString(port)});
        // the source's own database on the same server, reached under another host name (/etc/hosts: localhost is
        // 127.0.0.1): equal by identity, not by name
        plans.put("refuse-alias", new String[] {SOURCE, SOURCE, Integer.toString(port), "localhost"});
        plans.put("steer", new String[] {SOURCE, "rel_steer", Integer.toString(port)});
        plans.forEach((name, p) -> yaml.append("  ").append(name).append(":\n")
                .append("    engine: postgres\n")
                .append("    source: {host: 127.0.0.1, port: ").append(p[2]).append(", database: ").append(p[0])
                .append(", username: postgres}\n")
                .append("    target: {host: ").append(p.length > 3 ? p[3] : "127.0.0.1").append(", port: ").append(port)
                .append(", database: ").append(p[1])
                .append(", username: postgres}\n")
                .append("    snapshot: {mode: create, source-store: store/").append(name).append("/source,")
                .append(" target-store: store/").append(name).append("/target}\n")
                .append("    restore: {jobs: 1}\n")
                .append(users)
                .append("    guards: {protected-patterns: [\"(?i).*critical.*\"]}\n")
                .append("    notifications: {queue: ").append(Routing.NOTIFICATIONS_QUEUE).append("}\n"));
        return yaml.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. duplicated, delayed, reordered delivery

    @Test
    @Order(1)
    void runs_shouldEachCompleteOnce_whenEveryEventIsDeliveredOneToThreeTimesLateAndOutOfOrder() throws Exception {
        String scenario = "delivery-duplicated-delayed-reordered";
        Instant began = Instant.now();
        long logFrom = statements.end();
        Map<String, Long> oidsBefore = new LinkedHashMap<>();
        List<String> runs = new ArrayList<>();
        Map<String, String> targetOf = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            Map<String, Callable<String>> starts = new LinkedHashMap<>();
            for (String plan : List.of("deliver-a", "deliver-b")) {
                String target = plan.equals("deliver-a") ? "rel_target_a" : "rel_target_b";
                oidsBefore.putIfAbsent(target, oid(target).orElse(0L));
                List<Integer> delays = startCopies();
                record(scenario, delays);
                starts.put(target, () -> start(refresh(plan, Map.of()), delays));
            }
            Map<String, String> roundRuns = startAtOnce(starts);
            roundRuns.forEach((target, runId) -> targetOf.put(runId, target));
            awaitNotifications(roundRuns.values());
            runs.addAll(roundRuns.values());
        }
        long left = awaitQueuesDrained(DRAIN);
        countFaults(scenario);

        Outcomes outcomes = outcomes(scenario, runs);
        List<StatementLog.Statement> seen = statements.since(logFrom);
        long duplicates = 0;
        for (String target : List.of("rel_target_a", "rel_target_b")) {
            long swaps = swapsInto(seen, target);
            long completed = runs.stream().filter(r -> target.equals(targetOf.get(r)) && outcomes.completed.contains(r))
                    .count();
            duplicates += Math.max(0, swaps - completed);
            assertThat(swaps).as("swaps into %s, one per completed run", target).isEqualTo(completed);
            assertThat(oid(target)).as("%s was replaced", target).isPresent().get()
                    .isNotEqualTo(oidsBefore.get(target));
            assertThat(server.rowCounts(target)).isEqualTo(server.rowCounts(SOURCE));
        }
        duplicates += outcomes.duplicateNotifications + duplicateAuditTransitions(runs);
        Figures.add(scenario, "duplicate-effects", duplicates);
        Figures.add(scenario, "lost-messages", left);
        printDuration(scenario, began);
        assertThat(outcomes.completed).containsExactlyInAnyOrderElementsOf(runs);
        assertThat(duplicates).isZero();
        assertThat(left).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. poison: a handler that always fails

    @Test
    @Order(2)
    void poisonMessage_shouldEndInTheDlqAfterTheReceiveCount_andTheRunFailWithAReason() throws Exception {
        String scenario = "poison";
        Instant began = Instant.now();
        String runId = startAndAwait("poison");
        Figures.faults(scenario, "poison", 1);
        Optional<Message> dead = awaitDeadLetter(Routing.SNAPSHOT_QUEUE, m -> m.body().contains(runId),
                Duration.ofSeconds(60));
        countFaults(scenario);
        Outcomes outcomes = outcomes(scenario, List.of(runId));
        Figures.add(scenario, "lost-messages", dead.isPresent() ? 0 : 1);
        Figures.add(scenario, "duplicate-effects", outcomes.duplicateNotifications);
        printDuration(scenario, began);

        assertThat(dead).as("the start message in %s", Routing.dlqName(Routing.SNAPSHOT_QUEUE)).isPresent();
        List<AuditEntry> failed = audit.entries(runId).stream()
                .filter(e -> e.service().equals("snapshot-service") && e.is(AuditStatus.FAILED)).toList();
        assertThat(failed).singleElement().satisfies(e -> assertThat(e.details())
                .contains("failed " + Routing.MAX_RECEIVE_COUNT + " times")
                .contains(Routing.dlqName(Routing.SNAPSHOT_QUEUE)));
        assertThat(outcomes.failed).containsExactly(runId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. malformed messages

    @Test
    @Order(3)
    void malformedMessages_shouldGoStraightToTheDlqWithAReason_andBeAudited() throws Exception {
        String scenario = "malformed";
        Instant began = Instant.now();
        String wrongTypesRun = LocalStackRunner.newRunId();
        String unknownVersionRun = LocalStackRunner.newRunId();
        String notRoutedRun = LocalStackRunner.newRunId();
        RefreshRequested request = new RefreshRequested("deliver-a", null, null, false, "sqs", Map.of());
        EventEnvelope valid = EventEnvelope.create("dbrefresh/reliability", unknownVersionRun, null, request,
                Instant.now());
        String unknownVersion = EventCodec.encode(valid).replace("dbrefresh.refresh.requested.v1",
                "dbrefresh.refresh.requested.v9");
        String wrongTypes = EventCodec.encode(EventEnvelope.create("dbrefresh/reliability", wrongTypesRun, null,
                request, Instant.now())).replace("\"dryRun\":false", "\"dryRun\":{\"sometimes\":[1,2]}");
        String notRouted = EventCodec.encode(EventEnvelope.create("dbrefresh/reliability", notRoutedRun, null,
                request, Instant.now()));
        assertThat(wrongTypes).contains("sometimes");
        // queue -> body -> where its audit entry is (run id, or the partition of unparsable messages)
        List<String[]> sent = List.of(
                new String[] {Routing.SNAPSHOT_QUEUE, "{this is not json " + UUID.randomUUID(), "unparsed-messages"},
                new String[] {Routing.SNAPSHOT_QUEUE, wrongTypes, wrongTypesRun},
                new String[] {Routing.SNAPSHOT_QUEUE, unknownVersion, unknownVersionRun},
                new String[] {Routing.CLUSTER_QUEUE, notRouted, notRoutedRun});
        Map<String, String[]> byMessageId = new LinkedHashMap<>();
        for (String[] s : sent) {
            String url = aws.sqsClient().getQueueUrl(r -> r.queueName(s[0])).queueUrl();
            byMessageId.put(aws.sqsClient().sendMessage(r -> r.queueUrl(url).messageBody(s[1])).messageId(), s);
        }
        Figures.faults(scenario, "malformed", sent.size());
        long lost = 0;
        for (var e : byMessageId.entrySet()) {
            String[] s = e.getValue();
            Optional<Message> dead = awaitDeadLetter(s[0], m -> m.body().equals(s[1]), Duration.ofSeconds(30));
            if (dead.isEmpty()) {
                lost++;
                continue;
            }
            assertThat(dead.get().messageAttributes().get("reason")).as("reason of %s", s[1]).isNotNull()
                    .extracting(MessageAttributeValue::stringValue).asString().isNotBlank();
            assertThat(audit.entries(s[2])).as("audit of %s", s[1]).anySatisfy(a -> {
                assertThat(a.is(AuditStatus.REJECTED)).isTrue();
                assertThat(a.details()).contains(e.getKey());
                assertThat(a.errorCode()).isEqualTo(ErrorCode.MALFORMED_MESSAGE.code());
            });
        }
        Figures.add(scenario, "lost-messages", lost);
        printDuration(scenario, began);
        assertThat(lost).isZero();
        // Nothing ran for them: no run of theirs started a step.
        for (String run : List.of(wrongTypesRun, unknownVersionRun, notRoutedRun)) {
            assertThat(audit.entries(run)).allSatisfy(a -> assertThat(a.is(AuditStatus.REJECTED)).isTrue());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 4. two runs for one target at the same moment

    @Test
    @Order(4)
    void twoRunsOfOneTarget_shouldNeverRestoreItTwiceAtOnce_whenStartedAtTheSameMoment() throws Exception {
        String scenario = "concurrent-start";
        Instant began = Instant.now();
        long logFrom = statements.end();
        Map<String, String> started = startAtOnce(Map.of(
                "first", () -> start(refresh("concurrent", Map.of()), List.of(0)),
                "second", () -> start(refresh("concurrent", Map.of()), List.of(0))));
        String first = started.get("first");
        String second = started.get("second");
        Figures.faults(scenario, "concurrent-start", 1);
        awaitNotifications(started.values());
        countFaults(scenario);
        Outcomes outcomes = outcomes(scenario, List.of(first, second));
        long swaps = swapsInto(statements.since(logFrom), "rel_target_c");
        long restoresStarted = restoreStarts(List.of(first, second));
        Figures.add(scenario, "duplicate-effects", Math.max(0, swaps - 1) + Math.max(0, restoresStarted - 1)
                + outcomes.duplicateNotifications);
        printDuration(scenario, began);

        assertThat(outcomes.completed).hasSize(1);
        assertThat(outcomes.failed).hasSize(1);
        String winner = outcomes.completed.get(0);
        JsonNode refused = inbox.of(outcomes.failed.get(0)).get(0);
        assertThat(refused.path("errorCode").asText()).isEqualTo(ErrorCode.TARGET_BUSY.code());
        assertThat(refused.path("message").asText()).contains(winner);
        assertThat(swaps).isEqualTo(1);
        assertThat(restoresStarted).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 5. a lease whose holder died

    @Test
    @Order(5)
    void deadHoldersLease_shouldRefuseARunWhileItHolds_andBeTakenOverOnceItLapsed() throws Exception {
        String scenario = "dead-lease";
        Instant began = Instant.now();
        String key = "postgres://" + systemIdentifier + "/rel_target_l";
        String dead = "run-dead-holder-" + Long.toHexString(random.nextLong());
        long expiresAt = Instant.now().getEpochSecond() + 8;
        aws.dynamoClient().putItem(r -> r.tableName(Tables.LEASES).item(Map.of("target", AttributeValue.fromS(key),
                "owner", AttributeValue.fromS(dead), "expiresAt", AttributeValue.fromN(Long.toString(expiresAt)))));
        Figures.faults(scenario, "dead-lease", 1);
        String whileHeld = startAndAwait("lease");
        Optional<JsonNode> refused = inbox.of(whileHeld).stream().findFirst();
        while (Instant.now().getEpochSecond() <= expiresAt + 1) {
            Thread.sleep(250);
        }
        String afterLapse = startAndAwait("lease");
        countFaults(scenario);
        Outcomes outcomes = outcomes(scenario, List.of(whileHeld, afterLapse));
        Figures.add(scenario, "duplicate-effects", outcomes.duplicateNotifications);
        printDuration(scenario, began);

        assertThat(refused).isPresent();
        assertThat(refused.get().path("errorCode").asText()).isEqualTo(ErrorCode.TARGET_BUSY.code());
        assertThat(refused.get().path("message").asText()).contains(dead);
        assertThat(outcomes.completed).containsExactly(afterLapse);
        // The run that took the lease over releases it when it ends: the notifier frees it just after sending the
        // notification (so a run started the moment the notification arrives may still be refused TARGET_BUSY).
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, AttributeValue> lease;
        do {
            lease = aws.dynamoClient().getItem(r -> r.tableName(Tables.LEASES).consistentRead(true)
                    .key(Map.of("target", AttributeValue.fromS(key)))).item();
            Thread.sleep(200);
        } while (lease != null && !lease.isEmpty() && System.nanoTime() < deadline);
        assertThat(lease).isNullOrEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 6. refused runs change nothing

    @Test
    @Order(6)
    void refusedRuns_shouldMakeNoDestructiveCall_asTheServerSawIt() throws Exception {
        String scenario = "refused-runs";
        Instant began = Instant.now();
        List<String> watched = List.of("rel_critical", SOURCE, "rel_steer", "rel_victim");
        Map<String, String> before = new LinkedHashMap<>();
        for (String db : watched) {
            before.put(db, fingerprint(db));
        }
        long logFrom = statements.end();
        Map<String, RefreshRequested> requests = new LinkedHashMap<>();
        requests.put("protected target", refresh("refuse-protected", Map.of()));
        requests.put("target equal to source", refresh("refuse-same", Map.of()));
        requests.put(ALIAS_OF_SOURCE, refresh("refuse-alias", Map.of()));
        requests.put("steered to another database", refresh("steer", Map.of("target.database", "rel_victim")));
        requests.put("steered to another server", refresh("steer", Map.of("target.host", "127.0.0.2",
                "target.port", "5432")));
        Map<String, String> runs = new LinkedHashMap<>();
        for (var e : requests.entrySet()) {
            List<Integer> delays = startCopies();
            record(scenario, delays);
            runs.put(start(e.getValue(), delays), e.getKey());
        }
        awaitNotifications(runs.keySet());
        awaitQueuesDrained(DRAIN);
        // Another session's counters reach pg_stat_database when it is idle for a second or ends.
        Thread.sleep(2_000);
        countFaults(scenario);
        Outcomes outcomes = outcomes(scenario, List.copyOf(runs.keySet()));
        long destructive = 0;
        List<String> calls = new ArrayList<>();
        for (String db : watched) {
            String after = fingerprint(db);
            if (!after.equals(before.get(db))) {
                destructive++;
                calls.add(db + " changed: " + before.get(db) + " -> " + after);
            }
        }
        List<StatementLog.Statement> seen = statements.since(logFrom);
        // The log shows what was sent to the watched databases: this test's own row counts, read-only, are there.
        assertThat(seen).anySatisfy(s -> {
            assertThat(s.database()).isEqualTo("rel_critical");
            assertThat(s.sql()).startsWith("SELECT count(*)");
        });
        for (StatementLog.Statement s : seen) {
            boolean onWatched = watched.contains(s.database()) && s.changes();
            boolean namesWatched = s.touchesDatabases() && watched.stream().anyMatch(db -> s.sql().contains(db));
            if (onWatched || namesWatched) {
                destructive++;
                calls.add(s.database() + ": " + s.sql());
            }
        }
        Figures.add(scenario, "destructive-calls-by-refused-runs", destructive);
        Figures.add(scenario, "duplicate-effects", outcomes.duplicateNotifications);
        printDuration(scenario, began);

        assertThat(outcomes.failed).as("every refused run failed with a reason: %s", runs)
                .containsExactlyInAnyOrderElementsOf(runs.keySet());
        assertThat(calls).as("statements of refused runs that could change a database").isEmpty();
        runs.forEach((runId, what) -> System.out.printf("refused (%s): %s%n", what,
                inbox.of(runId).get(0).path("message").asText()));
        // The same server under another name is recognised by what it says it is (system_identifier), not by names.
        runs.forEach((runId, what) -> {
            if (what.equals(ALIAS_OF_SOURCE)) {
                assertThat(inbox.of(runId).get(0).path("errorCode").asText()).as(what)
                        .isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE.code());
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // 7. at the end: no message left behind, no secret in any output

    @Test
    @Order(7)
    void end_shouldLeaveNoMessageBehind_andThePasswordInNoLogAuditEntryOrNotification() throws Exception {
        String scenario = "end-of-suite";
        long left = awaitQueuesDrained(DRAIN);
        countFaults(scenario);
        Figures.add(scenario, "lost-messages", left);
        assertThat(left).as("messages no handler took and no DLQ holds").isZero();
        List<String> where = new ArrayList<>();
        try (var logs = Files.list(services.logDir())) {
            for (Path log : logs.toList()) {
                count(where, log.getFileName().toString(), Files.readString(log));
            }
        }
        for (var page : aws.dynamoClient().scanPaginator(r -> r.tableName(Tables.AUDIT))) {
            page.items().forEach(item -> count(where, "audit " + item.get("runId"), item.toString()));
        }
        inbox.all().forEach(body -> count(where, "notification", body));
        deadLetters.values().forEach(ms -> ms.forEach(m -> count(where, "dlq", m.body() + m.messageAttributes())));
        count(where, "postgresql server log", statements.textSince(0));
        // The password was used: the users step ran for the completed runs.
        assertThat(audit.entries(runsStarted.keySet().iterator().next())).anySatisfy(e ->
                assertThat(e.isStep(StepName.USERS) && e.is(AuditStatus.SUCCEEDED)).isTrue());
        Figures.add(scenario, "secrets-in-output", where.size());
        assertThat(where).as("where the password appeared").isEmpty();
    }

    private static void count(List<String> where, String source, String text) {
        for (int i = text.indexOf(PASSWORD); i >= 0; i = text.indexOf(PASSWORD, i + 1)) {
            where.add(source);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    /** What became of runs: completed, failed with a reason (else lost), and notifications beyond one per run. */
    private record Outcomes(List<String> completed, List<String> failed, List<String> lost,
            long duplicateNotifications) {
    }

    private Outcomes outcomes(String scenario, List<String> runs) {
        List<String> completed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        long duplicates = 0;
        for (String runId : runs) {
            List<JsonNode> notes = inbox.of(runId);
            duplicates += Math.max(0, notes.size() - 1);
            JsonNode n = notes.isEmpty() ? null : notes.get(0);
            if (n != null && "succeeded".equals(n.path("result").asText())) {
                completed.add(runId);
            } else if (n != null && "failed".equals(n.path("result").asText())
                    && !n.path("errorCode").asText().isBlank() && !n.path("message").asText().isBlank()) {
                failed.add(runId);
            } else {
                lost.add(runId);
                System.out.println("lost run " + runId + ": " + notes + "\n" + audit.entries(runId));
            }
        }
        Figures.add(scenario, "runs-started", runs.size());
        Figures.add(scenario, "runs-completed", completed.size());
        Figures.add(scenario, "runs-failed-with-reason", failed.size());
        Figures.add(scenario, "lost-runs", lost.size());
        assertThat(lost).as("runs neither completed nor failed with a reason").isEmpty();
        return new Outcomes(completed, failed, lost, duplicates);
    }

    /** @return {@code succeeded} entries beyond the first for one (service, step) of a run */
    private long duplicateAuditTransitions(List<String> runs) {
        long duplicates = 0;
        for (String runId : runs) {
            Map<String, Long> succeeded = new HashMap<>();
            audit.entries(runId).stream().filter(e -> e.is(AuditStatus.SUCCEEDED))
                    .forEach(e -> succeeded.merge(e.service() + "/" + e.step(), 1L, Long::sum));
            for (var e : succeeded.entrySet()) {
                if (e.getValue() > 1) {
                    System.out.println("duplicate audit transition in " + runId + ": " + e);
                    duplicates += e.getValue() - 1;
                }
            }
        }
        return duplicates;
    }

    private long restoreStarts(List<String> runs) {
        return runs.stream().flatMap(r -> audit.entries(r).stream())
                .filter(e -> e.service().equals("cluster-service") && e.isStep(StepName.RESTORE)
                        && e.is(AuditStatus.STARTED)).count();
    }

    private static long swapsInto(List<StatementLog.Statement> seen, String target) {
        Pattern swap = Pattern.compile("(?i)ALTER\\s+DATABASE\\s+\\S+\\s+RENAME\\s+TO\\s+\"?" + target + "\"?\\s*;?\\s*$");
        return seen.stream().filter(s -> swap.matcher(s.sql().strip()).find()).count();
    }

    /** @return a refresh of a plan with per-run values, as a start message from the CLI over SQS asks for it */
    private static RefreshRequested refresh(String plan, Map<String, String> values) {
        return new RefreshRequested(plan, null, null, false, "sqs", values);
    }

    /**
     * Starts a new run: its start message sent to the start queue once per delay, each copy that many seconds late.
     *
     * @return the run's id
     */
    private String start(RefreshRequested request, List<Integer> delays) {
        String runId = LocalStackRunner.newRunId();
        runsStarted.put(runId, request.plan());
        sendCopies(Routing.SNAPSHOT_QUEUE, EventEnvelope.create("dbrefresh/reliability", runId, null, request,
                Instant.now()), delays);
        return runId;
    }

    /**
     * Starts a run of a plan, its start message sent once, and waits for the run's notification.
     *
     * @return the run's id
     */
    private String startAndAwait(String plan) throws InterruptedException {
        String runId = start(refresh(plan, Map.of()), List.of(0));
        inbox.await(runId, RUN);
        return runId;
    }

    /**
     * Runs the starts at the same moment, each on its own thread.
     *
     * @param starts what to start, by a name
     * @return each start's run id, by its name
     */
    private static Map<String, String> startAtOnce(Map<String, Callable<String>> starts) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService senders = Executors.newFixedThreadPool(starts.size());
        Map<String, Future<String>> running = new LinkedHashMap<>();
        starts.forEach((name, start) -> running.put(name, senders.submit(() -> {
            go.await();
            return start.call();
        })));
        go.countDown();
        senders.shutdown();
        assertThat(senders.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        Map<String, String> runIds = new LinkedHashMap<>();
        for (var e : running.entrySet()) {
            runIds.put(e.getKey(), e.getValue().get());
        }
        return runIds;
    }

    /** Waits for a notification of each run, up to {@link #RUN} each. */
    private void awaitNotifications(java.util.Collection<String> runIds) throws InterruptedException {
        for (String runId : runIds) {
            inbox.await(runId, RUN);
        }
    }

    /** @return the delays of 1..{@value #MAX_COPIES} copies of a start message, each 0..{@value #MAX_DELAY_SECONDS} s */
    private List<Integer> startCopies() {
        List<Integer> delays = new ArrayList<>();
        int n = 1 + random.nextInt(MAX_COPIES);
        for (int i = 0; i < n; i++) {
            delays.add(random.nextInt(MAX_DELAY_SECONDS + 1));
        }
        return delays;
    }

    private void sendCopies(String queue, EventEnvelope event, List<Integer> delays) {
        String url = aws.sqsClient().getQueueUrl(r -> r.queueName(queue)).queueUrl();
        for (int delay : delays) {
            aws.sqsClient().sendMessage(r -> r.queueUrl(url).messageBody(EventCodec.encode(event)).delaySeconds(delay)
                    .messageAttributes(Map.of("type", MessageAttributeValue.builder().dataType("String")
                            .stringValue(event.type()).build())));
        }
    }

    /** Records the faults of copies this test sends itself. */
    private static void record(String scenario, List<Integer> delays) {
        Figures.faults(scenario, "duplicate", delays.size() - 1);
        Figures.faults(scenario, "delay", delays.stream().filter(d -> d > 0).count());
        boolean reordered = false;
        for (int i = 1; i < delays.size(); i++) {
            reordered |= delays.get(i) < delays.get(i - 1);
        }
        Figures.faults(scenario, "reorder", reordered ? 1 : 0);
    }

    /** Records the faults the services' relays logged since the last call. */
    private void countFaults(String scenario) throws Exception {
        for (String service : ServiceProcesses.SERVICES) {
            List<String> lines = Files.readAllLines(services.logDir().resolve(service + ".log"));
            int from = faultLinesCounted.getOrDefault(service, 0);
            for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
                Matcher m = FAULT_LINE.matcher(line);
                if (m.find()) {
                    List<Integer> delays = new ArrayList<>();
                    for (String d : m.group(2).split(",\\s*")) {
                        delays.add(Integer.parseInt(d.trim()));
                    }
                    record(scenario, delays);
                }
            }
            faultLinesCounted.put(service, lines.size());
        }
    }

    /**
     * Waits until no service queue holds a message (visible, in flight or delayed).
     *
     * @return the messages still there after the timeout: taken by no handler and in no DLQ
     */
    private long awaitQueuesDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        do {
            left = 0;
            for (String queue : Routing.serviceQueues()) {
                String url = aws.sqsClient().getQueueUrl(r -> r.queueName(queue)).queueUrl();
                var a = aws.sqsClient().getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
                for (String v : a.values()) {
                    left += Long.parseLong(v);
                }
            }
            if (left == 0) {
                return 0;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        System.out.println("messages left in the service queues after " + timeout.toSeconds() + " s: " + left);
        for (String service : ServiceProcesses.SERVICES) {
            System.out.println(service + ":\n" + services.logTail(service));
        }
        return left;
    }

    private Optional<Message> awaitDeadLetter(String queue, java.util.function.Predicate<Message> wanted,
            Duration timeout) throws InterruptedException {
        String url = aws.sqsClient().getQueueUrl(r -> r.queueName(Routing.dlqName(queue))).queueUrl();
        List<Message> taken = deadLetters.computeIfAbsent(queue, q -> new ArrayList<>());
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            Optional<Message> found = taken.stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found;
            }
            for (Message m : aws.sqsClient().receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageAttributeNames("All")).messages()) {
                taken.add(m);
                aws.sqsClient().deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        } while (System.nanoTime() < deadline);
        return Optional.empty();
    }

    /** @return the database's oid, row counts and write counters ({@code pg_stat_database}) */
    private String fingerprint(String database) throws SQLException {
        try (Connection c = connect("postgres"); var rs = c.createStatement().executeQuery("SELECT d.oid, s.tup_inserted,"
                + " s.tup_updated, s.tup_deleted FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid"
                + " WHERE d.datname = '" + database + "'")) {
            return (rs.next() ? "oid " + rs.getLong(1) + ", inserted " + rs.getLong(2) + ", updated " + rs.getLong(3)
                    + ", deleted " + rs.getLong(4) : "missing") + ", rows " + server.rowCounts(database);
        }
    }

    private Optional<Long> oid(String database) throws SQLException {
        try (Connection c = connect("postgres"); var rs = c.createStatement()
                .executeQuery("SELECT oid FROM pg_database WHERE datname = '" + database + "'")) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + database, "postgres",
                "");
    }

    private static void printDuration(String scenario, Instant began) {
        System.out.printf("scenario %s: %d s%n", scenario, Duration.between(began, Instant.now()).toSeconds());
    }
}
