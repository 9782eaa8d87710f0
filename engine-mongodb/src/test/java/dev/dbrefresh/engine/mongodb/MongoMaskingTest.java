package dev.dbrefresh.engine.mongodb;

import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Masks of the {@code mongodb} engine through {@link MongoRestoreEngine} against mongo-java-server: every mask type
 * on a collection of 100,000 documents with a dotted, quoted, non-ASCII name and nested fields, applied to the
 * staging collections before the renames; a mask naming a missing collection fails before any rename with the old
 * target intact; the masking key appears in no audit entry or failure.
 */
class MongoMaskingTest {

    private static final String KEY = "m4sk-k3y-'\"-ü-secret";
    private static final String PEOPLE = "people.v2 'ü\"";
    private static final int N = 100_000;
    private static final EnvFileSecretResolver SECRETS = new EnvFileSecretResolver(Map.of("MASK_KEY", KEY)::get);

    @TempDir
    Path dir;

    private InProcessMongo mongo;
    private PlanCatalog plans;
    private final MongoIdentity identity = new MongoIdentity(SECRETS);
    private final MongoSnapshotEngine snapshots = new MongoSnapshotEngine(SECRETS, identity);
    private final MongoRestoreEngine restores = new MongoRestoreEngine(SECRETS, identity);

