package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.mongodb.testing.MongoWire;
import dev.dbrefresh.engine.mongodb.testing.UserCommandsBackend;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.engine.rds.mongo.DocDbMasking;
import dev.dbrefresh.engine.rds.mongo.MongoConnections;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code docdb} data plane of {@link ClusterUsersEngine} ({@code isolate}, {@code sanitize},
 * {@code verify-masks}, users, counts) over the MongoDB wire protocol against mongo-java-server standing in for a
 * restored DocumentDB cluster. mongo-java-server has no user commands (nor SCRAM, so the client is not
 * authenticated): its backend here answers the user commands as DocumentDB
 * does and records, at each {@code createUser}, what the masked collection then held.
 */
class DocDbMaskingTest {

    private static final String DB = "shop";
    private static final String KEY = "docdb-mask-key-4b1f";
    private static final int CUSTOMERS = 2_500;
    private static final EnvFileSecretResolver SECRETS = new EnvFileSecretResolver(Map.of("MASTER_PW", "master-pw",
            "APP_PW", "app-pw", "MASK_KEY", KEY)::get);

    private MongoWire wire;
    private MongoClient client;
    private Users backend;
    private final ClusterUsersEngine engine = new ClusterUsersEngine(new ClusterApis(List.of()), SECRETS,
            new dev.dbrefresh.runtime.audit.InMemoryAuditLog());

    @BeforeEach
    void restoredCluster() {
        backend = new Users();
        wire = MongoWire.start(backend, (host, port) -> MongoConnections.settings(host, port, null, null, false));
        client = wire.client();
        List<Document> customers = new ArrayList<>();
        IntStream.rangeClosed(1, CUSTOMERS).forEach(i -> customers.add(new Document("_id", i)
                .append("email", "user" + i + "@corp" + (i % 7) + ".example").append("name", "Name " + i)
                .append("ref", i).append("phone", "+31 6 " + i).append("note", "note " + i)
                .append("profile", new Document("contact", "c" + i + "@partner" + (i % 3) + ".example"))));
        client.getDatabase(DB).getCollection("customers").insertMany(customers);
        client.getDatabase(DB).getCollection("sessions").insertMany(List.of(new Document("_id", 1).append("token", "t1"),
                new Document("_id", 2).append("token", "t2")));
    }

    @AfterEach
    void stop() {
        wire.close();
    }

    private static final String EVERY_MASK = """
                - table: customers
                  columns: {email: email, name: hash, ref: hash, phone: null, note: {fixed: redacted},
                            profile.contact: keep-domain}
                - {table: sessions, mask: truncate-table}
            """;

