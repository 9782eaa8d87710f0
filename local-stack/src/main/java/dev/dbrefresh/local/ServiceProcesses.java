package dev.dbrefresh.local;

import dev.dbrefresh.local.aws.LocalAws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The four services of the local stack, each its own JVM started from its runnable jar
 * ({@code <service>/target/<service>.jar}) with {@code MICRONAUT_ENVIRONMENTS=local}, logging to
 * {@code <home>/logs/<stack id>/<service>.log} ({@code <home>/logs/latest} links to the newest).
 *
 * <p>Child processes do not die with their parent: a shutdown hook stops them when this JVM ends on
 * SIGTERM or SIGINT (Ctrl-C), and {@code <home>/services.pids} records them so that the next start
 * stops services left over by a launcher that was killed without running its hooks (SIGKILL).
 */
public final class ServiceProcesses implements AutoCloseable {

    /** The services, in pipeline order. */
    public static final List<String> SERVICES = List.of("snapshot-service", "cluster-service", "users-service",
            "notifier-service");

    /**
     * The JVM options of every service on the local stack, sized to its work (issue 11: each under 256 MiB
     * resident): the client compiler only ({@code TieredStopAtLevel=1}: the services mostly wait on I/O, and C2's
     * threads and code would cost memory and start-up CPU), the serial collector (two cores shared by four JVMs and
     * the emulators), and a heap that starts small and grows to at most 384 MiB ({@code -Xms32m}: the JVM's default
     * initial heap is 1/64 of the machine's memory, which on 24 GiB committed the whole 384 MiB at start), given back
     * when it is mostly free again ({@code MaxHeapFreeRatio}).
     */
    public static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m",
            "-Xmx384m", "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40");

    /** How long {@link #close()} waits for the services' graceful shutdown before it kills them. */
    static final Duration GRACEFUL_STOP = Duration.ofSeconds(30);
    /**
     * The graceful stop of a stack whose services write their class data archives as they exit
     * ({@link #classDataSharing}): writing one takes several seconds per service, and more on a busy machine.
     */
    static final Duration GRACEFUL_STOP_WRITING_ARCHIVES = Duration.ofSeconds(120);
    /** How long {@link #close()} waits for killed processes to be gone. */
    static final Duration FORCED_STOP = Duration.ofSeconds(10);

    private static final DateTimeFormatter STACK_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Long> startedAt = new LinkedHashMap<>();
    private final Map<String, Duration> readiness = new LinkedHashMap<>();
    private final Map<String, ProcessBuilder> builders = new LinkedHashMap<>();
    private final Path logDir;
    private final Path pidFile;
    private final Thread shutdownHook = new Thread(this::stopAll, "dbrefresh-stop-services");
    private boolean closed;
    /** How long {@link #close()} waits for a graceful shutdown: longer where a service writes its class data archive. */
    private volatile Duration gracefulStop = GRACEFUL_STOP;
    /** Completed when the first {@link #close()} has stopped every process. */
    private final java.util.concurrent.CompletableFuture<Void> stopped = new java.util.concurrent.CompletableFuture<>();

    private ServiceProcesses(Path logDir, Path pidFile) {
        this.logDir = logDir;
        this.pidFile = pidFile;
    }

    /**
     * Starts the services and waits until each answers {@code /health/readiness} with 200.
     *
     * @param repo      repository root (where the service modules are)
     * @param home      dbrefresh home (logs)
     * @param aws       the running emulators
     * @param plansFile plans file every service reads
     * @param extraEnv  more environment variables (e.g. secrets referenced as {@code env:})
     * @param timeout   how long to wait for readiness
     * @return the running services
     * @throws IOException           when a jar is missing (build first) or a process cannot start
     * @throws IllegalStateException when a service is not ready in time (its log's tail is in the message)
     */
    public static ServiceProcesses start(Path repo, Path home, LocalAws aws, Path plansFile, Map<String, String> extraEnv,
            Duration timeout) throws IOException, InterruptedException {
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("MICRONAUT_ENVIRONMENTS", "local");
        env.put("AWS_SQS_ENDPOINT", aws.sqsEndpoint());
        env.put("AWS_DYNAMODB_ENDPOINT", aws.dynamoEndpoint());
        return start(repo, home, plansFile, env, List.of(), timeout);
    }

    /**
     * Starts the services with the given environment (e.g. {@code MICRONAUT_ENVIRONMENTS=aws} against
     * an AWS emulator) and waits until each answers {@code /health/readiness} with 200. Services that
     * an earlier launcher on the same home left running (it was killed before it could stop them) are
     * stopped first, and each such process is reported on standard error.
     *
     * @param repo       repository root (where the service modules are)
     * @param home       dbrefresh home: logs go to {@code <home>/logs/<stack id>/}, pids to
     *                   {@code <home>/services.pids}
     * @param plansFile  plans file every service reads
     * @param env        environment variables of every service
     * @param properties JVM system properties of every service, e.g. {@code aws.services.rds.endpoint-override=...}
     * @param timeout    how long to wait for readiness
     * @return the running services, stopped by {@link #close()} or, at the latest, when this JVM exits
     * @throws IOException           when a jar is missing (build first) or a process cannot start
     * @throws IllegalStateException when a service is not ready in time (its log's tail is in the message)
     */
    public static ServiceProcesses start(Path repo, Path home, Path plansFile, Map<String, String> env,
            List<String> properties, Duration timeout) throws IOException, InterruptedException {
        return start(repo, home, plansFile, env, properties, Map.of(), timeout);
    }

    /**
     * As {@link #start(Path, Path, Path, Map, List, Duration)}, with JVM system properties of one service each
     * on top of those of every service, e.g. each service's own {@code aws.access-key-id} (a test that runs each
     * service with the credentials of its own IAM policy).
     *
     * @param repo               repository root (where the service modules are)
     * @param home               dbrefresh home (logs, pids)
     * @param plansFile          plans file every service reads
     * @param env                environment variables of every service
     * @param properties         JVM system properties of every service
     * @param serviceProperties  more JVM system properties by service name (one of {@link #SERVICES}); a service
     *                           missing from the map gets none
     * @param timeout            how long to wait for readiness
     * @return the running services
     * @throws IOException              when a jar is missing (build first) or a process cannot start
     * @throws IllegalArgumentException when {@code serviceProperties} names a service that is not one of {@link #SERVICES}
     * @throws IllegalStateException    when a service is not ready in time (its log's tail is in the message)
     */
    public static ServiceProcesses start(Path repo, Path home, Path plansFile, Map<String, String> env,
            List<String> properties, Map<String, List<String>> serviceProperties, Duration timeout)
            throws IOException, InterruptedException {
        if (!SERVICES.containsAll(serviceProperties.keySet())) {
            throw new IllegalArgumentException("serviceProperties names " + serviceProperties.keySet()
                    + "; the services are " + SERVICES);
        }
        Path pidFile = home.resolve("services.pids");
        stopLeftovers(pidFile).forEach(line -> System.err.println("dbrefresh: " + line));
        Path logDir = newLogDir(home.resolve("logs"));
        ServiceProcesses all = new ServiceProcesses(logDir, pidFile);
        String java = ProcessHandle.current().info().command().orElse("java");
        // Registered before the first child starts, so that a signal during start-up stops what started.
        Runtime.getRuntime().addShutdownHook(all.shutdownHook);
        try {
            for (String service : SERVICES) {
                Path jar = repo.resolve(service).resolve("target").resolve(service + ".jar");
                if (!Files.isRegularFile(jar)) {
                    throw new IOException(jar + " is missing; build the services first: mvn -B -DskipTests package");
                }
                int port = LocalAws.freePort();
                List<String> command = new java.util.ArrayList<>(JVM_OPTIONS);
                command.add(0, java);
                command.add("-Ddbrefresh.messaging.wait-time-seconds=2");
                List<String> cds = classDataSharing(home, service, jar);
                if (cds.stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="))) {
                    all.gracefulStop = GRACEFUL_STOP_WRITING_ARCHIVES;
                }
                command.addAll(cds);
                properties.forEach(p -> command.add("-D" + p));
                serviceProperties.getOrDefault(service, List.of()).forEach(p -> command.add("-D" + p));
                command.addAll(List.of("-jar", jar.toString()));
                ProcessBuilder pb = new ProcessBuilder(command);
                Map<String, String> processEnv = pb.environment();
                processEnv.putAll(env);
                processEnv.put("PORT", Integer.toString(port));
                // glibc's malloc keeps an arena per thread that allocates; two are plenty for a service's few busy
                // threads and keep the native heap (outside the JVM's own accounting) small
                processEnv.putIfAbsent("MALLOC_ARENA_MAX", "2");
                processEnv.put("DBREFRESH_PLANS_FILE", plansFile.toString());
                Path log = logDir.resolve(service + ".log");
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                all.add(service, port, pb);
            }
            all.awaitReady(timeout);
            return all;
        } catch (IOException | RuntimeException | InterruptedException e) {
            all.close();
            throw e;
        }
    }

    /** Environment variable that turns on {@link #classDataSharing}: {@code on}; anything else leaves it off. */
    public static final String CDS_ENV = "DBREFRESH_CDS";

    /**
     * Application class data sharing (AppCDS, JDK 17: https://docs.oracle.com/en/java/javase/17/vm/class-data-sharing.html)
     * where {@value #CDS_ENV}{@code =on} ({@code ./dbrefresh} and {@code bench/run} set it): the first start of a jar
     * records the classes it loaded into {@code <home>/cds/<service>-<jar size>-<jar mtime>.jsa} when the service stops
     * ({@code -XX:ArchiveClassesAtExit}); every later start of the same jar maps them from there
     * ({@code -XX:SharedArchiveFile}) instead of loading and verifying them again, which shortens the start and shares
     * those pages between runs. A rebuilt jar gets a new archive (the older ones of that service are deleted); an archive
     * the JVM cannot use (a service killed while writing it) is ignored by the JVM, which then starts as without one,
     * and is replaced once that service stops normally. Tests leave it off (no archive written at every stop).
     *
     * @return the JVM options, empty when off
     */
    static List<String> classDataSharing(Path home, String service, Path jar) throws IOException {
        if (!"on".equals(System.getenv(CDS_ENV))) {
            return List.of();
        }
        Path dir = home.resolve("cds");
        Path archive = dir.resolve(service + "-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis()
                + ".jsa");
        if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
            return List.of("-XX:SharedArchiveFile=" + archive);
        }
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
            for (Path p : old.filter(f -> f.getFileName().toString().startsWith(service + "-")).toList()) {
                Files.deleteIfExists(p);
            }
        }
        // the dump's notes on classes it leaves out (none of them an error) stay out of the service's log
        return List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /**
     * Creates {@code <logs>/<stack id>/}, a directory of this stack's own, and points
     * {@code <logs>/latest} at it.
     */
    private static Path newLogDir(Path logs) throws IOException {
        Files.createDirectories(logs);
        String stackId = "stack-" + STACK_TIME.format(Instant.now()) + "-" + ProcessHandle.current().pid();
        Path dir = logs.resolve(stackId);
        for (int i = 2; Files.exists(dir); i++) {
            dir = logs.resolve(stackId + "-" + i);
        }
        Files.createDirectories(dir);
        Path latest = logs.resolve("latest");
        Path link = logs.resolve(".latest-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, dir.getFileName());
            Files.move(link, latest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException noLink) {
            // only a convenience: the directory itself is printed at start-up
            Files.deleteIfExists(link);
        }
        return dir;
    }

    /** Starts one service, unless this instance is already stopped (a signal arrived meanwhile). */
    private synchronized void add(String service, int port, ProcessBuilder pb) throws IOException {
        if (closed) {
            throw new IllegalStateException("stopping: " + service + " is not started");
        }
        startedAt.put(service, System.nanoTime());
        Process p = pb.start();
        processes.put(service, p);
        ports.put(service, port);
        builders.put(service, pb);
        writePids();
    }

    /**
     * Kills one service with SIGKILL, as a crash would: no shutdown hook, no release of its claims, its message
     * left in flight; the processes it started (pg_restore) are left as such a crash leaves them. For fault
     * injection (the reliability tests).
     *
     * @param service a service name
     * @throws InterruptedException when interrupted while waiting for it to be gone
     */
    public void kill(String service) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = processes.get(service);
        }
        p.destroyForcibly();
        p.waitFor(FORCED_STOP.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Starts a killed service again with the same command, port and environment, its log appended to, and waits
     * until every service is ready.
     *
     * @param service a service name
     * @param timeout how long to wait for readiness
     * @throws IOException           when the process cannot start
     * @throws InterruptedException  when interrupted while waiting
     * @throws IllegalStateException when it still runs, or is not ready in time
     */
    public void restart(String service, Duration timeout) throws IOException, InterruptedException {
        restart(service, Map.of(), timeout);
    }

    /**
     * As {@link #restart(String, Duration)}, with environment variables of that service set anew from this start
     * on, e.g. the reliability suite's fault-injection holds without those already used up.
     *
     * @param service     a service name
     * @param environment variables to set (an empty value sets the variable to the empty string)
     * @param timeout     how long to wait for readiness
     * @throws IOException           when the process cannot start
     * @throws InterruptedException  when interrupted while waiting
     * @throws IllegalStateException when it still runs, or is not ready in time
     */
    public void restart(String service, Map<String, String> environment, Duration timeout) throws IOException,
            InterruptedException {
        synchronized (this) {
            if (processes.get(service).isAlive()) {
                throw new IllegalStateException(service + " still runs; kill it first");
            }
            ProcessBuilder pb = builders.get(service);
            pb.environment().putAll(environment);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(service + ".log").toFile()));
            add(service, ports.get(service), pb);
        }
        awaitReady(timeout);
    }

    /**
     * {@code <home>/services.pids}: one line for this launcher, then one per service, each
     * {@code <name> <pid> <start time, ms since epoch>}.
     */
    private void writePids() throws IOException {
        StringBuilder text = new StringBuilder(line("launcher", ProcessHandle.current()));
        processes.forEach((service, p) -> text.append(line(service, p.toHandle())));
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String line(String name, ProcessHandle p) {
        return name + " " + p.pid() + " " + p.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n";
    }

    /**
     * Stops the services recorded in a pid file whose launcher is gone (killed before its shutdown
     * hook could run). A recorded pid counts only when its process has the recorded start time, so
     * a reused pid is never touched; nothing is stopped while the recorded launcher still runs.
     *
     * @param pidFile {@code <home>/services.pids}
     * @return one line per process stopped, for the user
     */
    static List<String> stopLeftovers(Path pidFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(pidFile);
        } catch (IOException none) {
            return List.of();
        }
        Map<String, ProcessHandle> alive = new LinkedHashMap<>();
        for (String l : lines) {
            String[] f = l.trim().split(" ");
            if (f.length != 3 || !f[1].matches("\\d{1,18}") || !f[2].matches("\\d{1,18}")) {
                continue;
            }
            long start = Long.parseLong(f[2]);
            ProcessHandle.of(Long.parseLong(f[1])).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == start)
                    .ifPresent(p -> alive.put(f[0], p));
        }
        if (alive.containsKey("launcher")) {
            return List.of();
        }
        List<String> stopped = new ArrayList<>();
        alive.forEach((service, p) -> stopped.add("stopped " + service + " (pid " + p.pid()
                + "), left running by an earlier launcher that was killed"));
        stop(List.copyOf(alive.values()), GRACEFUL_STOP);
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // rewritten by the next start
        }
        return stopped;
    }

    /** @return the directory of this stack's service logs, {@code <home>/logs/<stack id>} */
    public Path logDir() {
        return logDir;
    }

    /** @return HTTP port of each service */
    public Map<String, Integer> ports() {
        return ports;
    }

    /** @return process id of each service, in pipeline order (for {@code /proc/<pid>/status}) */
    public synchronized Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        processes.forEach((service, p) -> pids.put(service, p.pid()));
        return pids;
    }

    /**
     * @return per service, the time from starting its process to its first {@code /health/readiness} 200 (as
     *         seen by polling every 250 ms, so up to that much late), in the order they became ready
     */
    public Map<String, Duration> readiness() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(readiness));
    }

    /**
     * Saves what each service's {@code /prometheus} answers now to {@code <log dir>/<service>.prometheus}, beside its
     * log, so the metrics of a run outlive the processes. A service that does not answer within 5 s gets a file
     * saying why instead.
     *
     * @return the files written, by service
     * @throws IOException when a file cannot be written
     */
    public Map<String, Path> saveMetrics() throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<String, Path> saved = new LinkedHashMap<>();
        for (var e : ports.entrySet()) {
            String text;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.getValue()
                        + "/prometheus")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                text = r.statusCode() == 200 ? r.body() : "# /prometheus answered " + r.statusCode() + "\n" + r.body();
            } catch (IOException | InterruptedException failed) {
                if (failed instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                text = "# /prometheus did not answer: " + failed + "\n";
            }
            Path file = logDir.resolve(e.getKey() + ".prometheus");
            Files.writeString(file, text);
            saved.put(e.getKey(), file);
        }
        return saved;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> waiting = new ArrayList<>(SERVICES);
        while (!waiting.isEmpty()) {
            for (var it = waiting.iterator(); it.hasNext();) {
                String service = it.next();
                Process p = processes.get(service);
                if (!p.isAlive()) {
                    throw new IllegalStateException(service + " exited with code " + p.exitValue() + ":\n" + logTail(service));
                }
                try {
                    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(service)
                            + "/health/readiness")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        readiness.put(service, Duration.ofNanos(System.nanoTime() - startedAt.get(service)));
                        it.remove();
                    }
                } catch (IOException notYet) {
                    // still starting
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("services not ready after " + timeout.toSeconds() + " s: " + waiting
                        + "\n" + logTail(waiting.get(0)));
            }
            Thread.sleep(250);
        }
    }

    /**
     * @param service a service name
     * @return the last 30 lines of its log
     */
    public String logTail(String service) {
        try {
            List<String> lines = Files.readAllLines(logDir.resolve(service + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops every service and what it started (pg_dump, pg_restore): SIGTERM (graceful shutdown of the
     * consumers), then SIGKILL for what still runs after {@link #GRACEFUL_STOP} ({@link #GRACEFUL_STOP_WRITING_ARCHIVES}
     * where services write their class data archives); returns when all are
     * gone or {@link #FORCED_STOP} later. Idempotent: a second caller returns once the first one has
     * stopped them. Also runs as this JVM's shutdown hook.
     */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself or while the JVM exits: nothing to unregister
        }
    }

    private void stopAll() {
        List<ProcessHandle> all = new ArrayList<>();
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
            if (first) {
                for (Process p : processes.values()) {
                    all.add(p.toHandle());
                    p.descendants().forEach(all::add);
                }
            }
        }
        if (!first) {
            // Another caller (the shutdown hook, say) is stopping them: return only once they are gone.
            try {
                stopped.get(gracefulStop.plus(FORCED_STOP).plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // the first caller's bounded stop is all there is
            }
            return;
        }
        try {
            stop(all, gracefulStop);
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a pid file without live processes is ignored by the next start
        } finally {
            stopped.complete(null);
        }
    }

    /** SIGTERM to all, a bounded wait, then SIGKILL to their descendants and to what still runs. */
    private static void stop(List<ProcessHandle> processes, Duration graceful) {
        processes.forEach(ProcessHandle::destroy);
        awaitExit(processes, graceful);
        List<ProcessHandle> left = new ArrayList<>();
        for (ProcessHandle p : processes) {
            p.descendants().forEach(left::add);
            if (p.isAlive()) {
                left.add(p);
            }
        }
        left.forEach(ProcessHandle::destroyForcibly);
        awaitExit(left, FORCED_STOP);
    }

    private static void awaitExit(List<ProcessHandle> processes, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException stillRunning) {
                // the caller kills what is left
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
