package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.secrets.SecretResolver.SecretException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Against the real PostgreSQL server at 127.0.0.1:5432. The server trusts connections from 127.0.0.1, so a
 * login cannot prove a password; instead the stored SCRAM-SHA-256 verifier is recomputed from the secret
 * (RFC 5802 / RFC 7677), and grants are checked by connecting as the created role.
 */
class PgUserApplierTest {

    private static final PgTools TOOLS = new PgTools(null);
    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final String PASSWORD = "s3cret-'\"\\-pässwörd";
    private static final List<String> ROLES = new ArrayList<>();
    private static final EnvFileSecretResolver SECRETS =
            new EnvFileSecretResolver(Map.of("DBR_APP_PW", PASSWORD, "DBR_OTHER_PW", "other")::get);

    private static DatabaseEndpoint target;

    @BeforeAll
    static void createTarget() throws SQLException {
        String db = "dbr_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        exec(ADMIN, "CREATE DATABASE " + PgIdentifiers.quote(db));
        target = ADMIN.withDatabase(db);
        exec(target,
                "CREATE SCHEMA app",
                "CREATE TABLE app.granted (id int)", "INSERT INTO app.granted VALUES (1), (2), (3)",
                "CREATE TABLE app.not_granted (id int)", "INSERT INTO app.not_granted VALUES (1)",
                "CREATE SEQUENCE app.ids",
                "CREATE SCHEMA \"Other Schema\"",
                "CREATE TABLE \"Other Schema\".\"T 1\" (id int)", "CREATE TABLE \"Other Schema\".t2 (id int)");
    }

    @AfterAll
    static void dropTargetAndRoles() throws SQLException {
        exec(ADMIN, "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(target.database()) + " WITH (FORCE)");
        for (String r : ROLES) {
            exec(ADMIN, "DROP ROLE IF EXISTS " + PgIdentifiers.quote(r));
        }
    }

    private static String newRole() {
        String r = "dbr_t_u_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ROLES.add(r);
        return r;
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static Map<String, Object> role(String name) throws SQLException {
        try (Connection c = TOOLS.connect(ADMIN, null); PreparedStatement ps = c.prepareStatement(
                "SELECT rolcanlogin, rolpassword, rolsuper FROM pg_authid WHERE rolname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> m = new java.util.HashMap<>();
                m.put("login", rs.getBoolean(1));
                m.put("password", rs.getString(2));
                m.put("super", rs.getBoolean(3));
                return m;
            }
        }
    }

    /** Checks a {@code SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>} verifier against a password. */
    private static boolean scramMatches(String verifier, String password) throws Exception {
        String[] parts = verifier.split("\\$");
        String[] iterSalt = parts[1].split(":");
        String[] keys = parts[2].split(":");
        int iterations = Integer.parseInt(iterSalt[0]);
        byte[] salt = Base64.getDecoder().decode(iterSalt[1]);
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salted, "HmacSHA256"));
        byte[] clientKey = mac.doFinal("Client Key".getBytes(StandardCharsets.UTF_8));
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] serverKey = mac.doFinal("Server Key".getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(storedKey, Base64.getDecoder().decode(keys[0]))
                && MessageDigest.isEqual(serverKey, Base64.getDecoder().decode(keys[1]));
    }

    private static List<UserSpec> readerSpec(String name) {
        return List.of(new UserSpec(name, "env:DBR_APP_PW", true, List.of(
                new GrantSpec(List.of("CONNECT"), "database", null, null),
                new GrantSpec(List.of("usage"), "schema", "app", null),
                new GrantSpec(List.of("SELECT"), "table", "app", "granted"),
                new GrantSpec(List.of("USAGE", "SELECT"), "all-sequences", "app", null))));
    }

