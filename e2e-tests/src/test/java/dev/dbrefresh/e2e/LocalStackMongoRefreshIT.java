package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import dev.dbrefresh.local.LocalMongo;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.RunReport;
import dev.dbrefresh.local.ShopData;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code ./dbrefresh run --plan local-mongodb}, as a test: the shipped {@code local-mongodb} plan (from
 * local-stack's default plans, pointed at a free port) through the four service jars as processes. This test starts
 * the mongo-java-server itself and seeds the source with the launcher's {@link ShopData}, so that one server lives
 * across both runs (the launcher then uses it as it is, and seeds nothing): the first run replaces, then 1% of the
 * source changes and the second run, with {@code restore.mode=delta} as a per-run value, writes only those documents.
 */
class LocalStackMongoRefreshIT {

    private static final String SOURCE = "shop_production";
    private static final String TARGET = "shop_acceptance";
    /** A restore's per-collection counts as MongoRestoreEngine's audit entry states them. */
    private static final Pattern COUNTS = Pattern.compile("(\\w+) \\+(\\d+) ~(\\d+) -(\\d+) =(\\d+)");

    @TempDir
    static Path home;

    private static MongoServer server;
    private static MongoClient client;
    private static Path plans;

    @BeforeAll
    static void startServerAndWritePlan() throws Exception {
        server = LocalMongo.start("127.0.0.1", 0);
        int port = server.getLocalAddress().getPort();
        client = MongoClients.create("mongodb://127.0.0.1:" + port);
        ShopData.seed(client.getDatabase(SOURCE));
        String defaults = new String(LocalStackRunner.class.getResourceAsStream("/dbrefresh/default-plans.yml")
                .readAllBytes(), StandardCharsets.UTF_8);
        Matcher plan = Pattern.compile("(?ms)^  local-mongodb:\\n.*?(?=^  \\S|\\z)").matcher(defaults);
        assertThat(plan.find()).as("local-mongodb in the default plans").isTrue();
        String block = plan.group().replace("port: 27217", "port: " + port);
        assertThat(block).contains("port: " + port).doesNotContain("27217");
        plans = home.resolve("plans.yml");
        Files.writeString(plans, "plans:\n" + block);
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void run_shouldCopySourceByReplace_thenWriteOnlyTheChangedDocumentsByDelta() throws Exception {
        MongoDatabase source = client.getDatabase(SOURCE);
        MongoDatabase target = client.getDatabase(TARGET);

        RunReport first = run(Map.of());

        assertThat(first.succeeded()).as(first.toString()).isTrue();
        assertThat(first.entries()).filteredOn(e -> e.isStep(dev.dbrefresh.contracts.StepName.RESTORE)
                && e.is(AuditStatus.SUCCEEDED)).singleElement()
                .satisfies(e -> assertThat(e.details()).contains("by replace"));
        assertThat(counts(target)).isEqualTo(counts(source)).containsAllEntriesOf(ShopData.COLLECTIONS.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, x -> x.getValue().longValue())));
        assertThat(contentDigests(target)).isEqualTo(contentDigests(source));
        assertThat(indexes(target)).isEqualTo(indexes(source));
        assertThat(indexes(target).get("customers")).containsKeys("_id_", "email_unique", "last_since");
        assertThat(client.getDatabase(TARGET).listCollectionNames().into(new ArrayList<>()))
                .as("no staging collection is left").noneMatch(n -> n.contains("__dbrefresh"));

        // 1% of the source's 210,000 documents: 1,000 orders changed, 500 events deleted, 600 customers added.
        source.getCollection("orders").find().sort(Sorts.ascending("_id")).limit(1000).projection(new Document("_id", 1))
                .forEach(d -> source.getCollection("orders").updateOne(Filters.eq("_id", d.get("_id")),
                        Updates.set("status", "refunded")));
        List<Object> gone = new ArrayList<>();
        source.getCollection("events").find().sort(Sorts.ascending("_id")).limit(500).projection(new Document("_id", 1))
                .forEach(d -> gone.add(d.get("_id")));
        assertThat(source.getCollection("events").deleteMany(Filters.in("_id", gone)).getDeletedCount()).isEqualTo(500);
        List<Document> added = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            added.add(new Document("_id", new ObjectId()).append("email", "new" + i + "@shop.example")
                    .append("name", new Document("first", "New").append("last", "Customer" + i)));
        }
        source.getCollection("customers").insertMany(added);
        Map<String, String> acceptanceBefore = contentDigests(target);

        RunReport second = run(Map.of("restore.mode", "delta"));

        assertThat(second.succeeded()).as(second.toString()).isTrue();
        assertThat(second.entries()).filteredOn(e -> "plan-values".equals(e.step()))
                .extracting(AuditEntry::service, AuditEntry::details)
                .contains(org.assertj.core.groups.Tuple.tuple("cluster-service", "restore.mode from event"));
        AuditEntry restore = second.entries().stream().filter(e -> e.isStep(dev.dbrefresh.contracts.StepName.RESTORE)
                && e.is(AuditStatus.SUCCEEDED)).findFirst().orElseThrow();
        assertThat(restore.details()).contains("by delta");
        // The writes the restore made, per collection: inserted, replaced, deleted, unchanged.
        assertThat(restoreCounts(restore)).isEqualTo(Map.of(
                "customers", List.of(600L, 0L, 0L, 40_000L),
                "orders", List.of(0L, 1_000L, 0L, 119_000L),
                "events", List.of(0L, 0L, 500L, 39_500L),
                "products", List.of(0L, 0L, 0L, 10_000L)));
        assertThat(counts(target)).isEqualTo(counts(source));
        Map<String, String> acceptanceAfter = contentDigests(target);
        assertThat(acceptanceAfter).isEqualTo(contentDigests(source));
        assertThat(acceptanceAfter.get("products")).as("a collection without changes").isEqualTo(acceptanceBefore.get("products"));
        assertThat(indexes(target)).isEqualTo(indexes(source));
    }

    private RunReport run(Map<String, String> values) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        RunReport report = new LocalStackRunner().run(new LocalStackRunner.Options(Path.of("..").toAbsolutePath().normalize(),
                home, plans, "local-mongodb", 1, 5, Duration.ofMinutes(6), print, false, values));
        report.print(print);
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertThat(printed).contains("is already up; used as it is (not seeded)")
                .doesNotContain("started the in-process MongoDB server").doesNotContain("seeded ");
        return report;
    }

    /** @return inserted, replaced, deleted, unchanged per collection, from the restore's audit entry */
    private static Map<String, List<Long>> restoreCounts(AuditEntry restore) {
        Map<String, List<Long>> counts = new TreeMap<>();
        Matcher m = COUNTS.matcher(restore.details());
        while (m.find()) {
            counts.put(m.group(1), List.of(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5))));
        }
        return counts;
    }

    private static Map<String, Long> counts(MongoDatabase db) {
        Map<String, Long> counts = new TreeMap<>();
        for (String c : db.listCollectionNames()) {
            counts.put(c, db.getCollection(c).countDocuments());
        }
        return counts;
    }

    /** @return per collection, SHA-256 over every document's raw BSON in {@code _id} order: equal means byte for byte */
    private static Map<String, String> contentDigests(MongoDatabase db) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        for (String c : db.listCollectionNames()) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (RawBsonDocument d : db.getCollection(c, RawBsonDocument.class).find().sort(Sorts.ascending("_id"))) {
                var buffer = d.getByteBuffer();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                sha.update(bytes);
            }
            digests.put(c, HexFormat.of().formatHex(sha.digest()));
        }
        return digests;
    }

    /** @return per collection, its indexes as listIndexes states them (without {@code ns}), by name */
    private static Map<String, Map<String, BsonDocument>> indexes(MongoDatabase db) {
        Map<String, Map<String, BsonDocument>> all = new TreeMap<>();
        for (String c : db.listCollectionNames()) {
            Map<String, BsonDocument> byName = new TreeMap<>();
            for (BsonDocument i : db.getCollection(c).listIndexes(BsonDocument.class)) {
                BsonDocument spec = i.clone();
                spec.remove("ns");
                byName.put(spec.getString("name").getValue(), spec);
            }
            all.put(c, byName);
        }
        return all;
    }
}
