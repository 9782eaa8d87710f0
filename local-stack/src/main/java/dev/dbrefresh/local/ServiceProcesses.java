package dev.dbrefresh.local;

import dev.dbrefresh.runtime.local.LocalAws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The four services of the local stack, each its own JVM started from its runnable jar
 * ({@code <service>/target/<service>.jar}) with {@code MICRONAUT_ENVIRONMENTS=local}, logging to
 * {@code <home>/logs/<service>.log}.
 */
public final class ServiceProcesses implements AutoCloseable {

    /** The services, in pipeline order. */
    public static final List<String> SERVICES = List.of("snapshot-service", "cluster-service", "users-service",
            "notifier-service");

    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Path logDir;

    private ServiceProcesses(Path logDir) {
        this.logDir = logDir;
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
     * an AWS emulator) and waits until each answers {@code /health/readiness} with 200.
     *
     * @param repo       repository root (where the service modules are)
     * @param home       dbrefresh home (logs)
     * @param plansFile  plans file every service reads
     * @param env        environment variables of every service
     * @param properties JVM system properties of every service, e.g. {@code aws.services.rds.endpoint-override=...}
     * @param timeout    how long to wait for readiness
     * @return the running services
     * @throws IOException           when a jar is missing (build first) or a process cannot start
     * @throws IllegalStateException when a service is not ready in time (its log's tail is in the message)
     */
    public static ServiceProcesses start(Path repo, Path home, Path plansFile, Map<String, String> env,
            List<String> properties, Duration timeout) throws IOException, InterruptedException {
        Path logDir = home.resolve("logs");
        Files.createDirectories(logDir);
        ServiceProcesses all = new ServiceProcesses(logDir);
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            for (String service : SERVICES) {
                Path jar = repo.resolve(service).resolve("target").resolve(service + ".jar");
                if (!Files.isRegularFile(jar)) {
                    throw new IOException(jar + " is missing; build the services first: mvn -B -DskipTests package");
                }
                int port = LocalAws.freePort();
                List<String> command = new java.util.ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC", "-Xmx384m", "-Ddbrefresh.messaging.wait-time-seconds=2"));
                properties.forEach(p -> command.add("-D" + p));
                command.addAll(List.of("-jar", jar.toString()));
                ProcessBuilder pb = new ProcessBuilder(command);
                Map<String, String> processEnv = pb.environment();
                processEnv.putAll(env);
                processEnv.put("PORT", Integer.toString(port));
                processEnv.put("DBREFRESH_PLANS_FILE", plansFile.toString());
                Path log = logDir.resolve(service + ".log");
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                all.processes.put(service, pb.start());
                all.ports.put(service, port);
            }
            all.awaitReady(timeout);
            return all;
        } catch (IOException | RuntimeException | InterruptedException e) {
            all.close();
            throw e;
        }
    }

    /** @return HTTP port of each service */
    public Map<String, Integer> ports() {
        return ports;
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

    /** Stops every service: SIGTERM (graceful shutdown of the consumers), then kill after 40 s. */
    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(40, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
