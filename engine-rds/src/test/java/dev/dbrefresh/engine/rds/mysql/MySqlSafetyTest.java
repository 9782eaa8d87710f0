package dev.dbrefresh.engine.rds.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.rds.ClusterTestPlans;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code aurora-mysql} data plane's safety steps against the real MariaDB at 127.0.0.1:3306 (root without a
 * password; skipped when it is not reachable), standing in for a restored Aurora MySQL cluster: 100,000 customers in
 * a table whose name needs quoting, an event, a federated server definition and production's own accounts. The
 * server is shared, so isolation is narrowed to this test's own accounts and servers (on a restored cluster every
 * account is in scope), and its schema-level steps to the plan's database and the schemas a test names (on a
 * restored cluster every user schema is in scope).
 */
class MySqlSafetyTest {

    private static final MySqlTarget ROOT = new MySqlTarget("127.0.0.1", 3306, "mysql", "root", false);
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private static final String DB = "dbr_mysan_" + SUFFIX;
    private static final String TABLE = "cu`st 'omers";
    private static final String KEY = "my-mask-key-" + SUFFIX;
    private static final String PROD = "prodapp_" + SUFFIX;
    private static final String KEPT = "report_" + SUFFIX;
    private static final String SERVER = "prodlink_" + SUFFIX;
    private static final String SERVER_PASSWORD = "srv-secret-" + SUFFIX;
    private static final int ROWS = 100_000;

    private final MySqlTarget target = new MySqlTarget("127.0.0.1", 3306, DB, "root", false);
    /** Schema scope of these tests but the cluster-wide one: the plan's database only (always in scope). */
    private static final java.util.function.Predicate<String> PLAN_DATABASE_ONLY = schema -> false;

    private final MySqlSafety safety = new MySqlSafety(ref -> KEY.toCharArray(),
            new dev.dbrefresh.runtime.audit.InMemoryAuditLog(), name -> name.endsWith(SUFFIX), PLAN_DATABASE_ONLY);

    @BeforeEach
    void production() throws SQLException {
        try (Connection c = ROOT.connect(null)) {
            c.isValid(1);
        } catch (SQLException e) {
            Assumptions.abort("no MySQL/MariaDB server at 127.0.0.1:3306 accepting root without a password: " + e);
        }
        String db = MySqlIdentifiers.quote(DB, "db");
        String t = db + "." + MySqlIdentifiers.quote(TABLE, "t");
        exec("DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db,
                "CREATE TABLE " + t + " (id int PRIMARY KEY, `e-mail` varchar(100) UNIQUE, name varchar(80),"
                        + " phone varchar(40), note varchar(40), `ref``no` int, contact varchar(100))",
                "INSERT INTO " + t + " SELECT seq, CONCAT('user', seq, '@corp', seq % 7, '.example'),"
                        + " CONCAT('Name ', seq), CONCAT('+31 6 ', seq), IF(seq % 10 = 0, NULL, CONCAT('note ', seq)),"
                        + " seq, CONCAT('c', seq, '@partner', seq % 3, '.example') FROM " + db + ".seq_1_to_" + ROWS,
                "CREATE TABLE " + db + ".orders (id int PRIMARY KEY, customer_email varchar(100))",
                "INSERT INTO " + db + ".orders SELECT seq, CONCAT('user', seq % 1000 + 1, '@corp', (seq % 1000 + 1) % 7,"
                        + " '.example') FROM " + db + ".seq_1_to_5000",
                "CREATE TABLE " + db + ".audit_log (id int)", "INSERT INTO " + db + ".audit_log SELECT seq FROM " + db + ".seq_1_to_100",
                "CREATE EVENT " + db + ".prod_job ON SCHEDULE EVERY 1 DAY DO DELETE FROM " + db + ".audit_log",
                "DROP SERVER IF EXISTS " + SERVER,
                "CREATE SERVER " + SERVER + " FOREIGN DATA WRAPPER mysql OPTIONS (HOST '10.0.0.1', DATABASE 'shop',"
                        + " USER 'u', PASSWORD '" + SERVER_PASSWORD + "', PORT 3306)",
                "DROP USER IF EXISTS '" + PROD + "'@'%'", "DROP USER IF EXISTS '" + KEPT + "'@'%'",
                "CREATE USER '" + PROD + "'@'%' IDENTIFIED BY 'prod-pw'", "CREATE USER '" + KEPT + "'@'%' IDENTIFIED BY 'kept-pw'",
                "GRANT SELECT ON " + db + ".* TO '" + PROD + "'@'%'");
    }

