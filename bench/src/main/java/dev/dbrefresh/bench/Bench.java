package dev.dbrefresh.bench;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/run}: on one pgbench source, interleaved over rounds, the commands a DBA would type to copy a
 * database and dbrefresh's full refresh through the four services of the local stack; then event hops from
 * the audit log, each service's resident memory and its time to readiness. Prints a table and
 * {@code ratio <name> <value>} lines, and writes {@code bench/RESULTS.md}.
 *
 * <p>Every database it creates or drops is its own: {@value #SOURCE} (recreated when its pgbench scale differs
 * from {@code --scale}), {@value #TARGET} (dbrefresh's target), {@value #RESET_TARGET} (the reset's target, with
 * its pristine copy) and one per baseline ({@code dbrefresh_bench_*}).
 * The local stack runs on its own home ({@code .dbrefresh/bench}) with its own plan ({@value #PLAN}); the stack
 * is started once, so its start is not part of a refresh's figure (it is reported as readiness).
 */
@Command(name = "bench/run", mixinStandardHelpOptions = true,
        description = "dbrefresh against the DBA's own tools, side by side on one source; prints figures, asserts none.")
public final class Bench implements Callable<Integer> {

    /** The plan the harness writes into its home's plans file. */
    static final String PLAN = "bench-pgbench";
    /** Source database (pgbench). */
    static final String SOURCE = "dbrefresh_bench_source";
    /** dbrefresh's target database. */
    static final String TARGET = "dbrefresh_bench_target";
    /** The plan with {@code fast-path: template}, for the reset figure. */
    static final String RESET_PLAN = "bench-pgbench-reset";
    /** Its target database (its pristine copy beside it). */
    static final String RESET_TARGET = "dbrefresh_bench_reset";

    @Option(names = "--scale", defaultValue = "10", description = "pgbench scale of the source (50 = 755 MB, 5,000,000"
            + " accounts; default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds; each runs every contestant once (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--jobs", description = "parallel jobs of pg_restore and pgcopydb (default: the cores, nproc)")
    Integer jobs;

    @Option(names = "--hop-runs", defaultValue = "20", description = "extra dry-run refreshes after the rounds, each adding"
            + " three event hops to the hop figures (default: ${DEFAULT-VALUE})")
    int hopRuns;

    /** What {@code --only} can name: the contestants, {@code hops} (the dry runs), {@code services}, {@code mongodb}. */
    static final List<String> PARTS = List.of("hand-run", "pgcopydb", "template-clone", "dbrefresh", "reset", "hops",
            "services", "mongodb");

    @Option(names = "--only", split = ",", paramLabel = "PART", description = "measure only these (comma-separated):"
            + " hand-run, pgcopydb, template-clone, dbrefresh, reset, hops (the extra dry runs), services (readiness and"
            + " resident memory; also: memory), mongodb (run by bench/run); default: all. The local stack is started"
            + " only for dbrefresh, reset, hops and services")
    List<String> only;

    @Option(names = "--warm-up", defaultValue = "1", description = "untimed full runs of the dbrefresh plan before the"
            + " rounds (the services are daemons: the first run after a start loads and compiles the refresh path once;"
            + " its time is reported apart, never in the medians; 0: none; default: ${DEFAULT-VALUE})")
    int warmUpRuns;

    @Option(names = "--mongodb-customers", defaultValue = "30000", description = "customers of the mongodb benchmark's"
            + " shop data set (3.5 documents each; 0 skips it), run by bench/run before the postgres contestants"
            + " (default: ${DEFAULT-VALUE})")
    int mongodbCustomers;

    @Option(names = "--mongodb-results", hidden = true, description = "standard output of engine-mongodb/bench.sh"
            + " (written by bench/run)")
    Path mongodbResults;

    @Option(names = "--repo", defaultValue = ".", description = "repository root with the built service jars")
    Path repo;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "PostgreSQL host (trust auth as --user)")
    String host;

    @Option(names = "--port", defaultValue = "5432")
    int port;

    @Option(names = "--user", defaultValue = "postgres")
    String user;

    @Option(names = "--command-line", hidden = true, defaultValue = "bench/run",
            description = "the command as typed, for RESULTS.md (set by bench/run)")
    String commandLine;

    private Path work;
    private final Map<String, List<Double>> times = new LinkedHashMap<>();
    private final Map<String, String> commands = new LinkedHashMap<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    /** Event hops in milliseconds, of the full runs ({@code false}) and of the dry runs ({@code true}). */
    private final Map<Boolean, List<Double>> hopMillis = Map.of(false, new ArrayList<>(), true, new ArrayList<>());
    private final Map<String, List<Double>> stepSeconds = new LinkedHashMap<>();
    /** Seconds of the untimed warm-up runs ({@link #warmUpRuns}), start message to notify. */
    private final List<Double> warmUpSeconds = new ArrayList<>();
    /** Whether a run's hops and step durations go into the figures (off during the warm-up). */
    private boolean recording = true;

    /** @param args see {@code bench/run --help} */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (scale < 1 || rounds < 1 || hopRuns < 0 || (jobs != null && jobs < 1) || mongodbCustomers < 0) {
            System.err.println("bench: --scale and --rounds must be at least 1, --jobs at least 1, --hop-runs and"
                    + " --mongodb-customers at least 0");
            return 2;
        }
        if (only != null) {
            only = only.stream().map(o -> o.trim().equals("memory") ? "services" : o.trim()).toList();
            List<String> unknown = only.stream().filter(o -> !PARTS.contains(o)).toList();
            if (!unknown.isEmpty()) {
                System.err.println("bench: --only " + unknown + " is not one of " + PARTS + " (or memory)");
                return 2;
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int j = jobs != null ? jobs : cores;
        repo = repo.toAbsolutePath().normalize();
        Path home = repo.resolve(".dbrefresh").resolve("bench");
        work = home.resolve("work");
        Files.createDirectories(work);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        Instant began = Instant.now();

        DatabaseEndpoint server = new DatabaseEndpoint(host, port, "postgres", user, null);
        LocalPostgres pg = new LocalPostgres(server);
        pg.createIfMissing("dbrefresh");
        ensureSource(pg);
        Path plans = writePlans(home, j);

        List<Contestant> contestants = new ArrayList<>();
        if (wanted("hand-run")) {
            contestants.add(handRun(j));
        }
        Optional<String> pgcopydb = which("pgcopydb");
        if (pgcopydb.isPresent() && wanted("pgcopydb")) {
            contestants.add(pgcopydb(j));
        } else if (wanted("pgcopydb")) {
            skipped.put("pgcopydb", "pgcopydb is not installed (bench/run installs it with apt-get where it runs as root)");
        }
        if (wanted("template-clone")) {
            contestants.add(templateClone());
        }
        if (!(wanted("dbrefresh") || wanted("reset") || wanted("hops") || wanted("services"))) {
            runRounds(contestants);
            String report = report(cores, j, loadBefore, began, 0, 0, Map.of(), Map.of(), Map.of());
            finish(report);
            return 0;
        }

        long t0 = System.nanoTime();
        try (LocalAws aws = LocalAws.start(0, 0, home.resolve("dynamodb"), 5)) {
            double awsUp = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            // the services keep their state (parameter store, snapshot catalog) on the --host/--port server too
            Map<String, String> stateDb = Map.of("DBREFRESH_DATASOURCE_URL", "jdbc:postgresql://" + host + ":" + port
                    + "/dbrefresh", "DBREFRESH_DATASOURCE_USERNAME", user);
            try (ServiceProcesses services = ServiceProcesses.start(repo, home, aws, plans, stateDb, Duration.ofSeconds(180))) {
                double servicesUp = (System.nanoTime() - t1) / 1e9;
                Map<String, Long> rssAfterStart = rss(services.pids());
                System.out.printf(Locale.ROOT, "bench: local stack up (emulators %.1f s, services %.1f s); logs in %s%n",
                        awsUp, servicesUp, services.logDir());
                DynamoDbAuditLog audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
                if (wanted("dbrefresh")) {
                    contestants.add(dbrefresh(aws, audit));
                    commands.put("dbrefresh", "start message (" + PLAN + ", restore.jobs " + j + ") to the notifier's"
                            + " notify succeeded, through the four services");
                }
                if (wanted("reset")) {
                    contestants.add(reset(aws, audit, pg));
                }
                if (wanted("dbrefresh")) {
                    recording = false;
                    for (int w = 0; w < warmUpRuns; w++) {
                        double secs = runDbrefresh(aws, audit, false);
                        warmUpSeconds.add(secs);
                        System.out.printf(Locale.ROOT, "bench: warm-up %d/%d dbrefresh %7.2f s (not counted)%n", w + 1,
                                warmUpRuns, secs);
                    }
                    recording = true;
                }
                runRounds(contestants);
                for (int h = 0; wanted("hops") && h < hopRuns; h++) {
                    runDbrefresh(aws, audit, true);
                }
                Map<String, Long> rssAfterRun = rss(services.pids());
                String report = report(cores, j, loadBefore, began, awsUp, servicesUp, services.readiness(), rssAfterStart,
                        rssAfterRun);
                finish(report);
            }
        }
        return 0;
    }

    /** @return whether {@code --only} leaves {@code part} in (one of {@link #PARTS}) */
    private boolean wanted(String part) {
        return only == null || only.contains(part);
    }

    /** Runs every contestant once per round, each round starting with another one. */
    private void runRounds(List<Contestant> contestants) throws Exception {
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < contestants.size(); k++) {
                // each round starts with another contestant, so none always runs on a cold cache
                Contestant c = contestants.get((k + r) % contestants.size());
                settle();
                c.prepare();
                long s = System.nanoTime();
                c.run();
                double secs = (System.nanoTime() - s) / 1e9;
                if (c.measured() != null) {
                    secs = c.measured();
                }
                times.computeIfAbsent(c.name(), n -> new ArrayList<>()).add(secs);
                System.out.printf(Locale.ROOT, "bench: round %d/%d %-15s %7.2f s%n", r + 1, rounds, c.name(), secs);
                c.cleanup();
            }
        }
    }

    /**
     * Prints the report and the ratio lines (last on standard output, for scripts), and writes bench/RESULTS.md, or
     * {@code .dbrefresh/bench/RESULTS-only.md} for a run with {@code --only}.
     */
    private void finish(String report) throws IOException {
        List<String> ratios = ratios();
        System.out.print(report);
        ratios.forEach(System.out::println);
        // a partial run (--only) does not replace the figures of a whole one
        Path results = only == null ? repo.resolve("bench").resolve("RESULTS.md") : work.resolveSibling("RESULTS-only.md");
        Files.writeString(results, report + "```\n" + String.join("\n", ratios) + "\n```\n", StandardCharsets.UTF_8);
        System.err.println("bench: figures written to " + repo.relativize(results));
    }

    /** One thing measured: a prepare that is not timed, the timed run, a clean-up that is not timed. */
    interface Contestant {
        String name();

        default void prepare() throws Exception {
        }

        void run() throws Exception;

        /** @return seconds measured by the contestant itself (dbrefresh: from its audit log), or {@code null} */
        default Double measured() {
            return null;
        }

        default void cleanup() throws Exception {
        }
    }

    private Contestant handRun(int j) {
        Path dump = work.resolve("hand.dump");
        String db = "dbrefresh_bench_hand";
        return commands("hand-run", db, dump, List.of(
                List.of("pg_dump", "-h", host, "-p", "" + port, "-U", user, "-Fc", "-f", dump.toString(), SOURCE),
                List.of("createdb", "-h", host, "-p", "" + port, "-U", user, db),
                List.of("pg_restore", "-h", host, "-p", "" + port, "-U", user, "-j", "" + j, "--no-owner", "--no-acl", "-d",
                        db, dump.toString())));
    }

    private Contestant pgcopydb(int j) {
        String db = "dbrefresh_bench_pgcopydb";
        Path dir = work.resolve("pgcopydb");
        String base = "postgres://" + user + "@" + host + ":" + port + "/";
        return commands("pgcopydb", db, dir, List.of(
                List.of("createdb", "-h", host, "-p", "" + port, "-U", user, db),
                List.of("pgcopydb", "clone", "--source", base + SOURCE, "--target", base + db, "--table-jobs", "" + j,
                        "--index-jobs", "" + j, "--dir", dir.toString(), "--no-owner", "--no-acl")));
    }

    private Contestant templateClone() {
        String db = "dbrefresh_bench_template";
        return commands("template-clone", db, null,
                List.of(psql("CREATE DATABASE " + db + " TEMPLATE " + SOURCE + " STRATEGY FILE_COPY")));
    }

    /**
     * A contestant that runs commands one after the other, as typed at a shell prompt.
     *
     * @param db      the database the commands create: dropped before and after (not timed)
     * @param scratch a file or directory they write, deleted before and after (not timed); may be {@code null}
     */
    private Contestant commands(String name, String db, Path scratch, List<List<String>> steps) {
        // shown relative to the repository, as typed from its root
        commands.put(name, String.join(" && ", steps.stream().map(Bench::shellWords).toList())
                .replace(repo + "/", ""));
        return new Contestant() {
            public String name() {
                return name;
            }

            public void prepare() throws Exception {
                dropDatabase(db);
                if (scratch != null) {
                    deleteTree(scratch);
                }
            }

            public void run() throws Exception {
                for (List<String> s : steps) {
                    exec(s);
                }
            }

            public void cleanup() throws Exception {
                prepare();
            }
        };
    }

    /** @return the command as a shell line: words with spaces single-quoted */
    private static String shellWords(List<String> command) {
        return String.join(" ", command.stream().map(w -> w.matches("[\\w@%+=:,./-]+") ? w : "'" + w + "'").toList());
    }

    /**
     * dbrefresh's reset: a run of the pristine copy's snapshot on the plan with {@code fast-path: template}
     * ({@code ./dbrefresh reset}). Its prepare dirties the target (not timed); after the run the dirt must be
     * gone, or the harness stops.
     */
    private Contestant reset(LocalAws aws, DynamoDbAuditLog audit, LocalPostgres pg) throws Exception {
        // one full refresh of the reset plan first (not timed): it keeps the pristine copy
        runDbrefresh(aws, audit, new RefreshRequested(RESET_PLAN, null, null, false, "bench", Map.of()), false);
        String pristine = pg.pristineSnapshot(RESET_TARGET).orElseThrow(() -> new IllegalStateException(
                "the refresh of " + RESET_PLAN + " kept no pristine copy of " + RESET_TARGET));
        commands.put("reset", "./dbrefresh reset --plan " + RESET_PLAN + " (\"mode\": \"reset\", snapshot " + pristine
                + ", the pristine copy's), start message to notify succeeded, through the four services");
        return new Contestant() {
            private Double seconds;

            public String name() {
                return "reset";
            }

            public void prepare() throws Exception {
                exec(psqlQuery(RESET_TARGET, "CREATE TABLE IF NOT EXISTS bench_dirt (id int)"));
            }

            public void run() throws Exception {
                seconds = runDbrefresh(aws, audit, RefreshRequested.reset(RESET_PLAN, "bench"), false);
            }

            public Double measured() {
                return seconds;
            }

            public void cleanup() throws Exception {
                String left = exec(psqlQuery(RESET_TARGET, "SELECT count(*) FROM pg_class WHERE relname = 'bench_dirt'"));
                if (!left.trim().equals("0")) {
                    throw new IllegalStateException("the reset left table bench_dirt in " + RESET_TARGET);
                }
            }
        };
    }

    private Contestant dbrefresh(LocalAws aws, DynamoDbAuditLog audit) {
        return new Contestant() {
            private Double seconds;

            public String name() {
                return "dbrefresh";
            }

            public void run() throws Exception {
                seconds = runDbrefresh(aws, audit, false);
            }

            public Double measured() {
                return seconds;
            }
        };
    }

    /**
     * Publishes a start message and follows the audit log to the notifier's end of the run.
     *
     * @return seconds from publishing the start message to the notifier's {@code notify} succeeded (its audit time)
     * @throws IllegalStateException when the run did not succeed
     */
    private double runDbrefresh(LocalAws aws, DynamoDbAuditLog audit, boolean dryRun) throws Exception {
        return runDbrefresh(aws, audit, new RefreshRequested(PLAN, null, null, dryRun, "bench", Map.of()), !dryRun);
    }

    /**
     * @param request     the start message's request
     * @param recordSteps whether the run's step durations go into the steps table (full runs only)
     */
    private double runDbrefresh(LocalAws aws, DynamoDbAuditLog audit, RefreshRequested request, boolean recordSteps)
            throws Exception {
        boolean dryRun = request.dryRun();
        String runId = LocalStackRunner.newRunId();
        Instant published = Instant.now();
        LocalStackRunner.publishStart(aws.sqsClient(), runId, request);
        List<AuditEntry> entries = LocalStackRunner.follow(audit, runId, Duration.ofMinutes(15),
                new PrintStream(OutputStream.nullOutputStream()));
        Optional<AuditEntry> done = entries.stream().filter(e -> e.isStep(StepName.NOTIFY) && e.is(AuditStatus.SUCCEEDED))
                .findFirst();
        if (done.isEmpty() || entries.stream().anyMatch(e -> e.is(AuditStatus.FAILED))) {
            StringBuilder log = new StringBuilder();
            entries.forEach(e -> log.append("\n  ").append(LocalStackRunner.line(e)));
            throw new IllegalStateException("dbrefresh run " + runId + " did not succeed:" + log);
        }
        if (recording) {
            Figures.hops(entries, ServiceProcesses.SERVICES).forEach(h -> hopMillis.get(dryRun).add(h.toNanos() / 1e6));
        }
        if (recordSteps && recording) {
            for (AuditEntry e : entries) {
                if (e.is(AuditStatus.SUCCEEDED) && e.durationMs() > 0) {
                    stepSeconds.computeIfAbsent(e.service() + " " + e.step(), k -> new ArrayList<>()).add(e.durationMs() / 1e3);
                }
            }
        }
        return Duration.between(published, done.get().at()).toNanos() / 1e9;
    }

    private String report(int cores, int j, String loadBefore, Instant began, double awsUp, double servicesUp,
            Map<String, Duration> readiness, Map<String, Long> rssStart, Map<String, Long> rssRun) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# dbrefresh benchmark\n\n");
        out.append("Command: `").append(commandLine).append("` (scale ").append(scale).append(", ").append(rounds)
                .append(" rounds, jobs ").append(j).append(", ").append(hopRuns).append(" extra dry runs for hops), ")
                .append(began).append(" to ").append(Instant.now()).append(".\n\n");
        out.append("Machine: ").append(machine(cores)).append("; load average before ").append(loadBefore)
                .append(", after ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append(".\n\n");
        out.append("Seconds per copy of the source (").append(SOURCE).append(", pgbench scale ").append(scale)
                .append(") into a new database on the same server:\n\n");
        List<List<String>> rows = new ArrayList<>();
        for (var e : times.entrySet()) {
            List<Double> t = e.getValue();
            rows.add(List.of(e.getKey(), Figures.seconds(Figures.median(t)),
                    Figures.seconds(t.stream().mapToDouble(Double::doubleValue).min()),
                    Figures.seconds(t.stream().mapToDouble(Double::doubleValue).max()), "" + t.size(),
                    "`" + commands.get(e.getKey()) + "`"));
        }
        skipped.forEach((name, why) -> rows.add(List.of(name, "-", "-", "-", "0", "skipped: " + why)));
        out.append(Figures.table(List.of("what", "median s", "min s", "max s", "runs", "command"), rows)).append('\n');
        if (!warmUpSeconds.isEmpty()) {
            out.append("Before the rounds, ").append(warmUpSeconds.size()).append(" untimed dbrefresh run(s) of the same plan"
                    + " warmed the services up (`--warm-up`; the first run after a start loads and compiles the refresh"
                    + " path): ").append(warmUpSeconds.stream().map(w -> Figures.seconds(OptionalDouble.of(w))).toList()).append(" s, in no figure"
                    + " below.\n\n");
        }

        List<List<String>> steps = new ArrayList<>();
        stepSeconds.forEach((step, t) -> steps.add(List.of(step, Figures.seconds(Figures.median(t)), "" + t.size())));
        out.append("dbrefresh's steps (audit log durations):\n\n")
                .append(Figures.table(List.of("service step", "median s", "runs"), steps)).append('\n');

        out.append("Event hops (a service's last audit entry to the next service's first, from the audit log):\n\n");
        List<List<String>> hopRows = new ArrayList<>();
        for (boolean dry : List.of(false, true)) {
            List<Double> h = hopMillis.get(dry);
            hopRows.add(List.of(dry ? "dry runs" : "full runs", "" + h.size(), ms(Figures.percentile(h, 50)),
                    ms(Figures.percentile(h, 99)), ms(h.stream().mapToDouble(Double::doubleValue).max())));
        }
        out.append(Figures.table(List.of("runs", "hops", "p50 ms", "p99 ms", "max ms"), hopRows)).append('\n');

        List<List<String>> svc = new ArrayList<>();
        for (String s : ServiceProcesses.SERVICES) {
            Duration ready = readiness.get(s);
            svc.add(List.of(s, ready == null ? "-" : String.format(Locale.ROOT, "%.2f", ready.toMillis() / 1e3),
                    mib(rssStart.get(s)), mib(rssRun.get(s))));
        }
        if (readiness.isEmpty()) {
            out.append("Services: not measured (--only leaves out dbrefresh, reset, hops and services).\n\n");
        } else {
            out.append(String.format(Locale.ROOT, "Services (all four started at once; emulators up in %.1f s, all"
                    + " services ready %.1f s later):%n%n", awsUp, servicesUp));
            out.append(Figures.table(List.of("service", "ready s", "VmRSS after start MiB", "VmRSS after the runs MiB"),
                    svc)).append('\n');
        }

        out.append(mongodbSection());
        out.append("Ratios of medians (mongodb: of its rounds in one run):\n\n");
        return out.toString();
    }

    /** The mongodb engine's figures from {@code engine-mongodb/bench.sh} (bench/run ran it), as a table. */
    private String mongodbSection() throws IOException {
        String title = "MongoDB engine against a naive one-document-at-a-time copy (`engine-mongodb/bench.sh "
                + mongodbCustomers + "`, ReplaceBenchmark, on in-process mongo-java-server, one run: rounds of both copies"
                + " in alternating order, `replace (engine)` and `naive copy` their medians):\n\n";
        List<Figures.MongoFigure> figures = mongoFigures();
        if (figures.isEmpty()) {
            return title + "skipped: " + (!wanted("mongodb") ? "--only leaves it out" : mongodbCustomers == 0 ? "--mongodb-customers 0"
                    : "no figures in " + mongodbResults + " (bench/run writes them; see .dbrefresh/bench-mongodb.log)")
                    + "\n\n";
        }
        List<List<String>> rows = new ArrayList<>();
        for (Figures.MongoFigure f : figures) {
            rows.add(List.of(f.what(), Figures.seconds(OptionalDouble.of(f.seconds())), "" + f.documentsPerSecond(),
                    String.format(Locale.ROOT, "%.1f", f.megabytesPerSecond())));
        }
        String dataSet = Files.readAllLines(mongodbResults).stream().filter(l -> l.startsWith("data set:")).findFirst()
                .orElse("");
        return title + (dataSet.isEmpty() ? "" : dataSet + ".\n\n")
                + Figures.table(List.of("what", "s", "documents/s", "MB/s"), rows) + "\n";
    }

    private List<Figures.MongoFigure> mongoFigures() throws IOException {
        return mongodbResults == null || mongodbCustomers == 0 || !Files.isRegularFile(mongodbResults) ? List.of()
                : Figures.mongoFigures(Files.readAllLines(mongodbResults));
    }

    private List<String> ratios() throws IOException {
        OptionalDouble dbr = Figures.median(times.getOrDefault("dbrefresh", List.of()));
        List<String> lines = new ArrayList<>();
        for (String base : List.of("hand-run", "pgcopydb", "template-clone", "reset")) {
            lines.add(Figures.ratioLine("dbrefresh/" + base, dbr, Figures.median(times.getOrDefault(base, List.of()))));
        }
        lines.add(Figures.ratioLine("reset/template-clone", Figures.median(times.getOrDefault("reset", List.of())),
                Figures.median(times.getOrDefault("template-clone", List.of()))));
        List<Figures.MongoFigure> mongo = mongoFigures();
        // seconds of the engine's replace over seconds of the naive copy of the same data set: below 1 is faster
        lines.add(Figures.ratioLine("mongodb-replace/naive", Figures.mongoSeconds(mongo, "replace (engine)"),
                Figures.mongoSeconds(mongo, "naive copy")));
        return lines;
    }

    private static String ms(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.0f", v.getAsDouble()) : "-";
    }

    private static String mib(Long kib) {
        return kib == null ? "-" : Long.toString(Math.round(kib / 1024.0));
    }

    private static Map<String, Long> rss(Map<String, Long> pids) {
        Map<String, Long> rss = new LinkedHashMap<>();
        pids.forEach((service, pid) -> {
            try {
                Figures.vmRssKib(Files.readString(Path.of("/proc", pid.toString(), "status"))).ifPresent(k -> rss.put(service, k));
            } catch (IOException gone) {
                // the process ended; the report shows "-"
            }
        });
        return rss;
    }

    private String machine(int cores) {
        String cpu = "?";
        String mem = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB").findFirst()
                    .orElse("?");
        } catch (IOException | NumberFormatException e) {
            // shown as "?"
        }
        String pgVersion;
        try {
            pgVersion = "PostgreSQL " + exec(psqlQuery("SHOW server_version")).trim();
        } catch (Exception e) {
            pgVersion = "PostgreSQL ?";
        }
        return cores + " cores (" + cpu + "), " + mem + " RAM, Java " + Runtime.version() + ", " + pgVersion;
    }

    /** Recreates the source when it is missing or was made with another scale (pgbench_branches has one row per scale unit). */
    private void ensureSource(LocalPostgres pg) throws Exception {
        if (pg.exists(SOURCE)) {
            String branches;
            try {
                branches = exec(psqlQuery(SOURCE, "SELECT count(*) FROM pgbench_branches")).trim();
            } catch (IllegalStateException notPgbench) {
                branches = "";
            }
            if (branches.equals(Integer.toString(scale))) {
                return;
            }
            dropDatabase(SOURCE);
        }
        long t = System.nanoTime();
        pg.ensurePgbenchSource(SOURCE, scale);
        exec(psqlQuery(SOURCE, "VACUUM ANALYZE"));
        System.out.printf(Locale.ROOT, "bench: created %s with pgbench -i -s %d in %.1f s%n", SOURCE, scale,
                (System.nanoTime() - t) / 1e9);
    }

    /**
     * Writes {@code <home>/plans.yml}: the local stack's default plan with the harness's databases and
     * {@code restore.jobs}, and its users' password file.
     */
    private Path writePlans(Path home, int j) throws IOException {
        Path secret = home.resolve("secrets").resolve("app_reader.password");
        Files.createDirectories(secret.getParent());
        if (!Files.exists(secret)) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            Files.writeString(secret, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
        String yaml;
        try (var in = LocalStackRunner.class.getResourceAsStream("/dbrefresh/default-plans.yml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        yaml = yaml.replace("${SECRET_FILE}", secret.toString()).replace("local-pgbench", PLAN)
                .replace("pgbench_production", SOURCE).replace("pgbench_acceptance", TARGET)
                .replaceAll("restore: \\{jobs: \\d+\\}", "restore: {jobs: " + j + "}")
                .replace("host: 127.0.0.1, port: 5432", "host: " + host + ", port: " + port)
                .replace("username: postgres", "username: " + user);
        // The DBA's commands neither mask nor read content checksums: the bench plan leaves out the default plan's
        // masks and `verify: checksums` (isolation, ANALYZE, counts and audit stay), so the ratios compare the same work.
        String plain = yaml.replaceFirst("(?m)^    verify: checksums\n", "")
                .replaceFirst("(?s)    sanitize:\n      masks:\n.*?(?=    parameters:)", "");
        if (plain.contains("verify: checksums") || plain.contains("masked by dbrefresh")) {
            throw new IllegalStateException("local-stack's default-plans.yml changed shape; adapt Bench.writePlans");
        }
        yaml = plain;
        int block = yaml.indexOf("  " + PLAN + ":\n");
        int engine = yaml.indexOf("    engine: postgres\n", block);
        if (!yaml.contains(SOURCE) || !yaml.contains("jobs: " + j) || block < 0 || engine < 0) {
            throw new IllegalStateException("local-stack's default-plans.yml changed shape; adapt Bench.writePlans");
        }
        // the same plan again, with its own target and the template fast path, for the reset figure
        String plan = yaml.substring(block);
        yaml += plan.replace("  " + PLAN + ":\n", "  " + RESET_PLAN + ":\n")
                .replace("    engine: postgres\n", "    engine: postgres\n    fast-path: template\n")
                .replace(TARGET, RESET_TARGET).replace("/dbrefresh/" + PLAN + "/", "/dbrefresh/" + RESET_PLAN + "/");
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, yaml);
        return plans;
    }

    private List<String> psql(String sql) {
        return List.of("psql", "-h", host, "-p", "" + port, "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql);
    }

    private List<String> psqlQuery(String sql) {
        return psqlQuery("postgres", sql);
    }

    private List<String> psqlQuery(String db, String sql) {
        return List.of("psql", "-h", host, "-p", "" + port, "-U", user, "-d", db, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-c", sql);
    }

    /**
     * Before each contestant, not timed: a {@code CHECKPOINT}, so every contestant starts with nothing of the one
     * before it left to write out. The baselines' clean-up ends with {@code DROP DATABASE}, which forces a checkpoint
     * anyway; dbrefresh's runs have no clean-up (their old target is dropped in the background), and the contestant
     * after one paid for writing out its 755 MB restore (at scale 50) in its first checkpoint, e.g. the reset's
     * {@code CREATE DATABASE ... STRATEGY FILE_COPY}.
     */
    private void settle() throws Exception {
        exec(psql("CHECKPOINT"));
    }

    private void dropDatabase(String db) throws Exception {
        exec(psql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"));
    }

    /**
     * Runs a command as a DBA's shell would (this process's environment), standard error to a file.
     *
     * @return its standard output
     * @throws IllegalStateException when it fails (with the tail of its error output)
     */
    private String exec(List<String> command) throws Exception {
        Path err = Files.createTempFile(work, "stderr", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(err).trim());
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static Optional<String> which(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
