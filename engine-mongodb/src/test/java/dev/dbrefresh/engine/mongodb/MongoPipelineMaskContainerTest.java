package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.testsupport.ContainerTest;
import dev.dbrefresh.testsupport.RealMongo;
import dev.dbrefresh.testsupport.RequiresRealServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REQUIRES A REAL MONGOD (container only, no in-process twin): a {@code pipeline:} mask's effect on the documents of
 * a {@code mongodb} refresh, on {@code mongod} 7 ({@link RealMongo#replicaSet()}): the file's {@code $set} stage sets
 * a constant and a computed field, its {@code $unset} stage removes a top-level and a nested field, every other field
 * is kept as it was in production, production itself is untouched, and {@code verify-masks} passes. Skipped, with the
 * reason, where Docker is absent.
 */
@ContainerTest
@RequiresRealServer("mongo-java-server cannot run update pipelines (it answers 'ArrayList cannot be cast to Document');"
        + " MongoPipelineMaskTest checks the command as sent, the refusal path and verify-masks there")
class MongoPipelineMaskContainerTest {

    private static final EnvFileSecretResolver SECRETS = new EnvFileSecretResolver(Map.<String, String>of()::get);
    private static final int PEOPLE = 500;

    @TempDir
    Path dir;

    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final String prod = "prod_" + suffix;
    private final String acc = "acc_" + suffix;
    private final MongoIdentity identity = new MongoIdentity(SECRETS);
    private MongoClient client;
    private RefreshPlan plan;

    @BeforeEach
    void seed() throws Exception {
        var mongod = RealMongo.replicaSet();
        client = MongoClients.create(mongod.getReplicaSetUrl());
        plan = MongoPipelineMaskTest.plans(dir, mongod.getHost(), mongod.getMappedPort(RealMongo.PORT), prod, acc)
                .require("good");
        List<Document> people = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
            people.add(person(i));
        }
        client.getDatabase(prod).getCollection("people").insertMany(people);
    }

    private static Document person(int i) {
        return new Document("_id", i).append("ssn", "756." + i).append("city", i % 2 == 0 ? "Bern" : "Genf")
                .append("notes", "private " + i).append("profile", new Document("phone", "+41 79 " + i).append("age", i));
    }

    @AfterEach
    void drop() {
        client.getDatabase(prod).drop();
        client.getDatabase(acc).drop();
        client.close();
    }

    @Test
    void refresh_shouldSetAndUnsetThePipelinesFields_andKeepEveryOtherField() throws Exception {
        RecordingContext snap = new RecordingContext("snap-" + suffix, "good", MongoMaskingTest.request("good"));
        String id = ((SnapshotProgress.Ready) new MongoSnapshotEngine(SECRETS, identity).start(plan,
                MongoMaskingTest.request("good"), snap.ctx)).snapshotId();
        RecordingContext rec = new RecordingContext("run-" + suffix, "good", MongoMaskingTest.request("good"));

        RestoreProgress progress = new MongoRestoreEngine(SECRETS, identity).start(plan, id, false, rec.ctx);

        assertThat(progress).isInstanceOf(RestoreProgress.Restored.class);
        MongoDatabase copy = client.getDatabase(acc);
        assertThat(copy.getCollection("people").countDocuments()).isEqualTo(PEOPLE);
        for (int i : new int[] {0, 1, 250, PEOPLE - 1}) {
            String city = i % 2 == 0 ? "Bern" : "Genf";
            assertThat(copy.getCollection("people").find(Filters.eq("_id", i)).first()).isEqualTo(new Document("_id", i)
                    .append("ssn", "000-00").append("city", city).append("profile", new Document("age", i))
                    .append("label", "person in " + city));
        }
        assertThat(copy.getCollection("people").countDocuments(Filters.or(Filters.exists("notes"),
                Filters.exists("profile.phone"), Filters.ne("ssn", "000-00")))).isZero();
        // what did NOT happen: production's documents are as they were, no staging collection is left
        assertThat(client.getDatabase(prod).getCollection("people").find(Filters.eq("_id", 7)).first()).isEqualTo(person(7));
        assertThat(copy.listCollectionNames().into(new ArrayList<>())).noneMatch(n -> n.endsWith(MongoRestorer.STAGING_SUFFIX));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d).startsWith(StepName.VERIFY_MASKS.id())
                .contains("people.ssn set to a constant by pipeline (every document)")
                .contains("people.notes unset by pipeline (every document)"));
    }
}
