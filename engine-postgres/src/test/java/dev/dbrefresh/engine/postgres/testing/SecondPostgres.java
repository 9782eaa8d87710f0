package dev.dbrefresh.engine.postgres.testing;

import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second, throwaway PostgreSQL cluster on a free port, for tests that need another server (another
 * system identifier): {@code initdb --no-sync} into a temporary directory and {@code pg_ctl start},
 * run as user {@code postgres} when the test runs as root (initdb refuses root). Stopped and deleted by
 * {@link #close()}. Uses the server binaries of the machine's PostgreSQL ({@value #BIN}).
 */
public final class SecondPostgres implements AutoCloseable {

    /** Where the Debian package puts the server binaries. */
    public static final String BIN = "/usr/lib/postgresql/15/bin";

    private final Path dir;
    private final int port;
    /** The extra {@code -c name=value} settings of {@link #start(List)}, kept for {@link #startAgain()}. */
    private final String settings;

    private SecondPostgres(Path dir, int port, String settings) {
        this.dir = dir;
        this.port = port;
        this.settings = settings;
    }

    /** @return whether this machine can start one ({@value #BIN}/initdb exists) */
    public static boolean available() {
        return Files.isExecutable(Path.of(BIN, "initdb")) && Files.isExecutable(Path.of(BIN, "pg_ctl"));
    }

    /**
     * @return a running cluster with trust authentication for superuser {@code postgres}
     * @throws IOException when initdb or pg_ctl fails (their output is in the message)
     */
    public static SecondPostgres start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /**
     * As {@link #start()}, with more server settings, e.g. {@code log_statement=all} for a test that reads what the
     * server was asked ({@link #log()}).
     *
     * @param settings {@code name=value} settings, each passed as {@code -c name=value} (no spaces or quotes)
     * @return a running cluster with trust authentication for superuser {@code postgres}
     * @throws IOException when initdb or pg_ctl fails (their output is in the message)
     * @throws IllegalArgumentException when a setting is not of the form {@code name=value} without spaces or quotes
     */
    public static SecondPostgres start(List<String> settings) throws IOException, InterruptedException {
        for (String setting : settings) {
            if (!setting.matches("[a-z_.]+=[^\\s'\"]+")) {
                throw new IllegalArgumentException("a server setting is name=value without spaces or quotes: "
                        + setting);
            }
        }
        StringBuilder extra = new StringBuilder();
        settings.forEach(setting -> extra.append(" -c ").append(setting));
        Path dir = Files.createTempDirectory("dbr-second-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path data = dir.resolve("data");
        int port = LocalAws.freePort();
        run(List.of(BIN + "/initdb", "-D", data.toString(), "-A", "trust", "--no-sync", "-U", "postgres"), dir);
        SecondPostgres server = new SecondPostgres(dir, port, extra.toString());
        server.startAgain();
        return server;
    }

    /**
     * Stops the server ({@code pg_ctl stop -m fast}: open sessions are ended, as in an outage), keeping its data
     * directory, so {@link #startAgain()} brings it back on the same port with the same databases.
     *
     * @throws IOException when pg_ctl fails (its output is in the message)
     */
    public void stop() throws IOException, InterruptedException {
        run(List.of(BIN + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), dir);
    }

    /**
     * Starts the server (again, after {@link #stop()}) on its port and waits until it accepts connections.
     *
     * @throws IOException when pg_ctl fails (its output is in the message), e.g. the port was taken meanwhile
     */
    public void startAgain() throws IOException, InterruptedException {
        run(List.of(BIN + "/pg_ctl", "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-l",
                dir.resolve("log").toString(), "-o", "-p " + port + " -c fsync=off -c listen_addresses=127.0.0.1 -k "
                + dir + settings, "start"), dir);
    }

    /** @return the server's log file (pg_ctl's {@code -l}) */
    public Path log() {
        return dir.resolve("log");
    }

    /** @return its TCP port */
    public int port() {
        return port;
    }

    /**
     * @param database a database name
     * @return that database on this server, as superuser {@code postgres} without a password
     */
    public DatabaseEndpoint endpoint(String database) {
        return new DatabaseEndpoint("127.0.0.1", port, database, "postgres", null);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            run(List.of(BIN + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), dir);
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("su", "postgres", "-s", "/bin/sh", "-c", String.join(" ", command.stream()
                    .map(SecondPostgres::shellQuote).toList())));
        } else {
            cmd.addAll(command);
        }
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(command.get(0) + " failed (exit " + p.exitValue() + "): " + out);
        }
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
