package dev.dbrefresh.local;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.local.aws.LocalAws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.lease.DynamoDbLeaseStore;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * One refresh on the local stack, the way {@code dbrefresh run} does it: ensure the state database
 * and the pgbench source exist (for a {@code mongodb} plan: start and seed its in-process server, {@link LocalMongo}),
 * start ElasticMQ and DynamoDB Local, start the four services, publish
 * the start message, print the audit log as it fills, and collect the notification.
 */
public final class LocalStackRunner {

    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /**
     * @param repo            repository root (service jars)
     * @param home            dbrefresh home: plans file, snapshot stores, DynamoDB data, logs
     * @param plansFile       plans file, or {@code null} for {@code <home>/plans.yml} (written with the
     *                        default {@code local-pgbench} plan when missing)
     * @param plan            plan to run
     * @param scale           pgbench scale of a source created now (1 = 100,000 accounts)
     * @param maxReceiveCount redrive policy: receives before a message goes to its DLQ
     * @param timeout         how long to wait for the run to end
     * @param out             progress output
     * @param dryRun          perform every read and check, change nothing; print the planned changes
     * @param values          plan values for this run (plan key to value), see PlanResolver
     */
    public record Options(Path repo, Path home, Path plansFile, String plan, int scale, int maxReceiveCount,
            Duration timeout, PrintStream out, boolean dryRun, Map<String, String> values) {
    }

    /**
     * Runs one refresh.
     *
     * @param o options
     * @return what happened
     * @throws IllegalStateException when another stack runs on the same home (the message says what to do)
     * @throws Exception             when the stack cannot start (the message says what to install or build)
     */
    public RunReport run(Options o) throws Exception {
        Files.createDirectories(o.home());
        try (var lock = StackFile.lock(o.home())) {
            return runLocked(o);
        }
    }

    private RunReport runLocked(Options o) throws Exception {
        Path plansFile = o.plansFile() != null ? o.plansFile().toAbsolutePath() : defaultPlans(o.home(), o.out());
        RefreshPlan plan = PlanCatalog.load(plansFile).require(o.plan());
        long t0 = System.nanoTime();
        try (LocalMongo mongo = prepareDatabases(plan, o);
                LocalAws aws = LocalAws.start(0, 0, o.home().resolve("dynamodb"), o.maxReceiveCount())) {
            StackFile.write(o.home(), aws.dynamoEndpoint(), aws.sqsEndpoint());
            try (ServiceProcesses services = ServiceProcesses.start(o.repo(), o.home(), aws, plansFile, Map.of(),
                    Duration.ofSeconds(120))) {
                o.out().printf("local stack up in %.1f s: SQS %s, DynamoDB %s, services %s (logs in %s)%n",
                        (System.nanoTime() - t0) / 1e9, aws.sqsEndpoint(), aws.dynamoEndpoint(), services.ports(),
                        services.logDir());
                String runId = newRunId();
                SqsClient sqs = aws.sqsClient();
                Instant started = Instant.now();
                Thread interrupted = releaseOnInterrupt(services, aws, runId, plan);
                publishStart(sqs, runId, new RefreshRequested(plan.name(), null, null, o.dryRun(), "cli", o.values()));
                o.out().println("run " + runId + " of plan " + plan.name() + " started: " + plan.sourceId()
                        + " -> " + plan.targetId());
                List<AuditEntry> entries = follow(new DynamoDbAuditLog(aws.dynamoClient(), "dbrefresh-audit"), runId, o.timeout(),
                        o.out());
                try {
                    Runtime.getRuntime().removeShutdownHook(interrupted);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs already
                }
                JsonNode notification = awaitNotification(sqs, plan.notificationQueue(), runId);
                // the metrics of the run, kept beside the logs (the services stop with this block)
                services.saveMetrics();
                boolean ok = notification != null
                        && (o.dryRun() ? "dry-run" : "succeeded").equals(notification.path("result").asText());
                return new RunReport(runId, plan.name(), ok, entries, notification, Duration.between(started, Instant.now()));
            } finally {
                StackFile.delete(o.home());
            }
        }
    }

