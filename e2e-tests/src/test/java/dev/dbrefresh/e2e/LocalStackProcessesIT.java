package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's processes as a user sees them: {@code dbrefresh up} and {@code dbrefresh run} started
 * as real processes (the CLI's main class on this module's test classpath, as {@code ./dbrefresh}
 * execs it), stopped with SIGTERM ({@code kill PID}) and SIGINT ({@code kill -INT PID}, what Ctrl-C
 * sends); every process the launcher started must be gone too. And stacks on one home never share
 * log files: a second one is refused while the first runs, and one started after the first was
 * killed outright stops the first one's leftover services and logs into a directory of its own.
 */
class LocalStackProcessesIT {

    /** Start-up of a stack: PostgreSQL source (first test only), emulators, four service JVMs on 2 cores. */
    private static final Duration STARTUP = Duration.ofMinutes(4);
    /** The launcher's own bound (30 s graceful, 10 s forced) and some slack for a busy machine. */
    private static final Duration STOP = Duration.ofSeconds(75);

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String SOURCE = "dbr_proc_" + SUFFIX + "_production";
    private static final String TARGET = "dbr_proc_" + SUFFIX + "_acceptance";
    private static final String STUCK_TARGET = "dbr_proc_" + SUFFIX + "_stuck";
    private static final Pattern RUN_ID = Pattern.compile("run (run-\\S+) of plan");
    private static final Pattern LOG_DIR = Pattern.compile("\\(logs in ([^)]+)\\)");

    @TempDir
    static Path dir;

    private static Path plans;

