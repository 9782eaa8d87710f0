package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.testing.Bounded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** Runs real client programs and connects to the real server at 127.0.0.1:5432. */
class PgToolsTest {

    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);

    private final PgTools tools = new PgTools(null);

    @Test
    void binary_shouldFindPgDump_onPathOrUnderUsrLibPostgresql() {
        Path p = tools.binary("pg_dump");
        assertThat(p).isAbsolute();
        assertThat(Files.isExecutable(p)).isTrue();
        assertThat(tools.run(List.of(p.toString(), "--version"), null, null, Duration.ofSeconds(30)))
                .startsWith("pg_dump (PostgreSQL)");
    }

    @Test
    void binary_shouldNameThePackage_whenProgramIsMissing(@TempDir Path emptyBin) {
        assertThatThrownBy(() -> tools.binary("dbr_no_such_tool"))
                .isInstanceOf(PgToolException.class)
                .hasMessageContaining("apt-get install -y postgresql-client");
        assertThatThrownBy(() -> new PgTools(emptyBin).binary("pg_dump"))
                .isInstanceOf(PgToolException.class)
                .hasMessageContaining(emptyBin.toString())
                .hasMessageContaining("apt-get install -y postgresql-client");
        assertThatThrownBy(() -> tools.binary("../bin/sh")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void run_shouldPassPasswordInEnvironment_notOnCommandLine() {
        String out = tools.run(List.of("/bin/sh", "-c", "echo \"pw=$PGPASSWORD\"; cat /proc/$$/cmdline"), ADMIN,
                "s3cr\"et".toCharArray(), Duration.ofSeconds(30));
        assertThat(out).contains("pw=s3cr\"et");
        assertThat(out.substring(out.indexOf('\n') + 1)).doesNotContain("s3cr");
    }

    @Test
    void run_shouldGiveChildOnlyTheEnvironmentItNeeds_whenParentEnvironmentHoldsSecrets(@TempDir Path bin)
            throws Exception {
        // A pg_dump that records what it was given: its environment and its arguments.
        Path fake = bin.resolve("pg_dump");
        Files.writeString(fake, "#!/bin/sh\nenv > \"${0%/*}/child.env\"\nprintf '%s\\n' \"$@\" > \"${0%/*}/child.args\"\n");
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        Map<String, String> parent = new HashMap<>();
        parent.put("PATH", System.getenv("PATH"));
        parent.put("HOME", "/home/dbrefresh");
        parent.put("LANG", "C.UTF-8");
        parent.put("LC_MESSAGES", "C");
        parent.put("TZ", "UTC");
        parent.put("DBR_ACC_PASSWORD", "planted-plan-password");
        parent.put("AWS_SECRET_ACCESS_KEY", "planted-aws-secret-key");
        parent.put("AWS_SESSION_TOKEN", "planted-aws-session-token");
        parent.put("PGPASSWORD", "planted-inherited-pgpassword");
        parent.put("PGHOST", "planted.example.com");
        char[] password = new dev.dbrefresh.runtime.secrets.EnvFileSecretResolver(parent::get).resolve("env:DBR_ACC_PASSWORD");
        PgTools fakeTools = new PgTools(bin, parent, PgTools.Timeouts.DEFAULT);
        DatabaseEndpoint ep = ADMIN.withDatabase("dbr_t_env");

        List<String> cmd = new java.util.ArrayList<>(List.of("pg_dump", "--format=custom"));
        cmd.addAll(PgTools.connectionOptions(ep));
        fakeTools.run(cmd, ep, password, Duration.ofSeconds(30));

        Map<String, String> childEnv = new HashMap<>();
        for (String line : Files.readAllLines(bin.resolve("child.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                childEnv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        String args = Files.readString(bin.resolve("child.args"));
        // PWD is set by the shell running the fake tool itself, not passed by PgTools.
        childEnv.remove("PWD");
        assertThat(childEnv).containsOnlyKeys("PATH", "HOME", "LANG", "LC_MESSAGES", "TZ", "PGPASSWORD",
                "PGCONNECT_TIMEOUT", "PGAPPNAME");
        assertThat(childEnv).containsEntry("PGPASSWORD", "planted-plan-password").containsEntry("PGCONNECT_TIMEOUT", "5")
                .containsEntry("PATH", System.getenv("PATH"));
        assertThat(String.join("\n", childEnv.values())).doesNotContain("planted-aws").doesNotContain("planted-inherited")
                .doesNotContain("planted.example.com");
        assertThat(args).doesNotContain("planted").contains("--no-password").contains("--host=127.0.0.1");
    }

    @Test
    void run_shouldNotPassThisJvmsEnvironment_toARealChild() {
        java.util.function.Predicate<String> passed = n -> PgTools.INHERITED_VARIABLES.contains(n) || n.startsWith("LC_")
                || List.of("PGPASSWORD", "PGCONNECT_TIMEOUT", "PGAPPNAME").contains(n);
        List<String> jvmOnly = System.getenv().keySet().stream().filter(passed.negate()).toList();
        assertThat(jvmOnly).as("variables of this JVM a child must not get (none: the test would prove nothing)")
                .isNotEmpty();

        String out = tools.run(List.of("/usr/bin/env"), null, "pw".toCharArray(), Duration.ofSeconds(30));

        List<String> names = out.lines().filter(l -> l.indexOf('=') > 0).map(l -> l.substring(0, l.indexOf('='))).toList();
        assertThat(names).contains("PATH", "PGPASSWORD").allMatch(passed).doesNotContainAnyElementsOf(jvmOnly);
    }

    @Test
    void run_shouldApplyPgOptionsToTheChildsSessions_andNotToOtherRuns() {
        List<String> show = new java.util.ArrayList<>(List.of("psql", "-X", "-A", "-t", "-c",
                "SELECT current_setting('synchronous_commit') || ' ' || current_setting('maintenance_work_mem')"
                        + " || ' ' || current_setting('backend_flush_after')"));
        show.addAll(PgTools.connectionOptions(ADMIN));

        String tuned = tools.run(show, ADMIN, null, Duration.ofSeconds(30), PgRestorer.bulkLoadOptions(2));
        String plain = tools.run(show, ADMIN, null, Duration.ofSeconds(30));

        assertThat(tuned.trim()).isEqualTo("off " + PgRestorer.RESTORE_MAINTENANCE_WORK_MEM + " 2MB");
        assertThat(plain.trim()).doesNotStartWith("off ").doesNotContain(" " + PgRestorer.RESTORE_MAINTENANCE_WORK_MEM)
                .doesNotEndWith(" 2MB");
    }

    @Test
    void run_shouldReportExitCodeAndLastTwentyStderrLines_whenToolFails() {
        PgToolException e = catchThrowableOfType(() -> tools.run(List.of("/bin/sh", "-c",
                "for i in $(seq 1 50); do echo line$i >&2; done; exit 3"), ADMIN, null, Duration.ofSeconds(30)),
                PgToolException.class);
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.stderrTail().split("\n")).hasSize(PgTools.STDERR_TAIL_LINES).startsWith("line31").endsWith("line50");
        assertThat(e.getMessage()).contains("exit code 3").contains("line50").doesNotContain("line30\n")
                .contains(ADMIN.display());
    }

    @Test
    void run_shouldReportPgDumpError_whenDatabaseDoesNotExist() {
        String missing = "dbr_t_missing_" + UUID.randomUUID().toString().substring(0, 8);
        PgToolException e = catchThrowableOfType(() -> tools.run(List.of("pg_dump", "--schema-only",
                "--host=127.0.0.1", "--port=5432", "--username=postgres", "--no-password",
                "--dbname=" + PgTools.dbnameConninfo(missing)), ADMIN.withDatabase(missing), null, Duration.ofSeconds(30)),
                PgToolException.class);
        assertThat(e.exitCode()).isEqualTo(1);
        assertThat(e.stderrTail()).contains(missing).contains("does not exist");
    }

    @Test
    void run_shouldKillTheProcess_whenTimeoutExpires() {
        // That it was killed rather than waited for is proved by the next test (its child is gone).
        PgToolException e = catchThrowableOfType(() -> tools.run(List.of("/bin/sh", "-c", "echo started >&2; sleep 30"),
                null, null, Duration.ofMillis(500)), PgToolException.class);
        assertThat(e.exitCode()).isEqualTo(PgToolException.NO_EXIT_CODE);
        assertThat(e.getMessage()).contains("did not finish within").contains("started");
    }

    @Test
    void run_shouldKillTheProcessAndItsChildren_whenDeadlineExpires(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        PgToolException e = catchThrowableOfType(() -> tools.run(List.of("/bin/sh", "-c",
                "sleep 300 & echo $! > '" + pidFile + "'; echo waiting >&2; wait"), null, null, Duration.ofSeconds(2)),
                PgToolException.class);

        assertThat(e.getMessage()).contains("did not finish within its deadline of 2 s").contains("was killed")
                .contains("waiting");
        long childPid = Long.parseLong(Files.readString(pidFile).trim());
        await("the tool's child process " + childPid + " gone").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(childPid).map(ph -> !ph.isAlive()).orElse(true));
    }

    @Test
    void connect_shouldSetLockAndStatementTimeoutsSocketTimeoutAndKeepalive() throws SQLException {
        try (Connection c = tools.connect(ADMIN, null); Statement st = c.createStatement()) {
            assertThat(show(st, "lock_timeout")).isEqualTo("30s");
            assertThat(show(st, "statement_timeout")).isEqualTo("1h");
            // pgjdbc's socketTimeout is the socket's SO_TIMEOUT, which getNetworkTimeout reports (ms)
            assertThat(c.getNetworkTimeout()).isEqualTo((3600 + PgTools.SOCKET_TIMEOUT_MARGIN_SECONDS) * 1000);
            assertThat(c.getClientInfo("ApplicationName")).isEqualTo("dbrefresh");
        }
        List<String> options = PgTools.connectionOptions(ADMIN);
        assertThat(options.get(options.size() - 1)).startsWith("--dbname=").contains("keepalives=1")
                .contains("keepalives_idle=60");
    }

    @Test
    void connect_shouldFailWithLockTimeout_whenAnotherSessionHoldsTheLock() throws Exception {
        String db = "dbr_t_lock_" + UUID.randomUUID().toString().substring(0, 8);
        PgTools impatient = new PgTools(null, new PgTools.Timeouts(Duration.ofMillis(500), Duration.ofHours(1)));
        try (Connection admin = tools.connect(ADMIN, null); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(db));
            try {
                DatabaseEndpoint ep = ADMIN.withDatabase(db);
                try (Connection holder = tools.connect(ep, null); Statement h = holder.createStatement()) {
                    h.execute("CREATE TABLE t (id int)");
                    holder.setAutoCommit(false);
                    h.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");

                    // bounded: a DDL that hangs on the lock fails the test here instead of hanging it
                    Throwable failed = Bounded.failureOf(Duration.ofSeconds(60), () -> {
                        try (Connection c = impatient.connect(ep, null); Statement s = c.createStatement()) {
                            return s.execute("ALTER TABLE t ADD COLUMN note text");
                        }
                    });
                    assertThat(failed).as("ALTER TABLE while another session holds the lock")
                            .isInstanceOf(SQLException.class).hasMessageContaining("lock timeout");
                    assertThat(((SQLException) failed).getSQLState()).isEqualTo("55P03");
                    holder.rollback();
                }
            } finally {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            }
        }
    }

    @Test
    void connect_shouldCancelStatement_whenItRunsPastTheStatementTimeout() throws SQLException {
        PgTools impatient = new PgTools(null, new PgTools.Timeouts(Duration.ofSeconds(30), Duration.ofMillis(300)));
        try (Connection c = impatient.connect(ADMIN, null); Statement st = c.createStatement()) {
            SQLException e = catchThrowableOfType(() -> st.execute("SELECT pg_sleep(30)"), SQLException.class);
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(e.getMessage()).contains("statement timeout");
        }
    }

    private static String show(Statement st, String setting) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connect_shouldReachDatabasesWhoseNamesContainUrlCharacters() throws SQLException {
        String db = "dbr_t_" + UUID.randomUUID().toString().substring(0, 8) + "/a?b&c=d e%'\\x";
        try (Connection admin = tools.connect(ADMIN, null); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + PgIdentifiers.quote(db));
            try {
                try (Connection c = tools.connect(ADMIN.withDatabase(db), null);
                     ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo(db);
                }
                // and the client programs reach it too
                String out = tools.run(List.of("pg_dump", "--schema-only", "--host=127.0.0.1", "--port=5432",
                        "--username=postgres", "--no-password", "--dbname=" + PgTools.dbnameConninfo(db)),
                        ADMIN.withDatabase(db), null, Duration.ofSeconds(30));
                assertThat(out).contains("PostgreSQL database dump");
            } finally {
                st.execute("DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            }
        }
    }

    @Test
    void connect_shouldFailWithSqlException_whenDatabaseDoesNotExist() {
        assertThatThrownBy(() -> tools.connect(ADMIN.withDatabase("dbr_t_missing_" + UUID.randomUUID()), null))
                .isInstanceOf(SQLException.class).hasMessageContaining("does not exist");
    }
}