    @AfterAll
    static void drop() throws SQLException {
        try (Connection c = ROOT.connect(null)) {
            c.isValid(1);
        } catch (SQLException e) {
            return;
        }
        exec("DROP DATABASE IF EXISTS " + MySqlIdentifiers.quote(DB, "db"), "DROP SERVER IF EXISTS " + SERVER,
                "DROP USER IF EXISTS '" + PROD + "'@'%'", "DROP USER IF EXISTS '" + KEPT + "'@'%'");
    }

    private static RefreshPlan plan(String masks) throws Exception {
        return ClusterTestPlans.withSanitize("aurora-mysql", "root", DB, KEPT, masks);
    }

    private static final String EVERY_MASK = """
                        - table: "cu`st 'omers"
                          columns: {e-mail: email, name: hash, phone: null, note: {fixed: redacted}, 'ref`no': hash,
                                    contact: keep-domain}
                        - {table: orders, columns: {customer_email: email}}
                        - {table: audit_log, mask: truncate-table}
            """;

    @Test
    void apply_shouldIsolateMaskAndAnalyze_beforeThePlansUsersExist() throws Exception {
        RecordingContext rec = context("run-1");

        safety.apply(plan(EVERY_MASK), target, null, rec.ctx);

        String t = MySqlIdentifiers.quote(DB, "db") + "." + MySqlIdentifiers.quote(TABLE, "t");
        assertThat(count("SELECT COUNT(*) FROM " + t)).isEqualTo(ROWS);
        assertThat(count("SELECT COUNT(DISTINCT `e-mail`) FROM " + t + " WHERE `e-mail` LIKE 'u%@example.invalid'"))
                .isEqualTo(ROWS);
        assertThat(string("SELECT name FROM " + t + " WHERE id = 1")).isEqualTo(hmacHex("Name 1"));
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE phone IS NOT NULL")).isZero();
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE note = 'redacted'")).isEqualTo(90_000);
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE note IS NULL")).isEqualTo(10_000);
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE `ref``no` = id")).isLessThanOrEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE contact = CONCAT('c', id, '@partner', id % 3,"
                + " '.example') OR contact NOT REGEXP '^[0-9a-f]{16}@partner[0-2][.]example$'")).isZero();
        assertThat(count("SELECT COUNT(*) FROM " + MySqlIdentifiers.quote(DB, "db") + ".audit_log")).isZero();
        assertThat(count("SELECT COUNT(*) FROM " + MySqlIdentifiers.quote(DB, "db") + ".orders o JOIN " + t
                + " c ON c.`e-mail` = o.customer_email")).isEqualTo(5000);

        assertThat(count("SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '" + DB + "'")).isZero();
        assertThat(count("SELECT COUNT(*) FROM mysql.servers WHERE Server_name = '" + SERVER + "'")).isZero();
        assertThatThrownBy(() -> new MySqlTarget("127.0.0.1", 3306, DB, PROD, false).connect("prod-pw".toCharArray())
                .close()).isInstanceOf(SQLException.class);
        new MySqlTarget("127.0.0.1", 3306, DB, KEPT, false).connect("kept-pw".toCharArray()).close();

        assertThat(rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step))
                .containsExactly(StepName.ISOLATE.id(), StepName.SANITIZE.id(), StepName.ANALYZE.id());
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .contains("1 events dropped [" + DB + ".prod_job]")
                .contains("1 federated servers dropped [" + SERVER + " (10.0.0.1:3306)]")
                .contains("1 accounts locked [" + PROD + "@%]"));
        assertThat(String.join("\n", rec.audit.stream().map(AuditEntry::toString).toList())).doesNotContain(KEY)
                .doesNotContain(SERVER_PASSWORD);
    }

    @Test
    void apply_shouldNotMaskTwice_whenTheRunIsRedelivered() throws Exception {
        RecordingContext rec = context("run-2");
        RefreshPlan plan = plan(EVERY_MASK);
        safety.apply(plan, target, null, rec.ctx);
        String t = MySqlIdentifiers.quote(DB, "db") + "." + MySqlIdentifiers.quote(TABLE, "t");
        String once = string("SELECT name FROM " + t + " WHERE id = 1");

        MySqlSafety again = new MySqlSafety(ref -> KEY.toCharArray(), rec.auditLog, name -> name.endsWith(SUFFIX),
                PLAN_DATABASE_ONLY);
        again.apply(plan, target, null, rec.ctx);

        assertThat(once).isEqualTo(hmacHex("Name 1"));
        assertThat(string("SELECT name FROM " + t + " WHERE id = 1")).isEqualTo(once);
        assertThat(rec.details(AuditStatus.SKIPPED)).anySatisfy(d -> assertThat(d).contains("already masked"));
    }

    @Test
    void apply_shouldRefuseAMissingColumn_beforeAnythingIsMasked() throws Exception {
        RecordingContext rec = context("run-3");
        String t = MySqlIdentifiers.quote(DB, "db") + "." + MySqlIdentifiers.quote(TABLE, "t");

        assertThatThrownBy(() -> safety.apply(plan("""
                        - {table: orders, columns: {customer_email: email}}
                        - {table: "cu`st 'omers", columns: {nope: null}}
            """), target, null, rec.ctx)).isInstanceOfSatisfying(SanitizeException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
                assertThat(e.getMessage()).contains("has no column 'nope'");
            });
        assertThat(count("SELECT COUNT(*) FROM " + MySqlIdentifiers.quote(DB, "db") + ".orders"
                + " WHERE customer_email LIKE '%@corp%'")).isEqualTo(5000);
        assertThat(count("SELECT COUNT(*) FROM " + t + " WHERE name = 'Name 1'")).isEqualTo(1);
    }

    /**
     * A {@code FEDERATED} table of the restored database reads production: isolation drops it, and only it. The
     * stand-in for production is another database on the same MariaDB (made by this test), reached over TCP the way
     * a restored copy would reach production's host. MariaDB's FEDERATED engine is the plugin {@code ha_federatedx},
     * which {@code scripts/ensure-tools.sh} enables (a test must not install plugins on a server it shares); where
     * it is not active the test fails saying so rather than passing without a federated table.
     */
    @Test
    void apply_shouldDropFederatedTables_andLeaveTheTablesTheyReadAndLocalTablesOfTheSameNames() throws Exception {
        requireFederated();
        String prodDb = "dbr_myprod_" + SUFFIX;
        String prod = MySqlIdentifiers.quote(prodDb, "db");
        String db = MySqlIdentifiers.quote(DB, "db");
        try {
            exec("CREATE DATABASE " + prod,
                    "CREATE TABLE " + prod + ".customers (id int PRIMARY KEY, email varchar(100))",
                    "INSERT INTO " + prod + ".customers SELECT seq, CONCAT('user', seq, '@corp.example') FROM "
                            + db + ".seq_1_to_300",
                    "CREATE TABLE " + db + ".prod_customers (id int PRIMARY KEY, email varchar(100)) ENGINE=FEDERATED"
                            + " CONNECTION='mysql://root@127.0.0.1:3306/" + prodDb + "/customers'",
                    "CREATE TABLE " + db + ".prod_customers_local (id int PRIMARY KEY, email varchar(100))",
                    "INSERT INTO " + db + ".prod_customers_local VALUES (1, 'kept@local.example')");
            // the link is live: the restored copy reads (and could write) production's rows
            assertThat(count("SELECT COUNT(*) FROM " + db + ".prod_customers")).isEqualTo(300);
            String prodChecksum = string("CHECKSUM TABLE " + prod + ".customers", 2);
            RecordingContext rec = context("run-fed");

            safety.apply(plan("        - {table: orders, columns: {customer_email: email}}\n"), target, null, rec.ctx);

            assertThat(count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + DB + "'"
                    + " AND UPPER(ENGINE) = 'FEDERATED'")).isZero();
            assertThat(count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + DB + "'"
                    + " AND TABLE_NAME = 'prod_customers'")).isZero();
            // what did NOT happen: the table it read, its rows, and the local table of the same name pattern stay
            assertThat(count("SELECT COUNT(*) FROM " + prod + ".customers")).isEqualTo(300);
            assertThat(string("CHECKSUM TABLE " + prod + ".customers", 2)).isEqualTo(prodChecksum);
            assertThat(string("SELECT email FROM " + db + ".prod_customers_local WHERE id = 1"))
                    .isEqualTo("kept@local.example");
            assertThat(count("SELECT COUNT(*) FROM " + db + ".orders")).isEqualTo(5000);
            assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                    .startsWith(StepName.ISOLATE.id())
                    .contains("1 federated tables dropped [" + DB + ".prod_customers]"));
        } finally {
            exec("DROP DATABASE IF EXISTS " + prod);
        }
    }

    /**
     * A cluster restore brings every schema of production's cluster, not only the plan's database: the events and
     * {@code FEDERATED} tables of the cluster's other schemas (here two schemas of this test, {@code A} and {@code B},
     * named as the scope) are dropped and named too. What did NOT happen: the stand-in production table (a third
     * schema, out of scope) keeps its rows and checksum, plain tables and triggers stay, and the event and
     * {@code FEDERATED} table of a fourth schema outside the scope are left as they were (listed before and after,
     * over this test's schemas: the server is shared, other processes' objects come and go). A trigger that wrote
     * to production through a {@code FEDERATED} table fails afterwards instead (triggers are not isolation's: see
     * {@link MySqlIsolation}).
     */
    @Test
    void apply_shouldClearEventsAndFederatedTablesOfEverySchemaInScope_andLeaveThoseOutsideIt() throws Exception {
        requireFederated();
        String a = "dbr_mycla_" + SUFFIX;
        String b = "dbr_myclb_" + SUFFIX;
        String prodDb = "dbr_myclprod_" + SUFFIX;
        String out = "dbr_myclout_" + SUFFIX;
        String prod = MySqlIdentifiers.quote(prodDb, "db");
        String link = "CONNECTION='mysql://root@127.0.0.1:3306/" + prodDb + "/customers'";
        try {
            exec("CREATE DATABASE " + prod,
                    "CREATE TABLE " + prod + ".customers (id int PRIMARY KEY, email varchar(100))",
                    "INSERT INTO " + prod + ".customers SELECT seq, CONCAT('user', seq, '@corp.example') FROM "
                            + prod + ".seq_1_to_300");
            for (String schema : new String[] {a, b, out}) {
                String q = MySqlIdentifiers.quote(schema, "db");
                exec("CREATE DATABASE " + q,
                        "CREATE TABLE " + q + ".prod_customers (id int PRIMARY KEY, email varchar(100))"
                                + " ENGINE=FEDERATED " + link,
                        "CREATE TABLE " + q + ".orders (id int PRIMARY KEY, note varchar(40))",
                        "INSERT INTO " + q + ".orders SELECT seq, CONCAT('order ', seq) FROM " + q + ".seq_1_to_50",
                        "CREATE EVENT " + q + ".nightly ON SCHEDULE EVERY 1 DAY DO DELETE FROM " + q
                                + ".prod_customers");
            }
            String qa = MySqlIdentifiers.quote(a, "db");
            exec("CREATE TRIGGER " + qa + ".order_to_prod AFTER INSERT ON " + qa + ".orders FOR EACH ROW INSERT INTO "
                    + qa + ".prod_customers VALUES (NEW.id, 'from-copy@corp.example')");
            // the link is live: before isolation, the trigger writes production's table
            exec("INSERT INTO " + qa + ".orders VALUES (301, 'before')");
            assertThat(count("SELECT COUNT(*) FROM " + prod + ".customers")).isEqualTo(301);
            String prodChecksum = string("CHECKSUM TABLE " + prod + ".customers", 2);
            String ordersA = string("CHECKSUM TABLE " + qa + ".orders", 2);
            String ordersB = string("CHECKSUM TABLE " + MySqlIdentifiers.quote(b, "db") + ".orders", 2);
            List<String> objectsBefore = objectsOfThisTest();
            assertThat(objectsBefore).contains("event " + a + ".nightly", "event " + b + ".nightly",
                    "event " + out + ".nightly", "event " + DB + ".prod_job", "FEDERATED " + out + ".prod_customers",
                    "trigger " + a + ".order_to_prod", "InnoDB " + prodDb + ".customers");
            RecordingContext rec = context("run-cluster");
            MySqlSafety cluster = new MySqlSafety(ref -> KEY.toCharArray(),
                    new dev.dbrefresh.runtime.audit.InMemoryAuditLog(), name -> name.endsWith(SUFFIX),
                    Set.of(a, b)::contains);

            cluster.apply(plan("        - {table: orders, columns: {customer_email: email}}\n"), target, null, rec.ctx);

            List<String> gone = List.of("event " + a + ".nightly", "event " + b + ".nightly",
                    "event " + DB + ".prod_job", "FEDERATED " + a + ".prod_customers",
                    "FEDERATED " + b + ".prod_customers");
            List<String> expected = new ArrayList<>(objectsBefore);
            expected.removeAll(gone);
            assertThat(objectsBefore).containsAll(gone);
            assertThat(objectsOfThisTest()).containsExactlyElementsOf(expected);
            assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                    .startsWith(StepName.ISOLATE.id())
                    .contains("3 events dropped [" + a + ".nightly, " + b + ".nightly, " + DB + ".prod_job]")
                    .contains("2 federated tables dropped [" + a + ".prod_customers, " + b + ".prod_customers]"));
            // what did NOT happen: production's rows, the copy's plain tables, the schema outside the scope
            assertThat(string("CHECKSUM TABLE " + prod + ".customers", 2)).isEqualTo(prodChecksum);
            assertThat(string("CHECKSUM TABLE " + qa + ".orders", 2)).isEqualTo(ordersA);
            assertThat(string("CHECKSUM TABLE " + MySqlIdentifiers.quote(b, "db") + ".orders", 2)).isEqualTo(ordersB);
            assertThat(count("SELECT COUNT(*) FROM " + MySqlIdentifiers.quote(out, "db") + ".prod_customers"))
                    .isEqualTo(301);
            // the trigger stays, but can no longer reach production
            assertThatThrownBy(() -> exec("INSERT INTO " + qa + ".orders VALUES (302, 'after')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("prod_customers");
            assertThat(count("SELECT COUNT(*) FROM " + prod + ".customers")).isEqualTo(301);
            assertThat(string("CHECKSUM TABLE " + prod + ".customers", 2)).isEqualTo(prodChecksum);
        } finally {
            for (String schema : new String[] {a, b, out, prodDb}) {
                exec("DROP DATABASE IF EXISTS " + MySqlIdentifiers.quote(schema, "db"));
            }
        }
    }

    /** Fails, saying what to do, where the shared MariaDB's FEDERATED engine is not active. */
    private static void requireFederated() throws SQLException {
        assertThat(count("SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'FEDERATED'"
                + " AND SUPPORT IN ('YES', 'DEFAULT')"))
                .as("MariaDB's FEDERATED engine is not active at 127.0.0.1:3306: run scripts/ensure-tools.sh as root,"
                        + " or INSTALL SONAME 'ha_federatedx'").isEqualTo(1);
    }

    /**
     * @return the events, triggers and tables (with their engine) of the schemas this test class made (their names
     *         end with its suffix), as {@code "event schema.name"}, {@code "trigger schema.name"},
     *         {@code "<ENGINE> schema.name"}, sorted
     */
    private static List<String> objectsOfThisTest() throws SQLException {
        List<String> out = new ArrayList<>();
        String like = " LIKE '%" + SUFFIX + "'";
        try (Connection c = ROOT.connect(null); Statement st = c.createStatement()) {
            for (String sql : new String[] {
                "SELECT CONCAT('event ', EVENT_SCHEMA, '.', EVENT_NAME) FROM information_schema.EVENTS"
                        + " WHERE EVENT_SCHEMA" + like,
                "SELECT CONCAT('trigger ', TRIGGER_SCHEMA, '.', TRIGGER_NAME) FROM information_schema.TRIGGERS"
                        + " WHERE TRIGGER_SCHEMA" + like,
                "SELECT CONCAT(ENGINE, ' ', TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES"
                        + " WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA" + like}) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static RecordingContext context(String run) {
        return new RecordingContext(run + "-" + SUFFIX, "p", new RefreshRequested("p", null, null, false, null, Map.of()));
    }

    private static String hmacHex(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static void exec(String... sql) throws SQLException {
        try (Connection c = ROOT.connect(null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static long count(String sql) throws SQLException {
        return Long.parseLong(string(sql));
    }

    private static String string(String sql) throws SQLException {
        return string(sql, 1);
    }

    private static String string(String sql, int column) throws SQLException {
        try (Connection c = ROOT.connect(null); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(column);
        }
    }
}