    @BeforeAll
    static void writePlans() throws IOException {
        plans = dir.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  proc:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {mode: create, source-store: store/source, target-store: store/target}
                    guards: {protected-patterns: ["(?i).*production$"]}
                  stuck:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {mode: create, source-store: store/source, target-store: store/target}
                    guards: {protected-patterns: ["(?i).*production$"]}
                    notifications: {queue: dbr-proc-no-such-queue}
                """.formatted(SOURCE, TARGET, SOURCE, STUCK_TARGET));
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        SharedServer.dropDatabasesStartingWith("dbr_proc_" + SUFFIX + "_");
    }

    @Test
    void up_shouldStopItsServices_whenSentSigterm() throws Exception {
        assertSignalStopsEverything("up", "local stack up:", "TERM", 15);
    }

    @Test
    void up_shouldStopItsServices_whenSentSigint() throws Exception {
        assertSignalStopsEverything("up", "local stack up:", "INT", 2);
    }

    @Test
    void run_shouldStopItsServices_whenSentSigterm() throws Exception {
        assertSignalStopsEverything("run", "local stack up in", "TERM", 15);
    }

    @Test
    void run_shouldStopItsServices_whenSentSigint() throws Exception {
        assertSignalStopsEverything("run", "local stack up in", "INT", 2);
    }

    /**
     * A run interrupted while it holds its target's lease (here: verified, its completion cannot be sent
     * and is being retried) must not leave the lease behind in the home's DynamoDB: the next run on the
     * target would end TARGET_BUSY for hours.
     */
    @Test
    void run_shouldReleaseItsLease_whenInterruptedWhileHoldingIt() throws Exception {
        Path home = Files.createTempDirectory(dir, "interrupted");
        String runId;
        try (Launcher launcher = Launcher.start(home, "run", "stuck")) {
            Matcher started = RUN_ID.matcher(launcher.awaitLine("of plan stuck started", STARTUP));
            assertThat(started.find()).isTrue();
            runId = started.group(1);
            String verified = launcher.awaitLine("verify", STARTUP);
            while (!verified.contains("succeeded")) {
                verified = launcher.awaitLine("verify", STARTUP);
            }
            Process kill = new ProcessBuilder("bash", "-c", "kill -INT " + launcher.process.pid()).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();
            assertThat(launcher.awaitExit(STOP)).as(launcher.output()).isEqualTo(128 + 2);
            assertThat(launcher.output()).contains("run " + runId + " was interrupted")
                    .contains("lease on postgres://127.0.0.1:5432/" + STUCK_TARGET + " was released");
        }
        try (LocalAws dynamo = LocalAws.startDynamoOnly(home.resolve("dynamodb"))) {
            var leases = dynamo.dynamoClient().scan(r -> r.tableName(Tables.LEASES)).items();
            assertThat(leases).as("leases left in %s", home).noneMatch(i -> runId.equals(i.get("owner").s()));
            assertThat(new DynamoDbAuditLog(dynamo.dynamoClient(), Tables.AUDIT).entries(runId))
                    .anySatisfy(e -> assertThat(e.step()).isEqualTo("interrupted"));
        }
    }

    @Test
    void up_shouldNeverShareLogFiles_withAnotherStackOnTheSameHome() throws Exception {
        Path home = Files.createTempDirectory(dir, "home");
        // closing "first" kills what it started, also after its launcher is gone (cleanup when a check fails)
        try (Launcher first = Launcher.start(home, "up")) {
            String firstUp = first.awaitLine("local stack up:", STARTUP);
            List<ProcessHandle> firstServices = first.descendants();
            assertThat(firstServices).as(first.output()).hasSizeGreaterThanOrEqualTo(4);

            // While the first stack runs, a second one on its home is refused and leaves it alone.
            try (Launcher second = Launcher.start(home, "up")) {
                assertThat(second.awaitExit(STOP)).as(second.output()).isEqualTo(2);
                assertThat(second.output()).contains("a local stack is already running for")
                        .contains("pid " + first.process.pid()).contains("--home");
            }
            assertThat(firstServices).as("the first stack's services").allMatch(ProcessHandle::isAlive);
            Path firstLogs = logDir(firstUp);

            // Killed outright (SIGKILL: no shutdown hook), the first launcher leaves its services running...
            first.process.destroyForcibly();
            assertThat(first.awaitExit(STOP)).isEqualTo(128 + 9);
            assertThat(firstServices).as("services of a launcher killed with SIGKILL").allMatch(ProcessHandle::isAlive);

            // ...until the next stack on the home stops them, and it logs into a directory of its own.
            try (Launcher third = Launcher.start(home, "up")) {
                String thirdUp = third.awaitLine("local stack up:", STARTUP);
                assertThat(third.output()).contains("left running by an earlier launcher that was killed");
                awaitGone(firstServices, "leftover services of the killed stack, stopped by the next one");
                Map<Path, Long> firstLogSizes = sizes(firstLogs);
                Path thirdLogs = logDir(thirdUp);

                assertThat(thirdLogs).isNotEqualTo(firstLogs);
                assertThat(sizes(thirdLogs).keySet()).hasSize(4)
                        .allSatisfy(log -> assertThat(log).isNotIn(firstLogSizes.keySet()));
                assertThat(sizes(thirdLogs).values()).allMatch(size -> size > 0);
                assertThat(home.resolve("logs").resolve("latest").toRealPath()).isEqualTo(thirdLogs.toRealPath());
                third.process.destroy();
                assertThat(third.awaitExit(STOP)).as(third.output()).isEqualTo(128 + 15);
                assertThat(sizes(firstLogs)).as("the first stack's logs, untouched by the third").isEqualTo(firstLogSizes);
            }
        }
    }

    private static void assertSignalStopsEverything(String command, String ready, String signal, int number)
            throws Exception {
        Path home = Files.createTempDirectory(dir, command + "-" + signal);
        try (Launcher launcher = Launcher.start(home, command)) {
            launcher.awaitLine(ready, STARTUP);
            List<ProcessHandle> descendants = launcher.descendants();
            assertThat(descendants).as("the four services of %s:%n%s", command, launcher.output())
                    .hasSizeGreaterThanOrEqualTo(4);
            assertThat(launcher.process.isAlive()).as(launcher.output()).isTrue();

            // bash's kill builtin: a minimal Debian has no /usr/bin/kill (procps)
            Process kill = new ProcessBuilder("bash", "-c", "kill -" + signal + " " + launcher.process.pid())
                    .redirectErrorStream(true).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", signal).isTrue();

            assertThat(launcher.awaitExit(STOP)).as("exit code of %s after SIGTERM/SIGINT:%n%s", command,
                    launcher.output()).isEqualTo(128 + number);
            awaitGone(descendants, "processes started by " + command + " after SIG" + signal);
        }
    }

    /** Waits, at most {@link #STOP}, for every process to end; fails naming those still running. */
    private static void awaitGone(List<ProcessHandle> processes, String what) throws InterruptedException {
        long deadline = System.nanoTime() + STOP.toNanos();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException stillRunning) {
                // reported below
            }
        }
        List<String> alive = processes.stream().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        assertThat(alive).as("%s still running %d s later", what, STOP.toSeconds()).isEmpty();
    }

    private static Path logDir(String line) {
        Matcher m = LOG_DIR.matcher(line);
        assertThat(m.find()).as("log directory in: %s", line).isTrue();
        return Path.of(m.group(1));
    }

    private static Map<Path, Long> sizes(Path logDir) throws IOException {
        Map<Path, Long> sizes = new TreeMap<>();
        try (var files = Files.list(logDir)) {
            for (Path f : files.toList()) {
                sizes.put(f, Files.size(f));
            }
        }
        return sizes;
    }

    /** The CLI as its own JVM, its output collected line by line; closing it kills what is left. */
    private static final class Launcher implements AutoCloseable {

        private final Process process;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer output = new StringBuffer();
        private final List<ProcessHandle> seen = new ArrayList<>();

        private Launcher(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null;) {
                        output.append(l).append('\n');
                        lines.add(l);
                    }
                } catch (IOException ended) {
                    // the process is gone
                }
            }, "launcher-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Launcher start(Path home, String command) throws IOException {
            return start(home, command, "proc");
        }

        static Launcher start(Path home, String command, String plan) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            // surefire runs tests from a manifest-only jar: the real class path is in this property
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            // As ./dbrefresh execs it: with SIGINT back to its default, which a background job (e.g. this
            // test's Maven, started with & by a script) would otherwise pass on as ignored.
            List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT", java, "-cp", classPath,
                    "dev.dbrefresh.local.DbRefreshCli",
                    command, "--home", home.toString(), "--repo", Path.of("..").toAbsolutePath().normalize().toString(),
                    "--plans-file", plans.toString(), "--plan", plan, "--scale", "1"));
            return new Launcher(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        /** @return the first line containing {@code text}, waiting at most {@code bound} */
        String awaitLine(String text, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                String l = lines.poll(500, TimeUnit.MILLISECONDS);
                if (l != null && l.contains(text)) {
                    return l;
                }
                if (l == null && !process.isAlive() && lines.isEmpty()) {
                    fail("the launcher exited with %d before printing '%s':%n%s", process.exitValue(), text, output);
                }
            }
            return fail("no '%s' from the launcher within %d s:%n%s", text, bound.toSeconds(), output);
        }

        /** @return the launcher's exit code, waiting at most {@code bound} */
        int awaitExit(Duration bound) throws InterruptedException {
            if (!process.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
                fail("the launcher still runs %d s later:%n%s", bound.toSeconds(), output);
            }
            return process.exitValue();
        }

        /** @return the processes the launcher runs now (recorded, so that {@link #close()} kills them too) */
        List<ProcessHandle> descendants() {
            List<ProcessHandle> now = process.descendants().toList();
            seen.addAll(now);
            return now;
        }

        String output() {
            return output.toString();
        }

        @Override
        public void close() {
            process.descendants().forEach(seen::add);
            process.destroyForcibly();
            seen.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