    @BeforeEach
    void start() throws Exception {
        mongo = new InProcessMongo();
        int port = ((InetSocketAddress) mongo.server.getLocalAddress()).getPort();
        String yaml = """
                plans:
                  crm:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: crm_production}
                    target: {host: 127.0.0.1, port: PORT, database: crm_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                    restore: {batch-documents: 1000}
                    sanitize:
                      key-secret: env:MASK_KEY
                      masks:
                        - table: "people.v2 'ü\\""
                          columns:
                            "e-mail": email
                            "work mail": keep-domain
                            "profile.first name": hash
                            "profile.phone": null
                            ssn: {fixed: "000-00"}
                            customer_no: hash
                        - {table: orders, columns: {customer_no: hash}}
                        - {table: "audit log", mask: truncate-table}
                  missing:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: crm_production}
                    target: {host: 127.0.0.1, port: PORT, database: crm_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                    sanitize:
                      key-secret: env:MASK_KEY
                      masks:
                        - {table: orders, columns: {customer_no: hash}}
                        - {table: nope, columns: {a: null}}
                """.replace("PORT", String.valueOf(port)).replace("SRC", dir.resolve("src").toString())
                .replace("TGT", dir.resolve("tgt").toString());
        plans = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), dir);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    /** @return a start message of the plan, as the tests of masks send it */
    static RefreshRequested request(String plan) {
        return new RefreshRequested(plan, null, null, false, "test");
    }

    private RefreshPlan plan(String name) {
        return plans.require(name);
    }

    private String snapshot(String plan) throws Exception {
        RecordingContext rec = new RecordingContext("snap-" + plan, plan, request(plan));
        return ((SnapshotProgress.Ready) snapshots.start(plan(plan), request(plan), rec.ctx)).snapshotId();
    }

    private DumpDirectory dump(String snapshotId) {
        var snapshot = new MongoSnapshotStore(plan("crm").mongodb().targetStore()).find(snapshotId).orElseThrow();
        return DumpDirectory.read(snapshot.dir(), snapshot.manifest().database());
    }

    private MongoSafety safety(DumpDirectory dump, RecordingContext rec) {
        return new MongoSafety(mongo.client, plan("crm").mongodb().sanitize(), KEY.toCharArray(), 1000, Set.of(), dump,
                "run-1", rec.ctx);
    }

    private void seed(int n) {
        MongoDatabase db = mongo.db("crm_production");
        List<Document> people = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Document d = new Document("_id", i).append("customer_no", (long) i * 7919);
            if (i % 10 != 0) {
                d.append("e-mail", "person" + i + "@corp.example.com");
            }
            d.append("work mail", i % 3 == 0 ? "no-at-sign-" + i : "w" + i + "@work.example.org");
            d.append("profile", new Document("first name", "Name" + i).append("phone", "+41 79 " + i).append("city", "Bern"));
            d.append("ssn", "756." + i);
            people.add(d);
            if (people.size() == 5000) {
                db.getCollection(PEOPLE).insertMany(people);
                people.clear();
            }
        }
        if (!people.isEmpty()) {
            db.getCollection(PEOPLE).insertMany(people);
        }
        List<Document> orders = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            orders.add(new Document("_id", "o" + i).append("customer_no", (long) i * 7919).append("total", i));
        }
        db.getCollection("orders").insertMany(orders);
        db.getCollection("audit log").insertMany(List.of(new Document("_id", 1).append("who", "admin"),
                new Document("_id", 2).append("who", "ops")));
    }

    /** HMAC-SHA256 from the JDK's {@link Mac}, independent of the engine's own computation. */
    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static long hashedLong(long original) throws Exception {
        return Long.parseUnsignedLong(hmac(String.valueOf(original)).substring(0, 16), 16) % Long.MAX_VALUE;
    }

    @Test
    void restore_shouldApplyEveryMaskType_onStagingCollectionsBeforeTheRenames() throws Exception {
        seed(N);
        DumpDirectory dump = dump(snapshot("crm"));
        mongo.resetWrites();
        RecordingContext rec = new RecordingContext("run-1", "crm", request("crm"));
        MongoDatabase target = mongo.db("crm_acceptance");
        List<String> auditAtFirstRename = new ArrayList<>();
        MongoSafety safety = safety(dump, rec);

        // The engine's client is its own; the restorer runs here on the recording client, as the engine runs it.
        new MongoRestorer().restore(dump, target, MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-1")
                .withBatch(1000, 8 << 20), new MongoRestorer.Listener() {
                    @Override
                    public void beforeRenames(MongoDatabase db, List<String> pending) {
                        safety.beforeRenames(db, pending);
                    }

                    @Override
                    public void renamed(String collection) {
                        if (auditAtFirstRename.isEmpty()) {
                            rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).forEach(e -> auditAtFirstRename.add(e.step()));
                        }
                    }
                });

        MongoCollection<Document> people = target.getCollection(PEOPLE);
        assertThat(people.countDocuments()).isEqualTo(N);
        for (int i : new int[] {0, 1, 2, 3, 12_345, 99_999}) {
            Document d = people.find(Filters.eq("_id", i)).first();
            if (i % 10 == 0) {
                assertThat(d).doesNotContainKey("e-mail");
            } else {
                assertThat(d.getString("e-mail")).isEqualTo("u" + hmac("person" + i + "@corp.example.com")
                        .substring(0, 16) + "@example.invalid");
            }
            String work = i % 3 == 0 ? "no-at-sign-" + i : "w" + i + "@work.example.org";
            assertThat(d.getString("work mail")).isEqualTo(hmac(work).substring(0, 16)
                    + (i % 3 == 0 ? "" : "@work.example.org"));
            Document profile = d.get("profile", Document.class);
            assertThat(profile.getString("first name")).isEqualTo(hmac("Name" + i));
            assertThat(profile).containsEntry("phone", null).containsEntry("city", "Bern");
            assertThat(d.getString("ssn")).isEqualTo("000-00");
            assertThat(d.getLong("customer_no")).isEqualTo(hashedLong((long) i * 7919));
        }
        // Set-wide: no original value is left anywhere, and email stays unique as the original was.
        assertThat(people.countDocuments(Filters.ne("profile.phone", null))).isZero();
        assertThat(people.countDocuments(Filters.ne("ssn", "000-00"))).isZero();
        assertThat(people.countDocuments(Filters.regex("e-mail", "@corp\\.example\\.com$"))).isZero();
        Set<String> emails = new HashSet<>();
        people.find(Filters.exists("e-mail")).forEach(d -> emails.add(d.getString("e-mail")));
        assertThat(emails).hasSize(N - N / 10);
        // Masked keys still join: orders.customer_no was hashed the same way as people's.
        Document order = target.getCollection("orders").find(Filters.eq("_id", "o42")).first();
        assertThat(order.getLong("customer_no")).isEqualTo(people.find(Filters.eq("_id", 42)).first().getLong("customer_no"));
        assertThat(target.getCollection("audit log").countDocuments()).isZero();
        assertThat(target.listCollectionNames().into(new ArrayList<>()))
                .noneMatch(n -> n.endsWith(MongoRestorer.STAGING_SUFFIX));

        // Written to the staging collections only, as unordered bulk writes of at most 1000 updates.
        String staging = "crm_acceptance." + PEOPLE + MongoRestorer.STAGING_SUFFIX;
        assertThat(mongo.batches(staging, "update")).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(1, 1000));
        assertThat(mongo.writes("crm_acceptance." + PEOPLE, "update")).isZero();
        assertThat(mongo.writes("crm_acceptance." + PEOPLE, "insert")).isZero();
        assertThat(mongo.writes("crm_acceptance.audit log" + MongoRestorer.STAGING_SUFFIX, "delete")).isEqualTo(1);

        // The audit: isolate, sanitize and verify-masks had succeeded when the first collection was renamed.
        assertThat(auditAtFirstRename).containsExactly(StepName.ISOLATE.id(), StepName.SANITIZE.id(),
                StepName.VERIFY_MASKS.id());
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .startsWith("verify-masks: no unmasked value left").contains(PEOPLE + ".e-mail email (100 sampled values gone)")
                .contains(PEOPLE + ".ssn fixed (every document)").contains("audit log empty"));
        assertNoKey(rec);
    }

    @Test
    void restore_shouldFailBeforeAnyRename_whenAMaskNamesAMissingCollection() throws Exception {
        seed(300);
        String id = snapshot("missing");
        DumpDirectory dump = dump(id);
        MongoDatabase target = mongo.db("crm_acceptance");
        target.getCollection("orders").insertOne(new Document("_id", "old-order").append("customer_no", 1L));
        target.getCollection(PEOPLE).insertOne(new Document("_id", -1).append("old", true));
        mongo.resetWrites();
        RecordingContext direct = new RecordingContext("run-1", "missing", request("missing"));
        MongoSafety safety = new MongoSafety(mongo.client, plan("missing").mongodb().sanitize(), KEY.toCharArray(),
                1000, Set.of(), dump, "run-1", direct.ctx);

        assertThatThrownBy(() -> new MongoRestorer().restore(dump, target,
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-1"), new MongoRestorer.Listener() {
                    @Override
                    public void beforeRenames(MongoDatabase db, List<String> pending) {
                        safety.beforeRenames(db, pending);
                    }
                })).isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
                    assertThat(e.getMessage()).contains("collection 'nope' (not in the snapshot)")
                            .doesNotContain("'orders'");
                });
        // Sent to the server: no rename, no drop but of staging collections, no masking write.
        assertThat(mongo.commands).isNotEmpty().noneMatch(c -> c.containsKey("renameCollection"));
        assertThat(mongo.commands).filteredOn(c -> c.containsKey("drop"))
                .allSatisfy(c -> assertThat(c.getString("drop").getValue()).endsWith(MongoRestorer.STAGING_SUFFIX));
        assertThat(mongo.writes("crm_acceptance.orders" + MongoRestorer.STAGING_SUFFIX, "update")).isZero();
        assertThat(mongo.writes("crm_acceptance.orders", "insert") + mongo.writes("crm_acceptance.orders", "delete")
                + mongo.writes("crm_acceptance.orders", "update")).isZero();

        // Through the engine: refused, staging collections (which may hold unmasked documents) dropped.
        RecordingContext rec = new RecordingContext("run-2", "missing", request("missing"));
        RestoreProgress progress = restores.start(plan("missing"), id, false, rec.ctx);

        assertThat(progress).isInstanceOfSatisfying(RestoreProgress.Refused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
            assertThat(r.step()).isEqualTo(StepName.SANITIZE);
            assertThat(r.message()).contains("collection 'nope' (not in the snapshot)")
                    .contains("the old target collections were kept");
        });
        assertThat(target.getCollection("orders").find().into(new ArrayList<>()))
                .containsExactly(new Document("_id", "old-order").append("customer_no", 1L));
        assertThat(target.getCollection(PEOPLE).find().into(new ArrayList<>()))
                .containsExactly(new Document("_id", -1).append("old", true));
        assertThat(target.listCollectionNames().into(new ArrayList<>()))
                .noneMatch(n -> n.endsWith(MongoRestorer.STAGING_SUFFIX)).doesNotContain("nope");
        assertThat(rec.audit).anySatisfy(e -> assertThat(e.step() + " " + e.status() + " " + e.errorCode())
                .isEqualTo("sanitize " + AuditStatus.FAILED.id() + " SANITIZE_EXCEPTION"));
        assertNoKey(rec);
        assertNoKey(direct);
    }

    @Test
    void start_shouldMaskAndReportIsolation_throughTheEngine() throws Exception {
        seed(300);
        String id = snapshot("crm");
        RecordingContext rec = new RecordingContext("run-1", "crm", request("crm"));

        RestoreProgress progress = restores.start(plan("crm"), id, false, rec.ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Restored.class);
        Document d = mongo.db("crm_acceptance").getCollection(PEOPLE).find(Filters.eq("_id", 5)).first();
        assertThat(d.getString("ssn")).isEqualTo("000-00");
        assertThat(d.get("profile", Document.class).getString("first name")).isEqualTo(hmac("Name5"));
        // mongo-java-server has no user commands: isolation says so instead of failing the run.
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(x -> assertThat(x)
                .isEqualTo("isolate: the server has no user commands (usersInfo: CommandNotFound): no user can log in,"
                        + " nothing to isolate"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(x -> assertThat(x).startsWith("sanitize: masked in the"
                + " staging collections before the renames: " + PEOPLE + ": 6 fields"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(x -> assertThat(x).startsWith("verify-masks: "));
        assertNoKey(rec);
    }

    @Test
    void restore_shouldNotMaskTwice_whenRedeliveredAfterACrashAtTheFirstRename() throws Exception {
        seed(300);
        String id = snapshot("crm");
        DumpDirectory dump = dump(id);
        MongoDatabase target = mongo.db("crm_acceptance");
        var options = MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-1").withBatch(100, 1 << 20);
        RecordingContext first = new RecordingContext("run-1", "crm", request("crm"));
        MongoSafety firstSafety = new MongoSafety(mongo.client, plan("crm").mongodb().sanitize(), KEY.toCharArray(),
                100, Set.of(), dump, "run-1", first.ctx);
        MongoRestorer.Listener crashing = new MongoRestorer.Listener() {
            @Override
            public void beforeRenames(MongoDatabase db, List<String> pending) {
                firstSafety.beforeRenames(db, pending);
            }

            @Override
            public void renamed(String collection) {
                throw new IllegalStateException("crash after the first rename");
            }
        };
        try {
            new MongoRestorer().restore(dump, target, options, crashing);
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("crash after the first rename");
        }
        RecordingContext second = new RecordingContext("run-1", "crm", request("crm"));
        MongoSafety again = new MongoSafety(mongo.client, plan("crm").mongodb().sanitize(), KEY.toCharArray(), 100,
                Set.of(), dump, "run-1", second.ctx);

        new MongoRestorer().restore(dump, target, options, new MongoRestorer.Listener() {
            @Override
            public void beforeRenames(MongoDatabase db, List<String> pending) {
                again.beforeRenames(db, pending);
            }
        });

        // Hashed once (a second HMAC over the hash would differ), and every mask still holds.
        Document d = target.getCollection(PEOPLE).find(Filters.eq("_id", 7)).first();
        assertThat(d.get("profile", Document.class).getString("first name")).isEqualTo(hmac("Name7"));
        assertThat(d.getLong("customer_no")).isEqualTo(hashedLong(7L * 7919));
        assertThat(target.getCollection("orders").find(Filters.eq("_id", "o7")).first().getLong("customer_no"))
                .isEqualTo(hashedLong(7L * 7919));
        assertThat(target.getCollection("audit log").countDocuments()).isZero();
        assertThat(second.details(AuditStatus.SUCCEEDED)).anySatisfy(x -> assertThat(x)
                .startsWith("sanitize:").contains("masked by an earlier delivery of this run"));
    }

    @Test
    void verify_shouldFailNamingTheFields_whenUnmaskedValuesRemain() {
        MongoDatabase db = mongo.db("crm_acceptance");
        db.getCollection("c" + MongoRestorer.STAGING_SUFFIX).insertMany(List.of(
                new Document("_id", 1).append("email", "secret.person@corp.example.com").append("ssn", "756.1")
                        .append("p", "+41 79 1"),
                new Document("_id", 2).append("email", "other@corp.example.com").append("ssn", "000").append("p", null)));
        List<ColumnMask> columns = List.of(new ColumnMask("email", MaskType.EMAIL, null),
                new ColumnMask("ssn", MaskType.FIXED, "000"), new ColumnMask("p", MaskType.NULL, null));
        SanitizeSettings settings = new SanitizeSettings(List.of(new TableMask("public", "c", false, columns)),
                List.of(), "env:MASK_KEY", true, List.of(), false, false);
        MongoMasker masker = new MongoMasker(settings, KEY.toCharArray(), 10);
        var targets = masker.check(db, Set.of("c"), Set.of());
        var samples = masker.sample(db, targets);

        // Not applied (as if a write had been lost): every mask kind is caught, no value is named.
        assertThatThrownBy(() -> masker.verify(db, targets, samples)).isInstanceOfSatisfying(SanitizeException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED);
            assertThat(e.step()).isEqualTo(StepName.VERIFY_MASKS);
            assertThat(e.getMessage()).contains("c.email (2 documents)", "c.ssn (1 documents)", "c.p (1 documents)")
                    .doesNotContain("secret.person", "756.1", "+41", KEY);
        });
        masker.apply(db, targets);
        assertThat(masker.verify(db, targets, samples)).containsExactly("c.email email (2 sampled values gone)",
                "c.ssn fixed (every document)", "c.p null (every document)");
    }

    private static void assertNoKey(RecordingContext rec) {
        assertThat(rec.audit).allSatisfy(e -> assertThat(String.valueOf(e.details()) + e.errorCode()).doesNotContain(KEY));
        assertThat(rec.published).allSatisfy(e -> assertThat(e.toString()).doesNotContain(KEY));
    }
}
