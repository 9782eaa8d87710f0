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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

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
@AddLifecycleHook(FuzzSeed.class)
class IdentifierFuzzTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String PREFIX = "fz" + UUID.randomUUID().toString().substring(0, 6) + "_";
    private static Connection pg;

    @BeforeContainer
    static void connect() {
        try {
            pg = DriverManager.getConnection(URL, "postgres", "");
        } catch (SQLException e) {
            System.out.println("fuzz: no PostgreSQL at " + URL + " (" + e.getMessage() + "): server round trips skipped");
            pg = null;
        }
    }

    @AfterContainer
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

    @Property(tries = 10_000)
    void pgIdentifierAndLiteral_areRefused_orQuotedSoTheyRoundTrip(@ForAll("hostile") String name,
            @ForAll("hostile") String password) {
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
    @Property(tries = 3_000)
    void pgIdentifierAndLiteral_roundTripThroughTheServer(@ForAll("hostile") String name,
            @ForAll("hostile") String password, @ForAll boolean standardStrings) throws SQLException {
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
    @Property(tries = 300)
    void pgRole_withAHostileNameAndPassword_isCreatedAsWritten(@ForAll("hostile") String suffix,
            @ForAll("hostile") String password) throws SQLException {
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

    @Property(tries = 10_000)
    void mySqlIdentifier_isRefused_orQuotedSoItRoundTrips(@ForAll("hostile") String name) {
        String quoted = Fuzz.expect("mysql-identifier", () -> MySqlIdentifiers.quote(name, "table name"),
                IllegalArgumentException.class);
        if (quoted != null) {
            assertThat(quoted).startsWith("`").endsWith("`");
            String inner = quoted.substring(1, quoted.length() - 1);
            assertThat(inner.replace("``", "")).doesNotContain("`");
            assertThat(inner.replace("``", "`")).isEqualTo(name);
        }
    }

    @Property(tries = 10_000)
    void clusterIdentifier_isAlwaysAValidRdsName(@ForAll("hostile") String raw, @ForAll("hostile") String runId) {
        String id = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.of(raw));
        assertThat(id).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(63);
        assertThat(ClusterIdentifiers.of(raw)).isEqualTo(id);
        String old = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.oldCluster("shop-acceptance", runId));
        assertThat(old).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(63);
        String fin = Fuzz.expect("rds-identifier", () -> ClusterIdentifiers.finalSnapshot("shop-acceptance", runId));
        assertThat(fin).matches("[a-z](?:[a-z0-9]|-(?!-))*").doesNotEndWith("-").hasSizeLessThanOrEqualTo(255);
    }

    @Property(tries = 10_000)
    void mongoCollectionFileName_isRefused_orEscapedSoItRoundTrips(@ForAll("hostile") String collection,
            @ForAll("hostile") String fileStem) {
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

    @Provide
    Arbitrary<String> hostile() {
        return Arbitraries.frequencyOf(Tuple.of(8, Fuzz.hostile()), Tuple.of(1, Arbitraries.of("a", "A", "select",
                "user", "\"", "\"\"", "'", "\\", "a\\'b", "x\0y", "é", "😀😀😀", "\uD800x", "x".repeat(63), "é".repeat(32),
                "é".repeat(31), "-", "--x", "1abc", "", " ", "a ", "%", "%2", "%GG", "%41", "%-1", "%+F")));
    }
}
