package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link MySqlUserApplier} and {@link MySqlVerifier} against a real MySQL-compatible server, written once against
 * {@link #server()}: {@link MySqlUserApplierTest} runs it here on the machine's MariaDB, {@link
 * MySqlUserApplierContainerTest} on MySQL 8.4 where Docker exists. Each run creates a uniquely named
 * database with a table whose name needs quoting, applies users with hostile names and passwords, checks
 * the grants by connecting as those users, and drops everything afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MySqlUserApplierBehaviour {

    /**
     * The server under test.
     *
     * @param host         its host
     * @param port         its port
     * @param rootPassword root's password, or {@code null} for none
     */
    record Server(String host, int port, char[] rootPassword) {
    }

    /**
     * @return the server the behaviours run against (the only thing a subclass provides); may abort the class
     *         with a reason when the server is not there
     */
    protected abstract Server server();

    private MySqlTarget root;
    private static final String HOSTILE_TABLE = "we`ird 'tab\\le";
    private static final String PASSWORD = "s3cret-'\"\\-`pässwörd; DROP USER x";
    private static final Map<String, String> ENV = new HashMap<>();
    private static final EnvFileSecretResolver SECRETS = new EnvFileSecretResolver(ENV::get);
    private final List<String> users = new ArrayList<>();

    private char[] rootPassword;
    private MySqlTarget target;
    private MySqlTarget emptyTarget;
    private final MySqlUserApplier applier = new MySqlUserApplier(SECRETS);

    @BeforeAll
    void createDatabase() throws SQLException {
        Server server = server();
        rootPassword = server.rootPassword();
        root = new MySqlTarget(server.host(), server.port(), "test", "root", false);
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        target = new MySqlTarget(server.host(), server.port(), "dbr_my_" + suffix, "root", false);
        emptyTarget = new MySqlTarget(server.host(), server.port(), "dbr_my_empty_" + suffix, "root", false);
        String db = MySqlIdentifiers.quote(target.database(), "db");
        rootExec("CREATE DATABASE " + db, "CREATE DATABASE " + MySqlIdentifiers.quote(emptyTarget.database(), "db"),
                "CREATE TABLE " + db + ".granted (id int)", "INSERT INTO " + db + ".granted VALUES (1), (2), (3)",
                "CREATE TABLE " + db + ".not_granted (id int)", "INSERT INTO " + db + ".not_granted VALUES (1)",
                "CREATE TABLE " + db + "." + MySqlIdentifiers.quote(HOSTILE_TABLE, "t") + " (id int)",
                "INSERT INTO " + db + "." + MySqlIdentifiers.quote(HOSTILE_TABLE, "t") + " VALUES (7), (8)",
                "CREATE VIEW " + db + ".a_view AS SELECT id FROM " + db + ".granted");
        ENV.put("DBR_PW", PASSWORD);
        ENV.put("DBR_OTHER_PW", "other-'pw");
    }

    @AfterAll
    void dropEverything() throws SQLException {
        if (target == null) {
            return;
        }
        rootExec("DROP DATABASE IF EXISTS " + MySqlIdentifiers.quote(target.database(), "db"),
                "DROP DATABASE IF EXISTS " + MySqlIdentifiers.quote(emptyTarget.database(), "db"));
        try (Connection c = root.connect(rootPassword)) {
            for (String u : users) {
                try (PreparedStatement ps = c.prepareStatement("DROP USER IF EXISTS ?@'%'")) {
                    ps.setString(1, u);
                    ps.execute();
                }
            }
        }
    }

    @Test
    void apply_shouldCreateUserThatCanSelectButNotInsert_whenAppliedTwice() throws SQLException {
        String user = newUser("dbr_u'\"`\\");
        List<UserSpec> users = List.of(new UserSpec(user, "env:DBR_PW", true,
                List.of(new GrantSpec(List.of("select"), "database", null, null))));

        assertThat(applier.apply(target, rootPassword, users)).containsExactly(user);
        assertThat(applier.apply(target, rootPassword, users)).containsExactly(user);

        try (Connection c = target.as(user).connect(PASSWORD.toCharArray()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + db() + ".granted")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(3);
            }
            SQLException denied = catchThrowableOfType(SQLException.class,
                    () -> st.execute("INSERT INTO " + db() + ".granted VALUES (4)"));
            assertThat(denied.getErrorCode()).as("ER_TABLEACCESS_DENIED_ERROR").isEqualTo(1142);
        }
        assertThat(accountCount(user)).isEqualTo(1);
    }

    @Test
    void apply_shouldGrantOnlyTheNamedTable_whenGrantIsOnATableWithAHostileName() throws SQLException {
        String user = newUser("dbr_t");
        applier.apply(target, rootPassword, List.of(new UserSpec(user, "env:DBR_PW", true,
                List.of(new GrantSpec(List.of("SELECT"), "table", target.database(), HOSTILE_TABLE)))));

        try (Connection c = target.as(user).connect(PASSWORD.toCharArray()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT SUM(id) FROM " + db() + "."
                    + MySqlIdentifiers.quote(HOSTILE_TABLE, "t"))) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(15);
            }
            SQLException denied = catchThrowableOfType(SQLException.class,
                    () -> st.executeQuery("SELECT * FROM " + db() + ".granted"));
            assertThat(denied.getErrorCode()).isEqualTo(1142);
        }
    }

    @Test
    void apply_shouldResetThePassword_whenTheUserExists() throws SQLException {
        String user = newUser("dbr_p");
        applier.apply(target, rootPassword, List.of(new UserSpec(user, "env:DBR_PW", true, List.of())));
        applier.apply(target, rootPassword, List.of(new UserSpec(user, "env:DBR_OTHER_PW", true, List.of())));

        SQLException old = catchThrowableOfType(SQLException.class,
                () -> target.as(user).connect(PASSWORD.toCharArray()).close());
        assertThat(old.getErrorCode()).as("ER_ACCESS_DENIED_ERROR").isEqualTo(1045);
        try (Connection c = target.as(user).connect("other-'pw".toCharArray())) {
            assertThat(c.isValid(2)).isTrue();
        }
    }

    @Test
    void apply_shouldLockTheAccount_whenLoginIsFalse() throws SQLException {
        String user = newUser("dbr_l");
        applier.apply(target, rootPassword, List.of(new UserSpec(user, "env:DBR_PW", false, List.of())));

        assertThatThrownBy(() -> target.as(user).connect(PASSWORD.toCharArray()).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("locked");
    }

    @Test
    void apply_shouldRefuseAndChangeNothing_whenAPrivilegeIsNotWhitelisted() throws SQLException {
        String good = newUser("dbr_g");
        String bad = newUser("dbr_b");
        List<UserSpec> users = List.of(
                new UserSpec(good, "env:DBR_PW", true, List.of(new GrantSpec(List.of("SELECT"), "database", null, null))),
                new UserSpec(bad, "env:DBR_PW", true,
                        List.of(new GrantSpec(List.of("SELECT ON *.* TO x; --"), "database", null, null))));

        assertThatThrownBy(() -> applier.apply(target, rootPassword, users)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not allowed on database");
        assertThat(accountCount(good)).isZero();
        assertThat(accountCount(bad)).isZero();
    }

    @Test
    void apply_shouldRefuse_whenGrantIsOnSequencesOrUserIsReserved() {
        assertThatThrownBy(() -> applier.apply(target, rootPassword, List.of(new UserSpec("dbr_s", "env:DBR_PW", true,
                List.of(new GrantSpec(List.of("USAGE"), "all-sequences", "x", null))))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not have");
        assertThatThrownBy(() -> applier.apply(target, rootPassword, List.of(new UserSpec("rdsadmin", "env:DBR_PW", true,
                List.of())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> applier.apply(target, rootPassword, List.of(new UserSpec("root", "env:DBR_PW", true,
                List.of())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("master user");
    }

    @Test
    void count_shouldReturnExactCountsOfBaseTables_whenDatabaseHasTables() {
        List<TableRowCount> counts = new MySqlVerifier().count(target, rootPassword);

        assertThat(counts).containsExactly(
                new TableRowCount(target.database(), "granted", 3),
                new TableRowCount(target.database(), "not_granted", 1),
                new TableRowCount(target.database(), HOSTILE_TABLE, 2));
    }

    @Test
    void count_shouldReturnNothing_whenDatabaseIsEmpty() {
        assertThat(new MySqlVerifier().count(emptyTarget, rootPassword)).isEmpty();
    }

    private String newUser(String prefix) {
        String u = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        users.add(u);
        return u;
    }

    private String db() {
        return MySqlIdentifiers.quote(target.database(), "db");
    }

    private long accountCount(String user) throws SQLException {
        try (Connection c = root.connect(rootPassword);
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '%'")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void rootExec(String... sql) throws SQLException {
        try (Connection c = root.connect(rootPassword); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