    @Test
    void docdb_shouldApplyEveryMaskToTheRestoredDatabase_beforeThePlansUsersExist() throws Exception {
        RecordingContext rec = context("run-1");

        engine.docdb(plan(EVERY_MASK), client, DB, rec.ctx);

        Document first = customer(1);
        assertThat(first.getString("email")).isEqualTo("u" + hmac("user1@corp1.example").substring(0, 16)
                + "@example.invalid");
        assertThat(first.getString("name")).isEqualTo(hmac("Name 1"));
        assertThat(first.getInteger("ref")).isEqualTo((int) (Long.parseUnsignedLong(hmac("1").substring(0, 16), 16)
                % Integer.MAX_VALUE));
        assertThat(first.get("phone")).isNull();
        assertThat(first.containsKey("phone")).isTrue();
        assertThat(first.getString("note")).isEqualTo("redacted");
        assertThat(first.get("profile", Document.class).getString("contact"))
                .isEqualTo(hmac("c1@partner1.example").substring(0, 16) + "@partner1.example");
        MongoCollection<Document> customers = client.getDatabase(DB).getCollection("customers");
        assertThat(customers.countDocuments()).isEqualTo(CUSTOMERS);
        assertThat(customers.countDocuments(new Document("email", new Document("$regex", "@corp")))).isZero();
        assertThat(customers.distinct("email", String.class).into(new ArrayList<>())).hasSize(CUSTOMERS);
        assertThat(client.getDatabase(DB).getCollection("sessions").countDocuments()).isZero();
        // The plan's user was created once, and by then no unmasked value was left.
        assertThat(backend.created).containsExactly("app");
        assertThat(backend.unmaskedWhenCreated).containsExactly(0L);
        assertThat(rec.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step).toList())
                .containsSubsequence(StepName.ISOLATE.id(), StepName.SANITIZE.id(), StepName.VERIFY_MASKS.id(),
                        StepName.USERS.id(), StepName.VERIFY.id());
        assertThat(String.join("\n", rec.audit.stream().map(AuditEntry::toString).toList())).doesNotContain(KEY)
                .doesNotContain("user1@corp1.example");
        assertThat(client.getDatabase(DocDbMasking.MARKER_DATABASE).getCollection(DocDbMasking.MARKER_COLLECTION)
                .find(new Document("_id", rec.ctx.runId())).first()).containsEntry("state", DocDbMasking.MASKED);
    }

    @Test
    void docdb_shouldNotMaskAgain_whenTheEventIsRedelivered() throws Exception {
        RefreshPlan plan = plan(EVERY_MASK);
        RecordingContext rec = context("run-2");
        engine.docdb(plan, client, DB, rec.ctx);
        List<Document> once = client.getDatabase(DB).getCollection("customers").find().sort(Sorts.ascending("_id"))
                .into(new ArrayList<>());

        // A redelivery of the same run (a fresh engine and audit log: the marker in the cluster is what counts).
        RecordingContext again = context("run-2");
        new ClusterUsersEngine(new ClusterApis(List.of()), SECRETS, again.auditLog).docdb(plan, client, DB, again.ctx);

        assertThat(client.getDatabase(DB).getCollection("customers").find().sort(Sorts.ascending("_id"))
                .into(new ArrayList<>())).isEqualTo(once);
        assertThat(again.details(AuditStatus.SKIPPED)).anySatisfy(d -> assertThat(d).contains("already masked"));
        assertThat(again.audit.stream().filter(e -> e.is(AuditStatus.SUCCEEDED)).map(AuditEntry::step).toList())
                .doesNotContain(StepName.SANITIZE.id());
        assertThat(String.join("\n", again.audit.stream().map(AuditEntry::toString).toList())).doesNotContain(KEY);
    }

    @Test
    void docdb_shouldRefuseKeyedMasksAgain_whenAnEarlierDeliveryStoppedWhileMasking() throws Exception {
        client.getDatabase(DocDbMasking.MARKER_DATABASE).getCollection(DocDbMasking.MARKER_COLLECTION).insertOne(
                new Document("_id", context("run-4").ctx.runId()).append("database", DB)
                        .append("state", DocDbMasking.MASKING).append("at", "2026-12-01T16:00:00Z"));
        Document before = customer(7);

        assertThatThrownBy(() -> engine.docdb(plan(EVERY_MASK), client, DB, context("run-4").ctx))
                .isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED);
                    assertThat(e.getMessage()).contains("stopped while masking").doesNotContain(KEY);
                });
        assertThat(customer(7)).isEqualTo(before);
        assertThat(backend.created).isEmpty();
    }

    @Test
    void docdb_shouldFailWithMaskTargetMissing_andCreateNoUser_whenACollectionIsMissing() throws Exception {
        RecordingContext rec = context("run-3");
        Document before = customer(3);

        assertThatThrownBy(() -> engine.docdb(plan("""
                - {table: customers, columns: {email: email}}
                - {table: invoices, columns: {iban: hash}}
            """), client, DB, rec.ctx)).isInstanceOfSatisfying(SanitizeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MASK_TARGET_MISSING);
                    assertThat(e.step()).isEqualTo(StepName.SANITIZE);
                    assertThat(e.getMessage()).contains("collection 'invoices'").contains("no user was created");
                });
        assertThat(customer(3)).isEqualTo(before);
        assertThat(backend.created).isEmpty();
        assertThat(String.join("\n", rec.audit.stream().map(AuditEntry::toString).toList())).doesNotContain(KEY);
    }

    private Document customer(int id) {
        return client.getDatabase(DB).getCollection("customers").find(new Document("_id", id)).first();
    }

    private static RecordingContext context(String run) {
        return new RecordingContext(run, "docs", new RefreshRequested("docs", null, null, false, null, Map.of()));
    }

    private static RefreshPlan plan(String masks) throws Exception {
        String yaml = """
                plans:
                  docs:
                    engine: docdb
                    source: {account: '111111111111', region: us-east-1, cluster: prod-docdb}
                    target:
                      account: '222222222222'
                      region: us-east-1
                      cluster: acc-docdb
                      subnet-group: sg
                      instance-class: db.r6g.large
                      master-username: master
                      master-password-secret: env:MASTER_PW
                      database: %s
                    users:
                      - {name: app, password-secret: env:APP_PW, grants: [{on: database, privileges: [read]}]}
                    sanitize:
                      key-secret: env:MASK_KEY
                      masks:
                %s
                """.formatted(DB, masks.indent(4));
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("docs");
    }

    /** HMAC-SHA256 (RFC 2104) of {@code text} with the test key, in hex: the JDK's, to check the masker's own. */
    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * DocumentDB's user store on {@code admin} ({@link UserCommandsBackend}, with production's {@code master} and
     * {@code orders_svc}); at each {@code createUser} it counts the customers still holding an unmasked email.
     */
    static final class Users extends UserCommandsBackend {

        final List<String> created = new CopyOnWriteArrayList<>();
        final List<Long> unmaskedWhenCreated = new CopyOnWriteArrayList<>();

        Users() {
            super(List.of("master", "orders_svc"));
        }

        @Override
        public de.bwaldvogel.mongo.bson.Document handleCommand(Channel channel, String database, String command,
                de.bwaldvogel.mongo.bson.Document query) {
            if ("admin".equals(database) && "createUser".equals(command)) {
                unmaskedWhenCreated.add(super.handleCommand(channel, DB, "count", new de.bwaldvogel.mongo.bson.Document(
                        "count", "customers").append("query", new de.bwaldvogel.mongo.bson.Document("email",
                        new de.bwaldvogel.mongo.bson.Document("$regex", "@corp")))).get("n") instanceof Number n
                        ? n.longValue() : -1L);
                created.add((String) query.get("createUser"));
            }
            return super.handleCommand(channel, database, command, query);
        }
    }
}
