package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pipeline:} masks (the {@code js:} escape hatch) of the {@code mongodb} engine against mongo-java-server,
 * which cannot run update pipelines: the command the driver sends (one {@code updateMany} on the staging collection
 * before the renames) as the server recorded it, a server refusal failing the run naming the file and the
 * collection with the old target intact and no staging collection left, a file changed after the plan was read
 * refused before any write, and what {@code verify-masks} checks of a pipeline.
 */
class MongoPipelineMaskTest {

    private static final EnvFileSecretResolver SECRETS = new EnvFileSecretResolver(Map.<String, String>of()::get);

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
        plans = plans(dir, "127.0.0.1", port, "prod", "acc");
        List<Document> people = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            people.add(new Document("_id", i).append("ssn", "756." + i).append("city", i % 2 == 0 ? "Bern" : "Genf")
                    .append("notes", "private " + i).append("profile", new Document("phone", "+41 79 " + i).append("age", i)));
        }
        mongo.db("prod").getCollection("people").insertMany(people);
    }

    /**
     * Writes {@code masks/people.json} (a {@code $set} of a constant and a computed field, an {@code $unset} of a
     * top-level and a nested field) into {@code dir} and reads a plans file there with plan {@code good}, masking
     * collection {@code people} with it.
     *
     * @return the plans
     */
    static PlanCatalog plans(Path dir, String host, int port, String source, String target) throws Exception {
        Files.createDirectories(dir.resolve("masks"));
        Files.writeString(dir.resolve("masks/people.json"), """
                [{"$set": {"ssn": "000-00", "label": {"$concat": ["person in ", "$city"]}}},
                 {"$unset": ["notes", "profile.phone"]}]
                """);
        String yaml = """
                plans:
                  good:
                    engine: mongodb
                    source: {host: HOST, port: PORT, database: SOURCE}
                    target: {host: HOST, port: PORT, database: TARGET}
                    snapshot: {source-store: SRC, target-store: TGT}
                    sanitize:
                      masks:
                        - {table: people, pipeline: masks/people.json}
                """.replace("HOST", host).replace("PORT", String.valueOf(port)).replace("SOURCE", source)
                .replace("TARGET", target).replace("SRC", dir.resolve("src").toString())
                .replace("TGT", dir.resolve("tgt").toString());
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), dir);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private String snapshot(String plan) throws Exception {
        RecordingContext rec = new RecordingContext("snap-" + plan, plan, MongoMaskingTest.request(plan));
        return ((SnapshotProgress.Ready) snapshots.start(plans.require(plan), MongoMaskingTest.request(plan), rec.ctx)).snapshotId();
    }

    /**
     * mongo-java-server 1.47.0 does not run update pipelines (bwaldvogel/mongo-java-server issues 167 and 226: it
     * answers {@code ArrayList cannot be cast to Document}), so what is checked here is the command the driver sent,
     * as the server recorded it, and the refusal path a server error takes.
     */
    @Test
    void start_shouldSendThePipelineAsOneUpdateManyOnTheStagingCollection_andKeepTheOldTarget_whenTheServerRefusesIt()
            throws Exception {
        String id = snapshot("good");
        mongo.db("acc").getCollection("people").insertOne(new Document("_id", -1).append("old", true));
        var snap = new MongoSnapshotStore(plans.require("good").mongodb().targetStore()).find(id).orElseThrow();
        DumpDirectory dump = DumpDirectory.read(snap.dir(), snap.manifest().database());
        RecordingContext direct = new RecordingContext("run-1", "good", MongoMaskingTest.request("good"));
        MongoSafety safety = new MongoSafety(mongo.client, plans.require("good").mongodb().sanitize(), null, 1000, Set.of(), dump,
                "run-1", direct.ctx);

        assertThatThrownBy(() -> new MongoRestorer().restore(dump, mongo.db("acc"),
                MongoRestorer.Options.of(MongoRestorer.Mode.REPLACE, "run-1"), new MongoRestorer.Listener() {
                    @Override
                    public void beforeRenames(MongoDatabase db, List<String> pending) {
                        safety.beforeRenames(db, pending);
                    }
                })).isInstanceOfSatisfying(SanitizeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED));

        // Sent: one update command on the staging collection, q {}, multi, u = the file's stages as written.
        org.bson.BsonArray expected = org.bson.BsonArray.parse(Files.readString(dir.resolve("masks/people.json")));
        assertThat(mongo.pipelineUpdates).singleElement().satisfies(c -> {
                    assertThat(c.getString("update").getValue()).isEqualTo("people" + MongoRestorer.STAGING_SUFFIX);
                    BsonDocument u = c.getArray("updates").get(0).asDocument();
                    assertThat(u.getDocument("q")).isEqualTo(new BsonDocument());
                    assertThat(u.getBoolean("multi").getValue()).isTrue();
                    assertThat(u.getArray("u")).isEqualTo(expected);
                });
        assertThat(mongo.commands).noneMatch(c -> c.containsKey("renameCollection"));

        // Through the engine (its own client): refused naming file and collection, old target intact, staging dropped.
        RecordingContext rec = new RecordingContext("run-2", "good", MongoMaskingTest.request("good"));
        RestoreProgress progress = restores.start(plans.require("good"), id, false, rec.ctx);

        assertThat(progress).isInstanceOfSatisfying(RestoreProgress.Refused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.MASK_FAILED);
            assertThat(r.step()).isEqualTo(StepName.SANITIZE);
            assertThat(r.message()).contains("collection 'people'", dir.resolve("masks/people.json").toString(),
                    "the old target collections were kept");
        });
        MongoDatabase acc = mongo.db("acc");
        assertThat(acc.getCollection("people").find().into(new ArrayList<>()))
                .containsExactly(new Document("_id", -1).append("old", true));
        assertThat(acc.listCollectionNames().into(new ArrayList<>())).noneMatch(n -> n.endsWith(MongoRestorer.STAGING_SUFFIX));
    }

    @Test
    void apply_shouldRefuseAFileChangedAfterThePlanWasRead_beforeWritingAnything() throws Exception {
        MongoDatabase db = mongo.db("acc");
        db.getCollection("people" + MongoRestorer.STAGING_SUFFIX).insertOne(new Document("_id", 1).append("ssn", "756.1"));
        TableMask mask = plans.require("good").mongodb().sanitize().masks().get(0);
        MongoMasker masker = new MongoMasker(new SanitizeSettings(List.of(mask), List.of(), null, true, List.of(), false,
                false), null, 10);
        var targets = masker.check(db, Set.of("people"), Set.of());
        Files.writeString(mask.pipeline(), "[{\"$merge\": {\"into\": \"elsewhere\"}}]");
        mongo.resetWrites();

        assertThatThrownBy(() -> masker.apply(db, targets)).isInstanceOfSatisfying(SanitizeException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MASK_FAILED);
            assertThat(e.getMessage()).contains("people.json", "'people'", "'$merge'");
        });
        assertThat(mongo.writes("acc.people" + MongoRestorer.STAGING_SUFFIX, "update")).isZero();
        assertThat(db.getCollection("people" + MongoRestorer.STAGING_SUFFIX).find().first().getString("ssn")).isEqualTo("756.1");
    }

    @Test
    void verify_shouldFailNamingTheField_whenADocumentDiffersFromThePipelinesConstant() {
        MongoDatabase db = mongo.db("acc");
        var staging = db.getCollection("people" + MongoRestorer.STAGING_SUFFIX);
        staging.insertMany(List.of(new Document("_id", 1).append("ssn", "756.1").append("notes", "n"),
                new Document("_id", 2).append("ssn", "756.2")));
        TableMask mask = plans.require("good").mongodb().sanitize().masks().get(0);
        MongoMasker masker = new MongoMasker(new SanitizeSettings(List.of(mask), List.of(), null, true, List.of(), false,
                false), null, 10);
        var targets = masker.check(db, Set.of("people"), Set.of());

        // Not applied yet (as if the write had been lost): both checked fields are named, no value is.
        assertThatThrownBy(() -> masker.verify(db, targets, Map.of())).isInstanceOfSatisfying(SanitizeException.class, e -> {
            assertThat(e.step()).isEqualTo(StepName.VERIFY_MASKS);
            assertThat(e.getMessage()).contains("people.ssn (2 documents differ", "people.notes (1 documents differ")
                    .doesNotContain("756.");
        });
        // What the pipeline leaves (written with classic operators: this server cannot run pipelines) passes.
        staging.updateMany(new Document(), new Document("$set", new Document("ssn", "000-00")));
        staging.updateMany(new Document(), new Document("$unset", new Document("notes", "").append("profile.phone", "")));
        assertThat(masker.verify(db, targets, Map.of())).containsExactly(
                "people.ssn set to a constant by pipeline (every document)",
                "people.notes unset by pipeline (every document)", "people.profile.phone unset by pipeline (every document)",
                "people: pipeline people.json applied");
    }

    @Test
    void constants_shouldKeepOnlyFieldsNoLaterStageRewrites() {
        List<BsonDocument> stages = List.of(BsonDocument.parse("{$set: {a: 'x', b: '$other', c: {$literal: '$c'}, d: 1}}"),
                BsonDocument.parse("{$unset: 'e'}"), BsonDocument.parse("{$set: {d: {$toUpper: '$d'}}}"));

        assertThat(MongoMasker.constants(stages)).containsOnlyKeys("a", "c", "e");
        assertThat(MongoMasker.constants(List.of(stages.get(0), BsonDocument.parse("{$replaceWith: {z: 1}}")))).isEmpty();
    }
}
