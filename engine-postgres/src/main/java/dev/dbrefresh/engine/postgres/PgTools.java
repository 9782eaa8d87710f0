package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Access to a PostgreSQL server: JDBC connections (pgjdbc) and the client programs ({@code pg_dump},
 * {@code pg_restore}, ...), run as child processes.
 *
 * <p>Passwords are handed to child processes in the {@code PGPASSWORD} environment variable, never on
 * the command line (which other local users can read from {@code /proc}); see the libpq docs,
 * "Environment Variables" (https://www.postgresql.org/docs/15/libpq-envars.html).
 *
 * <p>A child process does not inherit this process's environment, which holds the service's own
 * secrets (AWS keys, {@code env:} secret references of other plans, a {@code PGPASSWORD} meant for
 * someone else). It gets only {@link #INHERITED_VARIABLES} and the {@code LC_*} locale variables from
 * this process, plus {@code PGPASSWORD} (when a password is given), {@code PGCONNECT_TIMEOUT=5} and
 * {@code PGAPPNAME=dbrefresh}, and {@code PGOPTIONS} where the caller gives session settings. Other
 * {@code PG*} variables of this process are not passed: JDBC connections do not read them either, so both
 * kinds of connection reach the same server the same way.
 *
 * <p>Nothing waits forever (issue 7, property 9). Every JDBC connection has pgjdbc's
 * {@code connectTimeout} ({@value #CONNECT_TIMEOUT_SECONDS} s), {@code tcpKeepAlive=true}, and session
 * settings {@code lock_timeout} and {@code statement_timeout} from {@link Timeouts} (DDL and verification
 * statements give up on a lock another session holds instead of hanging); its {@code socketTimeout} is
 * the statement timeout plus {@value #SOCKET_TIMEOUT_MARGIN_SECONDS} s, so it only fires when the server
 * is gone, never before the server's own statement timeout. Every child process has a deadline
 * ({@link #run}); the tools' {@code --dbname} carries libpq's {@code keepalives} parameters
 * ({@link #KEEPALIVE_CONNINFO}): libpq has no environment variables for them, and a long
 * {@code pg_restore} would otherwise rely on the OS default of 2 hours of idleness before the first
 * keepalive (libpq docs, "Parameter Key Words", https://www.postgresql.org/docs/15/libpq-connect.html;
 * pgjdbc "Connection Parameters", https://jdbc.postgresql.org/documentation/use/).
 *
 * <p>Thread-safe: instances hold no mutable state.
 */
public final class PgTools {

    /** Number of standard-error lines of a failed tool kept in {@link PgToolException}. */
    public static final int STDERR_TAIL_LINES = 20;

    /** Connect timeout of JDBC connections and child processes, in seconds. */
    public static final int CONNECT_TIMEOUT_SECONDS = 5;

    /**
     * Margin of pgjdbc's {@code socketTimeout} over the session's {@code statement_timeout}, in seconds:
     * the server cancels a long statement first and says why; the socket timeout only catches a server or
     * network that stopped answering.
     */
    public static final int SOCKET_TIMEOUT_MARGIN_SECONDS = 60;

    /**
     * libpq connection parameters every tool's {@code --dbname} carries: TCP keepalives on, the first
     * probe after 60 s of idleness (a NAT gateway or load balancer drops idle flows after a few minutes,
     * e.g. 350 s on an AWS NAT gateway), then every 10 s, the connection declared dead after 6 lost probes.
     */
    public static final String KEEPALIVE_CONNINFO = "keepalives=1 keepalives_idle=60 keepalives_interval=10"
            + " keepalives_count=6";

    /**
     * The session limits of JDBC connections.
     *
     * @param lockTimeout      PostgreSQL {@code lock_timeout}: how long a statement waits for a lock another
     *                         session holds (a table, a database, an advisory lock) before it fails with
     *                         SQLState {@code 55P03}; at least 1 ms
     * @param statementTimeout PostgreSQL {@code statement_timeout}: how long one statement may run before the
     *                         server cancels it (SQLState {@code 57014}); at least 1 ms
     */
    public record Timeouts(Duration lockTimeout, Duration statementTimeout) {

        /**
         * 30 s for locks; 1 hour per statement: dbrefresh's longest statements are a {@code count(*)} of the
         * largest table (verification, manifests) and {@code DROP DATABASE} of a large target, well under it
         * at the sizes dbrefresh is measured with (STACK.md: scale 50, 755 MB, in seconds).
         */
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(30), Duration.ofHours(1));

        /** Checks both durations. */
        public Timeouts {
            if (lockTimeout == null || lockTimeout.toMillis() < 1 || statementTimeout == null
                    || statementTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("lock and statement timeouts must be at least 1 ms, got "
                        + lockTimeout + " and " + statementTimeout);
            }
        }
    }

    /** Where Debian/Ubuntu packages install the server and client programs, one directory per major version. */
    static final Path DEBIAN_LIB_DIR = Path.of("/usr/lib/postgresql");

    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final int MAX_STDERR_LINE_CHARS = 2000;

    /**
     * Variables a child process inherits from this process: {@code PATH} (programs the tools run),
     * {@code HOME} (libpq's {@code ~/.pgpass} and {@code ~/.postgresql/} certificates), {@code LANG} and
     * {@code TZ} (messages and times); the {@code LC_*} variables are inherited as well.
     */
    public static final Set<String> INHERITED_VARIABLES = Set.of("PATH", "HOME", "LANG", "TZ");

    private final Path binDir;
    private final Map<String, String> parentEnvironment;
    private final Timeouts timeouts;

    /**
     * @param binDir directory holding {@code pg_dump}, {@code pg_restore}, ... (e.g.
     *               {@code /usr/lib/postgresql/15/bin}); {@code null} to look a program up on
     *               {@code PATH} first and then in the newest {@code /usr/lib/postgresql/<version>/bin}
     */
    public PgTools(Path binDir) {
        this(binDir, Timeouts.DEFAULT);
    }

    /**
     * @param binDir   as for {@link #PgTools(Path)}
     * @param timeouts session limits of the JDBC connections this instance opens
     */
    public PgTools(Path binDir, Timeouts timeouts) {
        this(binDir, System.getenv(), timeouts);
    }

    /**
     * @param binDir            as for {@link #PgTools(Path)}
     * @param parentEnvironment the environment this process has, from which children inherit
     *                          {@link #INHERITED_VARIABLES} and {@code LC_*} (tests plant secrets here)
     * @param timeouts          session limits of JDBC connections
     */
    PgTools(Path binDir, Map<String, String> parentEnvironment, Timeouts timeouts) {
        this.binDir = binDir;
        this.parentEnvironment = Map.copyOf(parentEnvironment);
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    }

    /** @return the session limits of the JDBC connections this instance opens */
    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Finds a client program.
     *
     * @param name program name, e.g. {@code pg_dump} (no directory part)
     * @return the absolute path of an executable file
     * @throws IllegalArgumentException when the name contains a path separator or other unexpected characters
     * @throws PgToolException          when the program is not found; the message says what to install
     */
    public Path binary(String name) {
        if (name == null || !TOOL_NAME.matcher(name).matches() || name.startsWith(".")) {
            throw new IllegalArgumentException("'" + name + "' is not a program name; pass a bare name such as pg_dump");
        }
        if (binDir != null) {
            Path p = binDir.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
            throw new PgToolException(name + " not found in configured PostgreSQL bin directory " + binDir
                    + "; point it at the directory holding the client programs (e.g. /usr/lib/postgresql/15/bin) or"
                    + " install them: apt-get install -y postgresql-client");
        }
        String path = parentEnvironment.get("PATH");
        if (path != null) {
            for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir).resolve(name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
        }
        Optional<Path> fromLib = newestDebianBinary(name);
        if (fromLib.isPresent()) {
            return fromLib.get();
        }
        throw new PgToolException(name + " not found on PATH nor in " + DEBIAN_LIB_DIR + "/<version>/bin;"
                + " install the PostgreSQL client programs: apt-get install -y postgresql-client (its major version"
                + " must be at least the server's)");
    }

    private static Optional<Path> newestDebianBinary(String name) {
        if (!Files.isDirectory(DEBIAN_LIB_DIR)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_LIB_DIR)) {
            return versions
                    .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .sorted(Comparator.comparingDouble((Path v) -> Double.parseDouble(v.getFileName().toString()))
                            .reversed())
                    .map(v -> v.resolve("bin").resolve(name))
                    .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Opens a JDBC connection (pgjdbc) to the endpoint's database, in auto-commit mode, with the limits
     * described on the type: connect timeout, TCP keepalive, {@code lock_timeout} and {@code statement_timeout}
     * of {@link #timeouts()}, socket timeout just above the statement timeout.
     *
     * @param ep       the server and database; its user name is used, its password reference is ignored
     * @param password the user's password, or {@code null} where the server trusts the connection; not
     *                 cleared by this method
     * @return an open connection; the caller closes it
     * @throws SQLException when the server cannot be reached within {@value #CONNECT_TIMEOUT_SECONDS} s or
     *                      refuses the login; later, on a statement, SQLState {@code 55P03} when a lock was
     *                      not granted within the lock timeout and {@code 57014} when it ran past the
     *                      statement timeout
     */
    public Connection connect(DatabaseEndpoint ep, char[] password) throws SQLException {
        Objects.requireNonNull(ep, "endpoint");
        Properties props = new Properties();
        props.setProperty("user", ep.username());
        if (password != null) {
            props.setProperty("password", new String(password));
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("tcpKeepAlive", "true");
        long statementMillis = timeouts.statementTimeout().toMillis();
        props.setProperty("socketTimeout", Long.toString(
                Math.min(Integer.MAX_VALUE / 1000, statementMillis / 1000 + SOCKET_TIMEOUT_MARGIN_SECONDS)));
        // Session settings sent with the startup packet, in milliseconds (the settings' unit without a suffix).
        props.setProperty("options", "-c lock_timeout=" + timeouts.lockTimeout().toMillis()
                + " -c statement_timeout=" + statementMillis);
        props.setProperty("ApplicationName", "dbrefresh");
        return DriverManager.getConnection(jdbcUrl(ep), props);
    }

    /**
     * Builds a JDBC URL whose database name is URL-encoded, so names with {@code /}, {@code ?} or
     * {@code &} cannot change the URL's meaning (pgjdbc URL-decodes the database part).
     */
    static String jdbcUrl(DatabaseEndpoint ep) {
        String host = ep.host().contains(":") && !ep.host().startsWith("[") ? "[" + ep.host() + "]" : ep.host();
        return "jdbc:postgresql://" + host + ":" + ep.port() + "/"
                + URLEncoder.encode(ep.database(), StandardCharsets.UTF_8);
    }

    /**
     * A libpq connection string that names only a database, for a tool's {@code --dbname} option. A
     * plain name containing {@code =} or starting with {@code postgresql://} would otherwise be read as a
     * connection string; values are single-quoted with {@code \} and {@code '} backslash-escaped as the
     * libpq docs require ("Connection Strings", https://www.postgresql.org/docs/15/libpq-connect.html).
     *
     * @param database a database name
     * @return e.g. {@code dbname='my db'}
     */
    public static String dbnameConninfo(String database) {
        PgIdentifiers.quote(database);
        return "dbname='" + database.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /**
     * The connection options every tool call uses, in their unambiguous {@code --option=value} form
     * (a value starting with {@code -} cannot be mistaken for an option): host, port, user,
     * {@code --no-password} (never prompt) and {@code --dbname} as a connection string.
     *
     * The connection string also carries {@link #KEEPALIVE_CONNINFO}.
     *
     * @param ep the server and database
     * @return e.g. {@code [--host=127.0.0.1, --port=5432, --username=postgres, --no-password,
     *         --dbname=dbname='x' keepalives=1 ...]}
     */
    public static List<String> connectionOptions(DatabaseEndpoint ep) {
        return List.of("--host=" + ep.host(), "--port=" + ep.port(), "--username=" + ep.username(), "--no-password",
                "--dbname=" + dbnameConninfo(ep.database()) + " " + KEEPALIVE_CONNINFO);
    }

    /**
     * Runs a client program and waits for it.
     *
     * @param command  the program and its arguments; a first element without a directory part is
     *                 looked up with {@link #binary(String)}
     * @param ep       the endpoint the program talks to, for {@code PGPASSWORD} and messages; may be
     *                 {@code null} for a call that connects nowhere (e.g. {@code --version})
     * @param password the password put into the child's {@code PGPASSWORD}, or {@code null} for none
     *                 (trust, or {@code ~/.pgpass}); not cleared by this method
     * @param timeout  how long the program may run; on expiry it and its child processes are killed
     * @return the program's standard output (UTF-8)
     * @throws PgToolException when the program is not found, cannot be started, exits with a non-zero
     *                         code or times out; it carries the exit code and the last
     *                         {@value #STDERR_TAIL_LINES} lines of standard error
     */
    public String run(List<String> command, DatabaseEndpoint ep, char[] password, Duration timeout) {
        return run(command, ep, password, timeout, null);
    }

    /**
     * Runs a client program with session settings for every connection it opens, and waits for it.
     *
     * @param command    as for {@link #run(List, DatabaseEndpoint, char[], Duration)}
     * @param ep         as there
     * @param password   as there
     * @param timeout    as there
     * @param pgOptions  libpq's {@code PGOPTIONS} for the child, e.g. {@code -c synchronous_commit=off}: settings
     *                   the server applies to each session at connection start (libpq docs, "Environment
     *                   Variables", https://www.postgresql.org/docs/15/libpq-envars.html), or {@code null} for none
     * @return the program's standard output (UTF-8)
     * @throws PgToolException as there
     */
    public String run(List<String> command, DatabaseEndpoint ep, char[] password, Duration timeout, String pgOptions) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("command must name a program");
        }
        Objects.requireNonNull(timeout, "timeout");
        List<String> cmd = new ArrayList<>(command);
        String program = cmd.get(0);
        if (!program.contains("/") && !program.contains(File.separator)) {
            cmd.set(0, binary(program).toString());
        }
        String tool = Path.of(cmd.get(0)).getFileName().toString();
        String where = ep == null ? "" : " against " + ep.display();

        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        // Not this JVM's environment: it holds secrets the tool does not need (see the type's Javadoc).
        env.clear();
        parentEnvironment.forEach((name, value) -> {
            if (INHERITED_VARIABLES.contains(name) || name.startsWith("LC_")) {
                env.put(name, value);
            }
        });
        if (password != null) {
            env.put("PGPASSWORD", new String(password));
        }
        env.put("PGCONNECT_TIMEOUT", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        env.put("PGAPPNAME", "dbrefresh");
        if (pgOptions != null) {
            env.put("PGOPTIONS", pgOptions);
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));

        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PgToolException("cannot start " + tool + where + ": " + e.getMessage()
                    + "; install the PostgreSQL client programs: apt-get install -y postgresql-client",
                    PgToolException.NO_EXIT_CODE, "", e);
        }
        StreamCollector out = new StreamCollector(process.getInputStream(), false);
        StreamCollector err = new StreamCollector(process.getErrorStream(), true);
        Thread outThread = startDaemon(out, tool + "-stdout");
        Thread errThread = startDaemon(err, tool + "-stderr");
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new PgToolException(tool + where + " was interrupted and killed", PgToolException.NO_EXIT_CODE,
                    err.tail(), e);
        }
        if (!finished) {
            kill(process);
            join(outThread);
            join(errThread);
            String tail = err.tail();
            throw new PgToolException(tool + where + " did not finish within its deadline of " + timeout.toSeconds()
                    + " s (" + timeout + ") and was killed with its child processes; find out what it waited for"
                    + " (locks, network, server load) or raise the deadline"
                    + (tail.isEmpty() ? "" : "; last stderr lines:\n" + tail), PgToolException.NO_EXIT_CODE, tail, null);
        }
        join(outThread);
        join(errThread);
        int code = process.exitValue();
        if (code != 0) {
            String tail = err.tail();
            throw new PgToolException(tool + where + " failed with exit code " + code
                    + (tail.isEmpty() ? " and no error output" : "; last stderr lines:\n" + tail), code, tail, null);
        }
        if (out.failure != null) {
            throw new UncheckedIOException("cannot read the output of " + tool, out.failure);
        }
        return out.text();
    }

    private static Thread startDaemon(Runnable r, String name) {
        Thread t = new Thread(r, "pgtools-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process and its descendants (pg_restore -j forks workers). */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains one output stream: all of stdout, or the last lines of stderr. */
    private static final class StreamCollector implements Runnable {
        private final InputStream in;
        private final boolean tailOnly;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final Deque<String> lines = new ArrayDeque<>();
        private volatile IOException failure;

        StreamCollector(InputStream in, boolean tailOnly) {
            this.in = in;
            this.tailOnly = tailOnly;
        }

        @Override
        public void run() {
            try (InputStream s = in) {
                if (tailOnly) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8));
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (lines) {
                            lines.addLast(line.length() > MAX_STDERR_LINE_CHARS
                                    ? line.substring(0, MAX_STDERR_LINE_CHARS) + "..." : line);
                            while (lines.size() > STDERR_TAIL_LINES) {
                                lines.removeFirst();
                            }
                        }
                    }
                } else {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = s.read(buf)) >= 0) {
                        synchronized (all) {
                            all.write(buf, 0, n);
                        }
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
        }

        String tail() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        String text() {
            synchronized (all) {
                return all.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
