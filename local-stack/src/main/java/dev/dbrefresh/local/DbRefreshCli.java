package dev.dbrefresh.local;

import dev.dbrefresh.runtime.local.LocalAws;

import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
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
 * {@code status RUN} (a run's steps from the audit log), {@code runs} (recent runs).
 */
@Command(name = "dbrefresh", mixinStandardHelpOptions = true, version = "dbrefresh 0.1.0",
        description = "Refreshes non-production databases from production snapshots.",
        subcommands = {DbRefreshCli.Run.class, DbRefreshCli.Status.class, DbRefreshCli.Runs.class})
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

        @Override
        public Integer call() throws Exception {
            RunReport report = new LocalStackRunner().run(new LocalStackRunner.Options(repo.toAbsolutePath(),
                    parent.home.toAbsolutePath(), plansFile, plan, scale, 5, Duration.ofSeconds(timeoutSeconds), System.out));
            report.print(System.out);
            return report.succeeded() ? 0 : 1;
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

    private interface AuditQuery {
        int apply(AuditLog audit) throws Exception;
    }

    /** Reads the audit log of a running stack, or opens the stored DynamoDB Local data when none runs. */
    private static int withAuditLog(Path home, AuditQuery query) throws Exception {
        var live = StackFile.liveEndpoint(home);
        if (live.isPresent()) {
            try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(live.get()))
                    .region(Region.of(LocalAws.REGION)).httpClientBuilder(UrlConnectionHttpClient.builder())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalAws.ACCESS_KEY,
                            LocalAws.SECRET_KEY))).build()) {
                return query.apply(new AuditLog(dynamo, "dbrefresh-audit"));
            }
        }
        try (LocalAws aws = LocalAws.startDynamoOnly(home.resolve("dynamodb"))) {
            return query.apply(new AuditLog(aws.dynamoClient(), "dbrefresh-audit"));
        }
    }
}
