package dev.dbrefresh.local;

import dev.dbrefresh.local.aws.LocalAws;

import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The {@code dbrefresh} command line of the local stack: {@code run} (one refresh end to end),
 * {@code up} (keep the stack running), {@code start} (start a run on it), {@code reset} (a run from the
 * target's pristine copy), {@code status RUN} (a run's steps from the audit log), {@code runs} (recent runs),
 * {@code clone}/{@code clones} (extra copies from the pristine copy, with a TTL), {@code dlq} (dead-lettered messages
 * and why), {@code redrive --queue Q} (move a DLQ's messages back to its queue).
 */
@Command(name = "dbrefresh", mixinStandardHelpOptions = true, version = "dbrefresh 0.1.0",
        description = "Refreshes non-production databases from production snapshots.",
        subcommands = {DbRefreshCli.Run.class, DbRefreshCli.Up.class, DbRefreshCli.Start.class, DbRefreshCli.Status.class,
                DbRefreshCli.Runs.class, DbRefreshCli.Reset.class, DbRefreshCli.Clone.class, DbRefreshCli.Clones.class,
                DbRefreshCli.Dlq.class, DbRefreshCli.RedriveCommand.class})
public final class DbRefreshCli {

    @Option(names = "--home", description = "dbrefresh home: plans, snapshot stores, audit data, logs (default: ${DEFAULT-VALUE})",
            defaultValue = "${env:DBREFRESH_HOME:-.dbrefresh}", scope = CommandLine.ScopeType.INHERIT)
    Path home;

    /** @param args command line */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DbRefreshCli()).execute(args));
    }

    /** {@code run}: one refresh on the local stack. */
    @Command(name = "run", description = "Start the local stack and refresh the plan's target once, then stop.")
    static final class Run implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", defaultValue = "local-pgbench", description = "plan to run (default: ${DEFAULT-VALUE})")
        String plan;

        @Option(names = "--plans-file", description = "plans file (default: <home>/plans.yml, created when missing)")
        Path plansFile;

        @Option(names = "--scale", defaultValue = "${env:DBREFRESH_SCALE:-10}",
                description = "pgbench scale of the source when it is created (10 = 1,000,000 accounts; default: ${DEFAULT-VALUE})")
        int scale;

        @Option(names = "--repo", defaultValue = ".", description = "repository root with the built service jars")
        Path repo;

        @Option(names = "--timeout-seconds", defaultValue = "900", description = "how long to wait for the run")
        int timeoutSeconds;

        @Option(names = "--dry-run", description = "perform every read and check, change nothing; print the planned changes")
        boolean dryRun;

        @Option(names = "--value", description = "plan value for this run, e.g. --value restore.jobs=4 (repeatable)")
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            RunReport report;
            try {
                report = new LocalStackRunner().run(new LocalStackRunner.Options(repo.toAbsolutePath(),
                        parent.home.toAbsolutePath(), plansFile, plan, scale, 5, Duration.ofSeconds(timeoutSeconds),
                        System.out, dryRun, values));
            } catch (StackFile.AlreadyRunning e) {
                System.err.println("dbrefresh: " + e.getMessage());
                return 2;
            }
            report.print(System.out);
            return report.succeeded() ? 0 : 1;
        }
    }

    /** {@code up}: keep the local stack running. */
    @Command(name = "up", description = "Start the local stack and keep it running until Ctrl-C or SIGTERM;"
            + " exits with 2 when a stack already runs on the same home.")
    static final class Up implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", defaultValue = "local-pgbench", description = "plan whose databases are prepared")
        String plan;

        @Option(names = "--plans-file", description = "plans file (default: <home>/plans.yml, created when missing)")
        Path plansFile;

        @Option(names = "--scale", defaultValue = "${env:DBREFRESH_SCALE:-10}", description = "pgbench scale of a new source")
        int scale;

        @Option(names = "--repo", defaultValue = ".", description = "repository root with the built service jars")
        Path repo;

        @Override
        public Integer call() throws Exception {
            try {
                new LocalStackRunner().up(new LocalStackRunner.Options(repo.toAbsolutePath(), parent.home.toAbsolutePath(),
                        plansFile, plan, scale, 5, Duration.ZERO, System.out, false, java.util.Map.of()));
            } catch (StackFile.AlreadyRunning e) {
                System.err.println("dbrefresh: " + e.getMessage());
                return 2;
            }
            return 0;
        }
    }

    /** {@code start}: publish a start message to the running local stack. */
    @Command(name = "start", description = "Start a run on the running local stack (dbrefresh up); prints the run id.")
    static final class Start implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", required = true, description = "plan to run")
        String plan;

        @Option(names = "--snapshot", description = "restore this snapshot instead of taking a new one")
        String snapshot;

        @Option(names = "--date", description = "restore the newest snapshot of this day (YYYY-MM-DD, UTC)")
        java.time.LocalDate date;

        @Option(names = "--dry-run", description = "perform every read and check, change nothing")
        boolean dryRun;

        @Option(names = "--value", description = "plan value for this run, e.g. --value target.instance-class=db.r6g.large")
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() {
            return startOnLiveStack(parent.home, new dev.dbrefresh.contracts.RefreshRequested(plan, snapshot, date, dryRun,
                    "cli", values));
        }
    }

    /**
     * Publishes a start message to the local stack running on {@code home} and prints the run id.
     *
     * @return 0, or 2 when no stack runs there (the message says how to start one)
     */
    private static int startOnLiveStack(Path home, dev.dbrefresh.contracts.RefreshRequested request) {
        var live = liveSqs(home);
        if (live == null) {
            return 2;
        }
        try (var sqs = live) {
            String runId = LocalStackRunner.newRunId();
            LocalStackRunner.publishStart(sqs, runId, request);
            System.out.println(runId);
            return 0;
        }
    }

    /** {@code reset}: a run of the pristine copy's snapshot, on the running local stack. */
    @Command(name = "reset", description = "Reset the plan's target to its pristine copy on the running local stack"
            + " (dbrefresh up): a run with \"mode\": \"reset\" of the snapshot the pristine copy holds, through"
            + " the four services, users and verification included, copied with CREATE DATABASE ... TEMPLATE"
            + " instead of pg_restore. Needs fast-path: template in the plan and one refresh before. Prints the run id.")
    static final class Reset implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", required = true, description = "plan whose target is reset")
        String plan;

        @Option(names = "--plans-file", description = "plans file (default: <home>/plans.yml)")
        Path plansFile;

        @Override
        public Integer call() throws Exception {
            Path plans = plansFile != null ? plansFile : parent.home.resolve("plans.yml");
            var p = dev.dbrefresh.runtime.plan.PlanCatalog.load(plans.toAbsolutePath()).require(plan);
            if (p.postgres() == null || !p.postgres().templateFastPath()) {
                System.err.println("plan '" + plan + "' has no pristine copy to reset from: add 'fast-path: template' to it"
                        + " in " + plans + " (postgres plans only), run one refresh, then reset");
                return 2;
            }
            var snapshot = new LocalPostgres(p.target()).pristineSnapshot(p.target().database());
            if (snapshot.isEmpty()) {
                System.err.println("no pristine copy of " + p.targetId() + " yet; run one refresh of plan '" + plan
                        + "' first (./dbrefresh start --plan " + plan + ")");
                return 1;
            }
            // "mode": "reset": snapshot-service reads the pristine copy's snapshot on the target server again
            return startOnLiveStack(parent.home, dev.dbrefresh.contracts.RefreshRequested.reset(plan, "cli"));
        }
    }

    /** {@code clone}: a run that makes {@code <target>_<name>} from the pristine copy, on the running local stack. */
    @Command(name = "clone", description = "Make an extra copy <target>_<name> of the plan's pristine copy on the"
            + " running local stack (dbrefresh up), for a branch or a test run: a run with \"mode\": \"reset\" and"
            + " target.clone, through the four services (guards and lease on the clone's name, the plan's users,"
            + " isolation and masks), copied with CREATE DATABASE ... TEMPLATE. The notifier's retention drops it"
            + " after --ttl. Prints the run id.")
    static final class Clone implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", required = true, description = "plan with fast-path: template")
        String plan;

        @Option(names = "--name", required = true, description = "clone name: "
                + dev.dbrefresh.runtime.plan.CloneSettings.NAME_RULE)
        String name;

        @Option(names = "--ttl", defaultValue = "24h", description = "time to live, e.g. 90m, 24h, 7d; 0 keeps it"
                + " until dropped by hand (default: ${DEFAULT-VALUE})")
        String ttl;

        @Override
        public Integer call() throws Exception {
            java.time.Duration life;
            try {
                life = ttl(ttl);
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            java.util.Map<String, String> values = new java.util.TreeMap<>();
            values.put(dev.dbrefresh.runtime.plan.CloneSettings.NAME_KEY, name);
            if (!life.isZero()) {
                values.put(dev.dbrefresh.runtime.plan.CloneSettings.EXPIRES_KEY,
                        java.time.Instant.now().plus(life).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            }
            // the services check the name (guards), the plan and the pristine copy; a refusal is in the run's audit
            return startOnLiveStack(parent.home, new dev.dbrefresh.contracts.RefreshRequested(plan, null, null, false,
                    "cli", values, dev.dbrefresh.contracts.RefreshRequested.MODE_RESET));
        }

        /**
         * @param text {@code <n>m}, {@code <n>h}, {@code <n>d} or {@code 0}
         * @return the duration
         * @throws IllegalArgumentException when the text is none of those
         */
        static java.time.Duration ttl(String text) {
            var m = java.util.regex.Pattern.compile("(\\d{1,6})([mhd])").matcher(text == null ? "" : text);
            if ("0".equals(text)) {
                return java.time.Duration.ZERO;
            }
            if (!m.matches()) {
                throw new IllegalArgumentException("--ttl '" + text + "' is not a time to live such as 90m, 24h or 7d"
                        + " (or 0 for none)");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofDays(n);
            };
        }
    }

    /** {@code clones}: the clones of the plans' targets, read on their servers. */
    @Command(name = "clones", description = "List the clones of the plans' targets (name, snapshot, created,"
            + " expires), as marked on the databases themselves.")
    static final class Clones implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", description = "only this plan's clones")
        String plan;

        @Option(names = "--plans-file", description = "plans file (default: <home>/plans.yml)")
        Path plansFile;

        @Override
        public Integer call() throws Exception {
            Path plans = plansFile != null ? plansFile : parent.home.resolve("plans.yml");
            var catalog = dev.dbrefresh.runtime.plan.PlanCatalog.load(plans.toAbsolutePath());
            List<dev.dbrefresh.runtime.plan.RefreshPlan> chosen = plan != null ? List.of(catalog.require(plan))
                    : catalog.all().values().stream().filter(p -> p.postgres() != null && p.postgres().templateFastPath())
                    .toList();
            System.out.printf("%-40s %-16s %-45s %-22s %s%n", "clone", "plan", "snapshot", "created", "expires");
            for (var p : chosen) {
                if (p.postgres() == null || !p.postgres().templateFastPath()) {
                    System.err.println("plan '" + p.name() + "' has no clones: they need fast-path: template");
                    return 2;
                }
                for (var c : new LocalPostgres(p.target()).clones(p.target().database())) {
                    System.out.printf("%-40s %-16s %-45s %-22s %s%n", c.database(), p.name(), c.snapshotId(),
                            c.created(), c.expires() == null ? "never" : c.expires());
                }
            }
            return 0;
        }
    }

    /** {@code status RUN}: a run's steps. */
    @Command(name = "status", description = "Show the steps of a run from the audit log.")
    static final class Status implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Parameters(index = "0", description = "run id")
        String runId;

        @Override
        public Integer call() throws Exception {
            return withAuditLog(parent.home, audit -> {
                List<AuditEntry> entries = audit.entries(runId);
                if (entries.isEmpty()) {
                    System.out.println("no audit entries for run " + runId + " (list runs with: dbrefresh runs)");
                    return 1;
                }
                System.out.println("run " + runId + " (plan " + entries.get(0).plan() + ")");
                entries.forEach(e -> System.out.println("  " + LocalStackRunner.line(e)));
                return 0;
            });
        }
    }

    /** {@code runs}: recent runs. */
    @Command(name = "runs", description = "List recent runs, newest first.")
    static final class Runs implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--plan", description = "only runs of this plan")
        String plan;

        @Option(names = "--limit", defaultValue = "20")
        int limit;

        @Override
        public Integer call() throws Exception {
            return withAuditLog(parent.home, audit -> {
                for (var r : audit.runs(plan, limit)) {
                    System.out.printf("%s  %-16s started %s  last: %s/%s %s%n", r.runId(), r.plan(), r.startedAt(),
                            r.last().service(), r.last().step(), r.last().status());
                }
                return 0;
            });
        }
    }

    /** {@code dlq}: what is in the DLQs, and why. */
    @Command(name = "dlq", description = "List the dead-lettered messages of the running local stack with their reason.")
    static final class Dlq implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--queue", description = "only this service queue's DLQ (default: all)")
        String queue;

        @Option(names = "--limit", defaultValue = "100", description = "at most this many per DLQ (default: ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() throws Exception {
            List<String> queues;
            try {
                queues = queue == null ? dev.dbrefresh.contracts.Routing.serviceQueues()
                        : List.of(DeadLetters.serviceQueue(queue));
            } catch (IllegalArgumentException e) {
                System.err.println("dbrefresh: " + e.getMessage());
                return 2;
            }
            var live = liveSqs(parent.home);
            if (live == null) {
                return 2;
            }
            try (var sqs = live) {
                return withAuditLog(parent.home, audit -> {
                    int total = 0;
                    for (String q : queues) {
                        for (DeadLetters.DeadLetter d : new DeadLetters(sqs, audit).list(q, limit)) {
                            System.out.printf("%s  %s  %s  run %s  event %s  sent %s%n    reason: %s%n",
                                    dev.dbrefresh.contracts.Routing.dlqName(q), d.messageId(), d.eventType(), d.runId(),
                                    d.eventId(), d.sentAt(), d.reason());
                            total++;
                        }
                    }
                    System.out.println(total + " dead-lettered message(s)" + (total == 0 ? ""
                            : "; after fixing the cause: ./dbrefresh redrive --queue <queue>"));
                    return 0;
                });
            }
        }
    }

    /** {@code redrive --queue Q}: move a DLQ's messages back. */
    @Command(name = "redrive", description = "Move the messages of a service queue's DLQ back to the queue"
            + " (SQS StartMessageMoveTask; receive/send/delete where that is not implemented).")
    static final class RedriveCommand implements Callable<Integer> {

        @CommandLine.ParentCommand
        DbRefreshCli parent;

        @Option(names = "--queue", required = true, description = "service queue, e.g. dbrefresh-cluster")
        String queue;

        @Option(names = "--by-copy", description = "receive, send and delete instead of a move task")
        boolean byCopy;

        @Override
        public Integer call() throws Exception {
            try {
                DeadLetters.serviceQueue(queue);
            } catch (IllegalArgumentException e) {
                System.err.println("dbrefresh: " + e.getMessage());
                return 2;
            }
            var live = liveSqs(parent.home);
            if (live == null) {
                return 2;
            }
            try (var sqs = live) {
                var done = new DeadLetters(sqs, null).redrive(queue, byCopy);
                System.out.println("moved " + done.moved() + " message(s) from " + dev.dbrefresh.contracts.Routing.dlqName(queue)
                        + " to " + queue + " (" + done.method() + ")");
                return 0;
            }
        }
    }

    /**
     * @return an SQS client on the running local stack's ElasticMQ, or {@code null} after telling on stderr that no
     *         stack runs on {@code home}
     */
    private static software.amazon.awssdk.services.sqs.SqsClient liveSqs(Path home) {
        var live = StackFile.live(home);
        if (live.isEmpty() || live.get().sqsEndpoint() == null) {
            System.err.println("no local stack is running for " + home.toAbsolutePath()
                    + "; start one with: ./dbrefresh up");
            return null;
        }
        return software.amazon.awssdk.services.sqs.SqsClient.builder()
                .endpointOverride(URI.create(live.get().sqsEndpoint())).region(Region.of(LocalAws.REGION))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalAws.ACCESS_KEY,
                        LocalAws.SECRET_KEY))).build();
    }

    private interface AuditQuery {
        int apply(AuditLog audit) throws Exception;
    }

    /** Reads the audit log of a running stack, or opens the stored DynamoDB Local data when none runs. */
    private static int withAuditLog(Path home, AuditQuery query) throws Exception {
        var live = StackFile.live(home);
        if (live.isPresent()) {
            try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(live.get().dynamoEndpoint()))
                    .region(Region.of(LocalAws.REGION)).httpClientBuilder(UrlConnectionHttpClient.builder())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalAws.ACCESS_KEY,
                            LocalAws.SECRET_KEY))).build()) {
                return query.apply(new DynamoDbAuditLog(dynamo, "dbrefresh-audit"));
            }
        }
        try (LocalAws aws = LocalAws.startDynamoOnly(home.resolve("dynamodb"))) {
            return query.apply(new DynamoDbAuditLog(aws.dynamoClient(), "dbrefresh-audit"));
        }
    }
}
