package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Quoting rules, checked against the real PostgreSQL server at 127.0.0.1:5432. */
class PgIdentifiersTest {

    private static final DatabaseEndpoint ADMIN = new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null);
    private static final String HOSTILE = "x\"; DROP DATABASE postgres; --";

    private final PgTools tools = new PgTools(null);
    private final List<String> rolesToDrop = new ArrayList<>();

    @AfterEach
    void dropRoles() throws SQLException {
        try (Connection c = tools.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String r : rolesToDrop) {
                st.execute("DROP ROLE IF EXISTS " + PgIdentifiers.quote(r));
            }
        }
    }

    @Test
    void quote_shouldWrapInDoubleQuotesAndDoubleEmbeddedQuotes() {
        assertThat(PgIdentifiers.quote("plain")).isEqualTo("\"plain\"");
        assertThat(PgIdentifiers.quote(HOSTILE)).isEqualTo("\"x\"\"; DROP DATABASE postgres; --\"");
        assertThat(PgIdentifiers.quote("\"")).isEqualTo("\"\"\"\"");
    }

    @Test
    void quote_shouldRejectNullEmptyAndNul() {
        assertThatThrownBy(() -> PgIdentifiers.quote("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgIdentifiers.quote(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgIdentifiers.quote("a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
    }

    @Test
    void requireValid_shouldRejectNamesTheServerWouldTruncate() {
        assertThat(PgIdentifiers.requireValid("a".repeat(63), "role name")).hasSize(63);
        assertThatThrownBy(() -> PgIdentifiers.requireValid("a".repeat(64), "role name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("63");
        // 32 two-byte characters = 64 bytes
        assertThatThrownBy(() -> PgIdentifiers.requireValid("é".repeat(32), "role name"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quote_shouldLetHostileRoleNameBeCreatedVerbatim_andLeaveDatabasesAlone() throws SQLException {
        String role = HOSTILE + " " + UUID.randomUUID().toString().substring(0, 8);
        rolesToDrop.add(role);
        try (Connection c = tools.connect(ADMIN, null); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + PgIdentifiers.quote(role) + " NOLOGIN");
            st.execute("COMMENT ON ROLE " + PgIdentifiers.quote(role) + " IS " + PgIdentifiers.literal(HOSTILE));
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("role with the exact hostile name exists").isTrue();
                    assertThat(rs.getString(1)).isEqualTo(HOSTILE);
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname = 'postgres'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void literal_shouldRoundTripQuotesAndBackslashesThroughTheServer() throws SQLException {
        List<String> values = List.of("it's", "a\\b", "'; DROP DATABASE postgres; --", "\\'", "E'x'", "ünï\u00a0code");
        try (Connection c = tools.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String standardConforming : List.of("on", "off")) {
                st.execute("SET standard_conforming_strings = " + standardConforming);
                for (String v : values) {
                    try (ResultSet rs = st.executeQuery("SELECT " + PgIdentifiers.literal(v))) {
                        rs.next();
                        assertThat(rs.getString(1)).as("%s with standard_conforming_strings=%s", v, standardConforming)
                                .isEqualTo(v);
                    }
                }
            }
        }
        assertThat(PgIdentifiers.literal("it's")).isEqualTo("'it''s'");
        assertThat(PgIdentifiers.literal("a\\b")).isEqualTo("E'a\\\\b'");
        assertThatThrownBy(() -> PgIdentifiers.literal("a\0")).isInstanceOf(IllegalArgumentException.class);
    }
}
