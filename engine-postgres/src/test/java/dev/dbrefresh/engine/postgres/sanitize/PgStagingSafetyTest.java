package dev.dbrefresh.engine.postgres.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.TableChecksum;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.engine.postgres.PgDumpSnapshotter;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgRestorer;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The postgres engine's safety steps on real servers: "production" is a second PostgreSQL cluster started by the
 * test (its own port and system identifier) holding 100,000 customers in a schema and table whose names need
 * quoting, a postgres_fdw server pointing back at itself with a user mapping that holds a password, an event
 * trigger, a subscription, and tables owned by production roles. The target is the server at 127.0.0.1:5432,
 * where roles of the same names exist (as if production's globals had been restored there).
 */
class PgStagingSafetyTest {

    private static final PgTools TOOLS = TestDatabases.TOOLS;
    private static final String SCHEMA = "we.ird \"s\"";
    private static final String TABLE = "Cust \"omers\"; --";
    private static final String CUSTOMERS = PgIdentifiers.quote(SCHEMA) + "." + PgIdentifiers.quote(TABLE);
    private static final String KEY = "mask-key-" + UUID.randomUUID();
    private static final String FDW_PASSWORD = "fdw-secret-" + UUID.randomUUID();
    private static final int CUSTOMER_ROWS = 100_000;

    @TempDir
    static Path tmp;

    private static SecondPostgres production;
    private static TestDatabases targets;
    private static String prodRole;
    private static String keptRole;
    private static SnapshotStore store;
    private static SnapshotManifest manifest;

    @BeforeAll
    static void production() throws Exception {
        assumeTrue(SecondPostgres.available(), "needs the PostgreSQL server binaries in " + SecondPostgres.BIN);
        production = SecondPostgres.start();
        targets = new TestDatabases("sanitize");
        prodRole = targets.name("prod_app");
        keptRole = targets.name("reporting");
        DatabaseEndpoint admin = production.endpoint("postgres");
        exec(admin, "CREATE DATABASE shop", "CREATE ROLE " + PgIdentifiers.quote(prodRole) + " LOGIN PASSWORD 'p1'",
                "CREATE ROLE " + PgIdentifiers.quote(keptRole) + " LOGIN");
        exec(production.endpoint("shop"),
                "CREATE EXTENSION postgres_fdw",
                "CREATE SCHEMA " + PgIdentifiers.quote(SCHEMA),
                "CREATE TABLE " + CUSTOMERS + " (id bigint PRIMARY KEY, \"e-mail\" text UNIQUE, \"Name\" varchar(80),"
                        + " phone text, note text, \"ref\"\"no\" integer, contact text)",
                "INSERT INTO " + CUSTOMERS + " SELECT g, 'user' || g || '@corp' || (g % 7) || '.example', 'Name ' || g,"
                        + " '+31 6 ' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'note ' || g END, g,"
                        + " 'c' || g || '@partner' || (g % 3) || '.example' FROM generate_series(1, " + CUSTOMER_ROWS
                        + ") g",
                "CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_email text, amount int)",
                "INSERT INTO public.orders SELECT g, 'user' || (g % 1000 + 1) || '@corp' || ((g % 1000 + 1) % 7)"
                        + " || '.example', g FROM generate_series(1, 5000) g",
                "CREATE TABLE public.audit_log (id int, what text)",
                "INSERT INTO public.audit_log SELECT g, 'login ' || g FROM generate_series(1, 1000) g",
                "CREATE TABLE public.app_owned (id int)",
                "ALTER TABLE public.app_owned OWNER TO " + PgIdentifiers.quote(prodRole),
                "CREATE TABLE public.report (id int)",
                "ALTER TABLE public.report OWNER TO " + PgIdentifiers.quote(keptRole),
                "CREATE SERVER prod_link FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '"
                        + production.port() + "', dbname 'shop')",
                "CREATE USER MAPPING FOR postgres SERVER prod_link OPTIONS (user 'postgres', password '"
                        + FDW_PASSWORD + "')",
                "CREATE FOREIGN TABLE public.prod_orders (id bigint, amount int) SERVER prod_link"
                        + " OPTIONS (schema_name 'public', table_name 'orders')",
                "CREATE FUNCTION public.watch_ddl() RETURNS event_trigger LANGUAGE plpgsql AS"
                        + " $$BEGIN RAISE NOTICE 'ddl'; END$$",
                "CREATE EVENT TRIGGER prod_ddl_watch ON ddl_command_start EXECUTE FUNCTION public.watch_ddl()",
                "CREATE SUBSCRIPTION prod_sub CONNECTION 'host=127.0.0.1 port=" + production.port()
                        + " dbname=shop' PUBLICATION prod_pub WITH (connect = false)");
        // The source reaches itself through the foreign server: the restored copy would reach production.
        assertThat(queryLong(production.endpoint("shop"), "SELECT count(*) FROM public.prod_orders")).isEqualTo(5000);
        targets.exec("postgres", "CREATE ROLE " + PgIdentifiers.quote(prodRole) + " LOGIN",
                "CREATE ROLE " + PgIdentifiers.quote(keptRole) + " LOGIN");
        store = new SnapshotStore(tmp.resolve("store"));
        manifest = new PgDumpSnapshotter(TOOLS).snapshot(production.endpoint("shop"), null, store, "shop-a", "p", true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (targets != null) {
            for (String db : CLEANUP) {
                targets.exec("postgres", "DROP DATABASE IF EXISTS " + PgIdentifiers.quote(db) + " WITH (FORCE)");
            }
            targets.close();
            targets.exec("postgres", "DROP ROLE IF EXISTS " + PgIdentifiers.quote(prodRole),
                    "DROP ROLE IF EXISTS " + PgIdentifiers.quote(keptRole));
        }
        if (production != null) {
            production.close();
        }
    }

    private static SanitizeSettings everyMask(boolean lockServerRoles, List<String> keep) {
        return new SanitizeSettings(List.of(
                new TableMask(SCHEMA, TABLE, false, List.of(
                        new ColumnMask("e-mail", MaskType.EMAIL, null),
                        new ColumnMask("Name", MaskType.HASH, null),
                        new ColumnMask("phone", MaskType.NULL, null),
                        new ColumnMask("note", MaskType.FIXED, "redacted"),
                        new ColumnMask("ref\"no", MaskType.HASH, null),
                        new ColumnMask("contact", MaskType.KEEP_DOMAIN, null))),
                new TableMask("public", "orders", false, List.of(new ColumnMask("customer_email", MaskType.EMAIL, null))),
                new TableMask("public", "audit_log", true, List.of())),
                List.of(), "env:MASK_KEY", true, keep, lockServerRoles, true);
    }

    private static PgStagingSafety safety(SanitizeSettings settings, SnapshotManifest m, RecordingContext rec) {
        return new PgStagingSafety(TOOLS, null, settings, m, store.dumpFile(manifest), KEY.toCharArray(),
                Set.of("postgres"), rec.ctx);
    }

    private static RecordingContext recording() {
        return new RecordingContext("run-" + UUID.randomUUID(), "p", new RefreshRequested("p", null, null, false,
                null, java.util.Map.of()));
    }

    @Test
    void refresh_shouldMaskEveryTypeIsolateAndVerify_beforeTheSwap() throws Exception {
        String target = targets.name("acc");
        RecordingContext rec = recording();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try {
            new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest), "shop-a", "r1", 2,
                    safety(everyMask(false, List.of()), manifest, rec));
        } finally {
            root.detachAppender(logs);
        }
        registerForCleanup(target);

        // every mask type, on 100,000 rows behind identifiers that need quoting
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS)).isEqualTo(CUSTOMER_ROWS);
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS
                + " WHERE \"e-mail\" NOT LIKE 'u%@example.invalid'")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(DISTINCT \"e-mail\") FROM " + CUSTOMERS))
                .isEqualTo(CUSTOMER_ROWS);
        assertThat(targets.queryString(target, "SELECT \"Name\" FROM " + CUSTOMERS + " WHERE id = 1"))
                .contains(hmacHex("Name 1"));
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS + " WHERE phone IS NOT NULL")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS + " WHERE note = 'redacted'"))
                .isEqualTo(90_000);
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS + " WHERE note IS NULL"))
                .as("NULL stays NULL").isEqualTo(10_000);
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS + " WHERE \"ref\"\"no\" = id"))
                .isLessThanOrEqualTo(2);
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS
                + " WHERE contact = 'c' || id || '@partner' || (id % 3) || '.example' OR contact !~ '^[0-9a-f]{16}@partner[0-2]\\.example$'")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM public.audit_log")).isZero();
        // the same key gives the same address: masked keys still join
        assertThat(targets.queryLong(target, "SELECT count(*) FROM public.orders o JOIN " + CUSTOMERS
                + " c ON c.\"e-mail\" = o.customer_email")).isEqualTo(5000);

        // isolation: nothing left that reaches or acts on production
        assertThat(targets.queryLong(target, "SELECT count(*) FROM pg_foreign_server")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM pg_user_mappings")).isZero();
        assertThatThrownBy(() -> targets.queryLong(target, "SELECT count(*) FROM public.prod_orders"))
                .isInstanceOf(SQLException.class).hasMessageContaining("prod_orders");
        assertThat(targets.queryLong(target, "SELECT count(*) FROM pg_event_trigger")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM pg_subscription s JOIN pg_database d"
                + " ON d.oid = s.subdbid WHERE d.datname = current_database()")).isZero();
        assertThatThrownBy(() -> TOOLS.connect(new DatabaseEndpoint("127.0.0.1", 5432, target, prodRole, null), null)
                .close()).isInstanceOf(SQLException.class).hasMessageContaining("permission denied for database");
        // database-level lock only: the role still logs in to the server's other databases
        TOOLS.connect(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", prodRole, null), null).close();
        // and production was not touched: its foreign server still works there
        assertThat(queryLong(production.endpoint("shop"), "SELECT count(*) FROM public.prod_orders")).isEqualTo(5000);

        List<String> succeeded = rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step)
                .toList();
        assertThat(succeeded).containsExactly(StepName.ISOLATE.id(), StepName.VERIFY_CHECKSUMS.id(),
                StepName.SANITIZE.id(), StepName.VERIFY_MASKS.id(), StepName.ANALYZE.id());
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .startsWith(StepName.ISOLATE.id()).contains("1 foreign server dropped [prod_link (postgres_fdw dbname=shop host=127.0.0.1")
                .contains("1 user mapping").contains("1 subscription dropped [prod_sub]")
                .contains("1 event trigger dropped [prod_ddl_watch]"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .startsWith(StepName.VERIFY_CHECKSUMS.id()).contains("content checksums equal"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .startsWith(StepName.SANITIZE.id()).contains(SCHEMA + "." + TABLE + ": 100000 rows"));
        String everything = String.join("\n", rec.audit.stream().map(AuditEntry::toString).toList()) + "\n"
                + String.join("\n", logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertThat(everything).doesNotContain(KEY).doesNotContain(FDW_PASSWORD);
    }

    @Test
    void serverLock_shouldMakeSnapshotRolesNologin_butSparePlanAndKeepRoles() throws Exception {
        String target = targets.name("srv");
        RecordingContext rec = recording();
        try {
            new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest), "shop-a", "r2", 2,
                    safety(everyMask(true, List.of(keptRole)), manifest, rec));
            registerForCleanup(target);

            assertThat(targets.queryString("postgres", "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = "
                    + PgIdentifiers.literal(prodRole))).contains("false");
            assertThat(targets.queryString("postgres", "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = "
                    + PgIdentifiers.literal(keptRole))).contains("true");
            assertThatThrownBy(() -> TOOLS.connect(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", prodRole, null),
                    null).close()).isInstanceOf(SQLException.class).hasMessageContaining("not permitted to log in");
            assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                    .contains("1 role locked (NOLOGIN) [" + prodRole + "]"));
        } finally {
            targets.exec("postgres", "ALTER ROLE " + PgIdentifiers.quote(prodRole) + " LOGIN",
                    "ALTER ROLE " + PgIdentifiers.quote(keptRole) + " LOGIN");
        }
    }

    @Test
    void missingColumn_shouldFailBeforeTheSwap_andKeepTheOldTarget() throws Exception {
        String target = targets.createWithMarker("keep", 7);
        long oid = targets.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(target));
        SanitizeSettings wrong = new SanitizeSettings(List.of(new TableMask(SCHEMA, TABLE, false, List.of(
                new ColumnMask("note", MaskType.FIXED, "x"), new ColumnMask("no such \"col\"", MaskType.NULL, null)))),
                List.of(), null, true, List.of(), false, false);
        RecordingContext rec = recording();

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest),
                "shop-a", "r3", 2, safety(wrong, manifest, rec)))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
                    assertThat(e.step()).isEqualTo(StepName.SANITIZE);
                    assertThat(e.getMessage()).contains("has no column 'no such \"col\"'").contains("old target was kept");
                });

        // the old target is the same database (same oid: never dropped and re-created) with its rows
        assertThat(targets.queryLong("postgres", "SELECT oid FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(target))).isEqualTo(oid);
        assertThat(targets.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(7);
        assertThat(targets.queryLong("postgres", "SELECT count(*) FROM pg_database WHERE datname = "
                + PgIdentifiers.literal(PgRestorer.stagingName(target)))).as("staging dropped").isZero();
        assertThat(rec.audit).noneMatch(e -> e.is(AuditStatus.SUCCEEDED) && StepName.SANITIZE.names(e.step()));
    }

    @Test
    void oneRowDiffering_shouldFailVerification_namingThatTable() throws Exception {
        exec(production.endpoint("postgres"), "CREATE DATABASE shop_b TEMPLATE shop");
        exec(production.endpoint("shop_b"), "UPDATE public.orders SET amount = amount + 1 WHERE id = 42");
        SnapshotManifest other = new PgDumpSnapshotter(TOOLS).snapshot(production.endpoint("shop_b"), null, store,
                "shop-b", "p", true);
        String target = targets.createWithMarker("diff", 3);
        RecordingContext rec = recording();

        // shop-a's dump restored against shop-b's checksums: one row of public.orders differs
        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest),
                "shop-a", "r4", 2, safety(everyMask(false, List.of()), other, rec)))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VERIFY_CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains("public.orders: 5000 rows").doesNotContain("public.audit_log")
                            .doesNotContain(TABLE);
                });
        assertThat(targets.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(3);
        assertThat(rec.audit).noneMatch(e -> StepName.SANITIZE.names(e.step()));
    }

    @Test
    void emptyManifest_shouldBeRefused() throws Exception {
        String target = targets.createWithMarker("empty", 2);
        SnapshotManifest empty = new SnapshotManifest("e", "postgres", "x", manifest.createdAt(), "pg_dump-custom",
                "dump.pgdump", 1, "sha256:0", List.<TableRowCount>of()).withChecksums(List.of());

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest),
                "shop-a", "r5", 2, safety(everyMask(false, List.of()), empty, recording())))
                .isInstanceOfSatisfying(SanitizeException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.VERIFY_EMPTY));
        assertThat(targets.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(2);
    }

    @Test
    void sqlFile_shouldRunAfterTheMasks_andAFailingOneKeepsTheOldTarget() throws Exception {
        Path ok = java.nio.file.Files.writeString(tmp.resolve("mask-orders.sql"),
                "UPDATE public.orders SET amount = 0;\nDELETE FROM public.audit_log WHERE id > 10;");
        Path bad = java.nio.file.Files.writeString(tmp.resolve("bad.sql"), "UPDATE public.no_such_table SET x = 1;");
        SanitizeSettings withSql = new SanitizeSettings(List.of(new TableMask("public", "orders", false,
                List.of(new ColumnMask("customer_email", MaskType.NULL, null)))), List.of(ok), null, true, List.of(),
                false, false);
        String target = targets.name("sql");
        RecordingContext rec = recording();

        new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest), "shop-a", "r6", 2,
                safety(withSql, manifest, rec));
        registerForCleanup(target);

        assertThat(targets.queryLong(target, "SELECT count(*) FROM public.orders WHERE amount <> 0")).isZero();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM public.audit_log")).isEqualTo(10);
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .contains("sql file mask-orders.sql run"));

        String kept = targets.createWithMarker("sqlbad", 5);
        SanitizeSettings failing = new SanitizeSettings(List.of(), List.of(bad), null, true, List.of(), false, false);
        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(kept), null, store.dumpFile(manifest),
                "shop-a", "r7", 2, safety(failing, manifest, recording())))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED);
                    assertThat(e.getMessage()).contains("bad.sql").contains("no_such_table");
                });
        assertThat(targets.queryLong(kept, "SELECT count(*) FROM marker")).isEqualTo(5);
    }

    @Test
    void maskNotFittingItsColumn_shouldFailBeforeAnythingIsMasked() throws Exception {
        String kept = targets.createWithMarker("unfit", 1);
        SanitizeSettings unfit = new SanitizeSettings(List.of(new TableMask("public", "orders", false, List.of(
                new ColumnMask("amount", MaskType.EMAIL, null), new ColumnMask("id", MaskType.NULL, null)))), List.of(),
                "env:K", true, List.of(), false, false);

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(kept), null, store.dumpFile(manifest),
                "shop-a", "r8", 2, safety(unfit, manifest, recording())))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED);
                    assertThat(e.getMessage()).contains("public.orders.amount (integer): email masks text columns only")
                            .contains("public.orders.id (bigint): the column is NOT NULL");
                });
        assertThat(targets.queryLong(kept, "SELECT count(*) FROM marker")).isEqualTo(1);
    }

    @Test
    void snapshotWithoutChecksums_shouldBeRefused_whenThePlanAsksForThem() throws Exception {
        String target = targets.createWithMarker("nosums", 2);
        SnapshotManifest without = manifest.withChecksums(null);

        assertThatThrownBy(() -> new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest),
                "shop-a", "r9", 2, safety(everyMask(false, List.of()), without, recording())))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VERIFY_CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains("taken without content checksums");
                });
        assertThat(targets.queryLong(target, "SELECT count(*) FROM marker")).isEqualTo(2);
    }

    @Test
    void redelivery_shouldNotRunTheSafetyStepsAgain_whenTheTargetCarriesTheRunsMarker() throws Exception {
        String target = targets.name("again");
        new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest), "shop-a", "r10", 2,
                safety(everyMask(false, List.of()), manifest, recording()));
        registerForCleanup(target);
        RecordingContext second = recording();

        var result = new PgRestorer(TOOLS).restore(targets.endpoint(target), null, store.dumpFile(manifest), "shop-a",
                "r10", 2, safety(everyMask(false, List.of()), manifest, second));

        assertThat(result.restored()).isFalse();
        assertThat(second.audit).isEmpty();
        assertThat(targets.queryLong(target, "SELECT count(*) FROM " + CUSTOMERS + " WHERE \"Name\" = "
                + PgIdentifiers.literal(hmacHex("Name 1")))).as("hashed once, not twice").isEqualTo(1);
    }

    @Test
    void differences_shouldNameTablesOnOneSideOnly() {
        List<TableChecksum> snapshot = List.of(new TableChecksum("public", "a", 1, "md5sum:1/2"),
                new TableChecksum("public", "gone", 1, "md5sum:1/2"));
        List<TableChecksum> restored = List.of(new TableChecksum("public", "a", 1, "md5sum:1/2"),
                new TableChecksum("public", "new", 0, "md5sum:0/0"));

        assertThat(PgContentChecksums.differences(snapshot, restored))
                .containsExactly("only in the snapshot: public.gone", "only in the restore: public.new");
    }

    /** TestDatabases drops what it created; a target made by the restore is dropped after the class. */
    private static void registerForCleanup(String target) {
        CLEANUP.add(target);
    }

    private static final List<String> CLEANUP = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static String hmacHex(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static void exec(DatabaseEndpoint ep, String... sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static long queryLong(DatabaseEndpoint ep, String sql) throws SQLException {
        try (Connection c = TOOLS.connect(ep, null); Statement st = c.createStatement();
             var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