    /**
     * A run stopped with Ctrl-C or SIGTERM would keep its target's lease for
     * {@code dbrefresh.lease.ttl-hours} (the local DynamoDB keeps it on disk), so the next
     * {@code ./dbrefresh run} would end {@code TARGET_BUSY} for hours. This hook stops the services first
     * (nothing works on the target any more), then releases the run's leases and records that in the audit
     * log (step {@code interrupted}). What the run had changed stays as the engines leave a stopped step:
     * for {@code postgres} the old target, or a staging database beside it.
     */
    private static Thread releaseOnInterrupt(ServiceProcesses services, LocalAws aws, String runId, RefreshPlan plan) {
        Thread hook = new Thread(() -> {
            services.close();
            try {
                int released = new DynamoDbLeaseStore(aws.dynamoClient(), Tables.LEASES).releaseRun(runId);
                String what = "run " + runId + " was interrupted; its services were stopped"
                        + (released > 0 ? " and its lease on " + plan.targetId() + " was released" : "");
                new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT).record(new AuditEntry(runId, Instant.now() + "#dbrefresh-cli#"
                        + runId + "#" + StepName.INTERRUPTED.id() + "#" + AuditStatus.FAILED.id() + "#final",
                        Instant.now(), "dbrefresh-cli", StepName.INTERRUPTED.id(), AuditStatus.FAILED.id(), 0, what,
                        ErrorCode.RUN_INTERRUPTED.code(), null, plan.name()));
                System.err.println("dbrefresh: " + what);
            } catch (RuntimeException e) {
                System.err.println("dbrefresh: run " + runId + " was interrupted; its lease could not be released ("
                        + e.getMessage() + "); it expires after dbrefresh.lease.ttl-hours");
            }
        }, "dbrefresh-release-lease");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /**
     * Starts the local stack and keeps it running until this process is stopped (Ctrl-C, SIGTERM):
     * runs are then started with {@code dbrefresh start} (or any SQS client) and followed with
     * {@code dbrefresh status}. The services stop with this process (a shutdown hook, see
     * {@link ServiceProcesses}).
     *
     * @param o options (plan is the one whose databases are prepared)
     * @throws IllegalStateException when another stack runs on the same home (the message says what to do)
     * @throws Exception             when the stack cannot start
     */
    public void up(Options o) throws Exception {
        Files.createDirectories(o.home());
        try (var lock = StackFile.lock(o.home())) {
            Path plansFile = o.plansFile() != null ? o.plansFile().toAbsolutePath() : defaultPlans(o.home(), o.out());
            try (LocalMongo mongo = prepareDatabases(PlanCatalog.load(plansFile).require(o.plan()), o);
                    LocalAws aws = LocalAws.start(0, 0, o.home().resolve("dynamodb"), o.maxReceiveCount());
                    ServiceProcesses services = ServiceProcesses.start(o.repo(), o.home(), aws, plansFile, Map.of(),
                            Duration.ofSeconds(120))) {
                StackFile.write(o.home(), aws.dynamoEndpoint(), aws.sqsEndpoint());
                o.out().printf("local stack up: SQS %s, DynamoDB %s, services %s (logs in %s); plans %s%n",
                        aws.sqsEndpoint(), aws.dynamoEndpoint(), services.ports(), services.logDir(), plansFile);
                o.out().println("start a run in another terminal: ./dbrefresh start --plan " + o.plan()
                        + "; stop with Ctrl-C (or kill " + ProcessHandle.current().pid() + ")");
                Thread.currentThread().join();
            } finally {
                StackFile.delete(o.home());
            }
        }
    }