    @Test
    void apply_shouldCreateLoginRoleWithScramVerifierOfTheSecret() throws Exception {
        String name = newRole();

        List<String> applied = new PgUserApplier(TOOLS, SECRETS).apply(target, null, readerSpec(name));

        assertThat(applied).containsExactly(name);
        Map<String, Object> r = role(name);
        assertThat(r).isNotNull();
        assertThat(r.get("login")).isEqualTo(true);
        assertThat(r.get("super")).isEqualTo(false);
        String verifier = (String) r.get("password");
        assertThat(verifier).startsWith("SCRAM-SHA-256$").doesNotContain(PASSWORD);
        assertThat(scramMatches(verifier, PASSWORD)).as("verifier derives from the secret").isTrue();
        assertThat(scramMatches(verifier, "wrong")).isFalse();
    }

    @Test
    void apply_shouldMakeGrantsEffective_whenConnectedAsTheRole() throws Exception {
        String name = newRole();
        new PgUserApplier(TOOLS, SECRETS).apply(target, null, readerSpec(name));

        DatabaseEndpoint asUser = new DatabaseEndpoint("127.0.0.1", 5432, target.database(), name, null);
        try (Connection c = TOOLS.connect(asUser, "ignored-by-trust".toCharArray()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM app.granted")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3);
            }
            try (ResultSet rs = st.executeQuery("SELECT nextval('app.ids')")) {
                assertThat(rs.next()).isTrue();
            }
            SQLException insert = catchThrowableOfType(() -> st.execute("INSERT INTO app.granted VALUES (4)"),
                    SQLException.class);
            assertThat(insert.getSQLState()).isEqualTo("42501");
            SQLException other = catchThrowableOfType(() -> st.executeQuery("SELECT * FROM app.not_granted"),
                    SQLException.class);
            assertThat(other.getSQLState()).isEqualTo("42501");
        }
    }

    @Test
    void apply_shouldGrantOnAllTablesInSchema_withQuotedNames() throws Exception {
        String name = newRole();
        new PgUserApplier(TOOLS, SECRETS).apply(target, null, List.of(new UserSpec(name, null, true, List.of(
                new GrantSpec(List.of("CONNECT", "TEMP"), "database", null, null),
                new GrantSpec(List.of("USAGE"), "schema", "Other Schema", null),
                new GrantSpec(List.of("SELECT", "INSERT"), "all-tables", "Other Schema", null)))));

        assertThat(role(name).get("password")).as("no secret: no password").isNull();
        DatabaseEndpoint asUser = new DatabaseEndpoint("127.0.0.1", 5432, target.database(), name, null);
        try (Connection c = TOOLS.connect(asUser, null); Statement st = c.createStatement()) {
            st.execute("INSERT INTO \"Other Schema\".\"T 1\" VALUES (1)");
            st.execute("INSERT INTO \"Other Schema\".t2 VALUES (1)");
            st.execute("CREATE TEMP TABLE scratch (x int)");
            SQLException e = catchThrowableOfType(() -> st.execute("DELETE FROM \"Other Schema\".t2"), SQLException.class);
            assertThat(e.getSQLState()).isEqualTo("42501");
        }
    }

