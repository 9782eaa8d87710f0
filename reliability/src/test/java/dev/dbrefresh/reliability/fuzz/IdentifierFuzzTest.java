package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.engine.mongodb.DumpLayout;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.rds.ClusterIdentifiers;
import dev.dbrefresh.engine.rds.mysql.MySqlIdentifiers;
import dev.dbrefresh.reliability.Figures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identifiers and passwords that are hostile (quotes, backslashes, NUL, semicolons, unicode, broken UTF-16, very
 * long): {@link PgIdentifiers} (identifiers and string literals), {@link MySqlIdentifiers}, {@link ClusterIdentifiers}
 * (RDS/DocumentDB names dbrefresh derives) and {@link DumpLayout}'s collection file names (the MongoDB equivalent).
 * Each is refused with an {@link IllegalArgumentException} naming the rule, or quoted/escaped so that it round-trips:
 * for PostgreSQL checked by the real server at 127.0.0.1:5432 ({@code SELECT <literal> AS <identifier>} in every try,
 * and in fewer tries a real {@code CREATE ROLE} with a random prefix, read back from {@code pg_roles} and dropped).
 * Where no server listens the server half of a try is skipped and counted as not run (figure
 * {@code fuzz-server-checks}).
 */
class IdentifierFuzzTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String PREFIX = "fz" + UUID.randomUUID().toString().substring(0, 6) + "_";
    private static Connection pg;

    @BeforeAll
    static void connect() {
        try {
            pg = DriverManager.getConnection(URL, "postgres", "");
        } catch (SQLException e) {
            System.out.println("fuzz: no PostgreSQL at " + URL + " (" + e.getMessage() + "): server round trips skipped");
            pg = null;
        }
    }

    @AfterAll
    static void dropAndClose() throws SQLException {
        if (pg == null) {
            return;
        }
        try (Statement s = pg.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE '" + PREFIX + "%'")) {
            java.util.List<String> left = new java.util.ArrayList<>();
            while (rs.next()) {
                left.add(rs.getString(1));
            }
            for (String r : left) {
                try (Statement d = pg.createStatement()) {
                    d.execute("DROP ROLE " + PgIdentifiers.quote(r));
                }
            }
        }
        pg.close();
    }

    @Test
    void pgIdentifierAndLiteral_areRefused_orQuotedSoTheyRoundTrip() {
        Property.check("pgIdentifierAndLiteral_areRefused_orQuotedSoTheyRoundTrip", 10_000, hostile(), hostile(),
                this::pgIdentifierAndLiteral_areRefused_orQuotedSoTheyRoundTrip);
    }

    void pgIdentifierAndLiteral_areRefused_orQuotedSoTheyRoundTrip(String name,
            String password) {
        String identifier = Fuzz.expect("pg-identifier", () -> PgIdentifiers.quote(PgIdentifiers.requireValid(name,
                "name")), IllegalArgumentException.class);
        String literal = Fuzz.expect("pg-literal", () -> PgIdentifiers.literal(password), IllegalArgumentException.class);
        if (identifier != null) {
            assertThat(identifier).startsWith("\"").endsWith("\"");
            String inner = identifier.substring(1, identifier.length() - 1);
            assertThat(inner.replace("\"\"", "")).doesNotContain("\"");
            assertThat(inner.replace("\"\"", "\"")).isEqualTo(name);
        }
        if (literal != null) {
            assertThat(literal).matches("(?s)E?'.*'");
        }
    }

    /** The same through the real server (fewer tries: a round trip each), with either string syntax of the server. */
    @Test
    void pgIdentifierAndLiteral_roundTripThroughTheServer() {
        Property.check("pgIdentifierAndLiteral_roundTripThroughTheServer", 3_000, hostile(), hostile(), Gen.booleans(),
                this::pgIdentifierAndLiteral_roundTripThroughTheServer);
    }

    void pgIdentifierAndLiteral_roundTripThroughTheServer(String name,
            String password, boolean standardStrings) throws SQLException {
        String identifier = Fuzz.expect("pg-identifier", () -> PgIdentifiers.quote(PgIdentifiers.requireValid(name,
                "name")), IllegalArgumentException.class);
        String literal = Fuzz.expect("pg-literal", () -> PgIdentifiers.literal(password), IllegalArgumentException.class);
        if (pg == null || identifier == null || literal == null) {
            return;
        }
        try (Statement s = pg.createStatement()) {
            s.execute("SET standard_conforming_strings = " + (standardStrings ? "on" : "off"));
            try (ResultSet rs = s.executeQuery("SELECT " + literal + " AS " + identifier)) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(password);
                assertThat(rs.getMetaData().getColumnLabel(1)).isEqualTo(name);
            }
        }
        Figures.add("fuzz-pg-identifier", "fuzz-server-checks", 1);
    }

    /** Real roles: fewer tries (each is a catalog write), every role dropped at the end. */
    @Test
    void pgRole_withAHostileNameAndPassword_isCreatedAsWritten() {
        Property.check("pgRole_withAHostileNameAndPassword_isCreatedAsWritten", 300, hostile(), hostile(),
                this::pgRole_withAHostileNameAndPassword_isCreatedAsWritten);
    }

    void pgRole_withAHostileNameAndPassword_isCreatedAsWritten(String suffix,
            String password) throws SQLException {
        String name = PREFIX + suffix;
        String role = Fuzz.expect("pg-role", () -> PgIdentifiers.quote(PgIdentifiers.requireValid(name, "role name")),
                IllegalArgumentException.class);
        String literal = Fuzz.expect("pg-role-password", () -> PgIdentifiers.literal(password),
                IllegalArgumentException.class);
        if (pg == null || role == null || literal == null) {
            return;
        }
        try (Statement s = pg.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD " + literal);
            try (PreparedStatement q = pg.prepareStatement("SELECT count(*) FROM pg_roles WHERE rolname = ?")) {
                q.setString(1, name);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("role %s", name).isEqualTo(1);
                }
            }
            s.execute("DROP ROLE " + role);
        }
        Figures.add("fuzz-pg-role", "fuzz-server-checks", 1);
    }

    @Test
    void mySqlIdentifier_isRefused_orQuotedSoItRoundTrips() {
        Property.check("mySqlIdentifier_isRefused_orQuotedSoItRoundTrips", 10_000, hostile(),
                this::mySqlIdentifier_isRefused_orQuotedSoItRoundTrips);
    }

    void mySqlIdentifier_isRefused_orQuotedSoItRoundTrips(String name) {
        String quoted = Fuzz.expect("mysql-identifier", () -> MySqlIdentifiers.quote(name, "table name"),
                IllegalArgumentException.class);
        if (quoted != null) {
            assertThat(quoted).startsWith("`").endsWith("`");
            String inner = quoted.substring(1, quoted.length() - 1);
            assertThat(inner.replace("``", "")).doesNotContain("`");
            assertThat(inner.replace("``", "`")).isEqualTo(name);
        }
    }

    @Test
    void clusterIdentifier_isAlwaysAValidRdsName() {
        Property.check("clusterIdentifier_isAlwaysAValidRdsName", 10_000, hostile(), hostile(),
                this::clusterIdentifier_isAlwaysAValidRdsName);
    }

    void clusterIdentifier_isAlwaysAValidRdsName(String raw, String runId) {
        String id = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.of(raw));
        assertThat(id).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(63);
        assertThat(ClusterIdentifiers.of(raw)).isEqualTo(id);
        String old = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.oldCluster("shop-acceptance", runId));
        assertThat(old).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(63);
        String fin = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.finalSnapshot("shop-acceptance", runId));
        assertThat(fin).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(255);
    }

    @Test
    void mongoCollectionFileName_isRefused_orEscapedSoItRoundTrips() {
        Property.check("mongoCollectionFileName_isRefused_orEscapedSoItRoundTrips", 10_000, hostile(), hostile(),
                this::mongoCollectionFileName_isRefused_orEscapedSoItRoundTrips);
    }

    void mongoCollectionFileName_isRefused_orEscapedSoItRoundTrips(String collection,
            String fileStem) {
        String escaped = Fuzz.expect("mongo-collection-file", () -> DumpLayout.escape(collection),
                IllegalArgumentException.class);
        if (escaped != null) {
            assertThat(escaped).matches("[A-Za-z0-9\\-_.~$&+,:;=@%]*");
            String back = DumpLayout.unescape(escaped);
            // a Java string with a broken surrogate has no UTF-8 form: what is written is its UTF-8 replacement
            assertThat(back).isEqualTo(new String(collection.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        // a foreign dump's file names: any stem unescapes or is refused
        Fuzz.expect("mongo-collection-file", () -> DumpLayout.unescape(fileStem), IllegalArgumentException.class);
    }

    Gen<String> hostile() {
        return Gen.frequencyOf(Gen.weighted(8, Fuzz.hostile()), Gen.weighted(1, Gen.of("a", "A", "select",
                "user", "\"", "\"\"", "'", "\\", "a\\'b", "x\0y", "é", "😀😀😀", "\uD800x", "x".repeat(63), "é".repeat(32),
                "é".repeat(31), "-", "--x", "1abc", "", " ", "a ", "%", "%2", "%GG", "%41", "%-1", "%+F")));
    }
}