    /**
     * The databases a plan needs before the services start: the state database {@code dbrefresh} on the local
     * PostgreSQL server, and the plan's source (pgbench for {@code postgres}; for {@code mongodb} the in-process
     * server of {@link LocalMongo}, seeded, where the plan's host is this machine).
     *
     * @return the MongoDB servers started for the plan (none for other engines), to be closed when the stack stops
     */
    private static LocalMongo prepareDatabases(RefreshPlan plan, Options o) throws Exception {
        if (plan.isCluster() || plan.isDynamoDb()) {
            return LocalMongo.none();
        }
        if (plan.mongodb() != null) {
            // The services keep their parameter store in the state database of the local PostgreSQL server.
            ensureStateDatabase(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null));
            return LocalMongo.startFor(plan.mongodb(), o.out());
        }
        DatabaseEndpoint server = plan.source();
        LocalPostgres pg = ensureStateDatabase(server);
        long t = System.nanoTime();
        if (pg.ensurePgbenchSource(plan.source().database(), o.scale())) {
            o.out().printf("created source database %s with pgbench -i -s %d in %.1f s%n", plan.source().database(),
                    o.scale(), (System.nanoTime() - t) / 1e9);
        }
        return LocalMongo.none();
    }

    private static LocalPostgres ensureStateDatabase(DatabaseEndpoint server) {
        LocalPostgres pg = new LocalPostgres(server);
        try {
            pg.createIfMissing("dbrefresh");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + server.host() + ":" + server.port() + " cannot be reached ("
                    + e.getMessage() + "); ./dbrefresh installs and starts it on Debian, or start yours", e);
        }
        return pg;
    }

    /**
     * Publishes a start message to the start queue, as the AWS CLI would ({@code aws sqs send-message}).
     *
     * @param sqs     SQS client
     * @param runId   run id (the envelope's subject)
     * @param request the start request
     */
    public static void publishStart(SqsClient sqs, String runId, RefreshRequested request) {
        EventEnvelope start = EventEnvelope.create("dbrefresh/cli", runId, null, request, Instant.now());
        String url = sqs.getQueueUrl(r -> r.queueName(Routing.SNAPSHOT_QUEUE)).queueUrl();
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(EventCodec.encode(start)).messageAttributes(Map.of("type",
                MessageAttributeValue.builder().dataType("String").stringValue(start.type()).build())));
    }

    /** @return a new run id, {@code run-<yyyyMMdd-HHmmss>-<6 hex>} (UTC) */
    public static String newRunId() {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        return "run-" + RUN_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
    }

    /**
     * Prints audit entries as they appear until the notifier has written its final step.
     *
     * @param audit   the audit log
     * @param runId   the run
     * @param timeout how long to wait for the end of the run
     * @param out     where to print
     * @return all entries of the run
     * @throws InterruptedException when interrupted while waiting
     */
    public static List<AuditEntry> follow(AuditLog audit, String runId, Duration timeout, PrintStream out)
            throws InterruptedException {
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<AuditEntry> entries = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            entries = audit.entries(runId);
            boolean done = false;
            for (AuditEntry e : entries) {
                if (seen.add(e.sortKey())) {
                    out.println("  " + line(e));
                }
                done |= "notifier-service".equals(e.service())
                        && (e.isStep(StepName.NOTIFY) || e.isStep(StepName.NOTIFY_FAILURE))
                        && e.is(AuditStatus.SUCCEEDED);
            }
            if (done) {
                return entries;
            }
            Thread.sleep(300);
        }
        out.println("  (no end of run " + runId + " after " + timeout.toSeconds() + " s; see the service logs)");
        return entries;
    }

    /**
     * @param e an audit entry
     * @return one line: time, service, step, status, duration, details
     */
    public static String line(AuditEntry e) {
        return String.format("%s  %-17s %-15s %-10s %s%s", CLOCK.format(e.at()), e.service(), e.step(), e.status(),
                e.is(AuditStatus.STARTED) ? "" : e.durationMs() + " ms  ",
                e.details() == null ? "" : e.details());
    }

    /**
     * Receives the notification of a run from a notification queue (others are left there).
     *
     * @param sqs   SQS client
     * @param queue notification queue
     * @param runId the run
     * @return the notification JSON, or {@code null} when none arrives within about 10 s
     */
    public static JsonNode awaitNotification(SqsClient sqs, String queue, String runId) {
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        for (int i = 0; i < 10; i++) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages();
            for (var m : messages) {
                JsonNode n = EventCodec.fromJson(m.body(), JsonNode.class);
                if (runId.equals(n.path("runId").asText())) {
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                    return n;
                }
            }
        }
        return null;
    }

    /**
     * Writes {@code <home>/plans.yml} with the default plans unless it exists: {@code local-pgbench}
     * (pgbench_production -> pgbench_acceptance on 127.0.0.1:5432, user app_reader with a generated password) and
     * {@code local-mongodb} (shop_production -> shop_acceptance on the in-process MongoDB server, see
     * {@link LocalMongo}). An existing file gets the default plans it lacks appended ({@link DefaultPlans}): a home
     * written before a default plan existed can run it too, and its own plans stay as they are.
     *
     * @param home dbrefresh home
     * @param out  where to say which default plans were added to an existing file
     * @return the plans file
     * @throws IOException when it cannot be written
     */
    public static Path defaultPlans(Path home, PrintStream out) throws IOException {
        Path plans = home.toAbsolutePath().resolve("plans.yml");
        Path secret = home.toAbsolutePath().resolve("secrets").resolve("app_reader.password");
        Files.createDirectories(secret.getParent());
        if (!Files.exists(secret)) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            Files.writeString(secret, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random));
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
        String yaml = new String(LocalStackRunner.class.getResourceAsStream("/dbrefresh/default-plans.yml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8).replace("${SECRET_FILE}", secret.toString());
        if (Files.exists(plans)) {
            DefaultPlans.addMissing(plans, yaml, out);
            return plans;
        }
        Files.writeString(plans, yaml);
        return plans;
    }
}