    @Test
    void apply_shouldBeIdempotent_andFollowLoginChanges() throws Exception {
        String name = newRole();
        PgUserApplier applier = new PgUserApplier(TOOLS, SECRETS);
        applier.apply(target, null, readerSpec(name));
        applier.apply(target, null, readerSpec(name));

        assertThat(role(name).get("login")).isEqualTo(true);
        assertThat(scramMatches((String) role(name).get("password"), PASSWORD)).isTrue();
        try (Connection c = TOOLS.connect(target, null); PreparedStatement ps = c.prepareStatement(
                "SELECT has_table_privilege(?, 'app.granted', 'SELECT'), has_table_privilege(?, 'app.granted', 'INSERT'),"
                        + " (SELECT count(*) FROM pg_roles WHERE rolname = ?)")) {
            ps.setString(1, name);
            ps.setString(2, name);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getBoolean(2)).isFalse();
                assertThat(rs.getInt(3)).isEqualTo(1);
            }
        }

        applier.apply(target, null, List.of(new UserSpec(name, "env:DBR_OTHER_PW", false, List.of())));
        assertThat(role(name).get("login")).isEqualTo(false);
        assertThat(scramMatches((String) role(name).get("password"), "other")).isTrue();
    }

    @Test
    void apply_shouldRefuseUnknownPrivilege_beforeAnyChange() throws SQLException {
        String valid = newRole();
        String invalid = newRole();
        List<UserSpec> users = List.of(readerSpec(valid).get(0), new UserSpec(invalid, null, true,
                List.of(new GrantSpec(List.of("SELECT", "SELECT ON app.granted TO public; --"), "table", "app", "granted"))));

        assertThatThrownBy(() -> new PgUserApplier(TOOLS, SECRETS).apply(target, null, users))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SELECT ON app.granted TO public; --")
                .hasMessageContaining("allowed").hasMessageContaining("TRUNCATE");
        assertThat(role(valid)).isNull();
        assertThat(role(invalid)).isNull();

        assertThatThrownBy(() -> new PgUserApplier(TOOLS, SECRETS).apply(target, null, List.of(new UserSpec(valid, null,
                true, List.of(new GrantSpec(List.of("USAGE"), "database", null, null))))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("USAGE").hasMessageContaining("CONNECT");
        assertThatThrownBy(() -> new PgUserApplier(TOOLS, SECRETS).apply(target, null, List.of(new UserSpec(valid, null,
                true, List.of(new GrantSpec(List.of("SELECT"), "function", "app", null))))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> new PgUserApplier(TOOLS, SECRETS).apply(target, null, List.of(
                new UserSpec("public", null, true, List.of())))).isInstanceOf(IllegalArgumentException.class);
        assertThat(role(valid)).isNull();
    }

    @Test
    void apply_shouldChangeNothing_whenALaterSecretCannotBeResolved() throws SQLException {
        String first = newRole();
        String second = newRole();
        List<UserSpec> users = List.of(readerSpec(first).get(0), new UserSpec(second, "env:DBR_NOT_SET", true, List.of()));

        assertThatThrownBy(() -> new PgUserApplier(TOOLS, SECRETS).apply(target, null, users))
                .isInstanceOf(SecretException.class).hasMessageContaining("DBR_NOT_SET");
        assertThat(role(first)).as("first user rolled back").isNull();
        assertThat(role(second)).isNull();
    }

    @Test
    void apply_shouldCreateRoleWithHostileName_andLeaveDatabasesIntact() throws Exception {
        String name = "x\"; DROP DATABASE postgres; --" + UUID.randomUUID().toString().substring(0, 8);
        ROLES.add(name);
        List<UserSpec> users = List.of(new UserSpec(name, "env:DBR_APP_PW", true, List.of(
                new GrantSpec(List.of("CONNECT"), "database", null, null),
                new GrantSpec(List.of("USAGE"), "schema", "app", null),
                new GrantSpec(List.of("SELECT"), "table", "app", "granted"))));
        PgUserApplier applier = new PgUserApplier(TOOLS, SECRETS);

        assertThat(applier.apply(target, null, users)).containsExactly(name);
        assertThat(applier.apply(target, null, users)).containsExactly(name);

        assertThat(scramMatches((String) role(name).get("password"), PASSWORD)).isTrue();
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname IN ('postgres', "
                     + PgIdentifiers.literal(target.database()) + ")")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
        DatabaseEndpoint asUser = new DatabaseEndpoint("127.0.0.1", 5432, target.database(), name, null);
        try (Connection c = TOOLS.connect(asUser, null); ResultSet rs = c.createStatement()
                .executeQuery("SELECT current_user, count(*) FROM app.granted GROUP BY 1")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(name);
            assertThat(rs.getInt(2)).isEqualTo(3);
        }
    }
}
