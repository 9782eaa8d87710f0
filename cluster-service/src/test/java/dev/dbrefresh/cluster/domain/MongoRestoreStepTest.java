package dev.dbrefresh.cluster.domain;

import static dev.dbrefresh.runtime.testing.StepFixture.TARGET_KEY;
import static dev.dbrefresh.runtime.testing.StepFixture.events;
import static dev.dbrefresh.runtime.testing.StepFixture.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotReady;
import dev.dbrefresh.engine.mongodb.ManifestVerifier;
import dev.dbrefresh.engine.mongodb.MongoIdentity;
import dev.dbrefresh.engine.mongodb.MongoRestoreEngine;
import dev.dbrefresh.engine.mongodb.MongoSnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import dev.dbrefresh.runtime.testing.StepFixture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RestoreStep} with the real {@code mongodb} engine on mongo-java-server, the ports in memory
 * ({@link StepFixture}): the step promotes "current", restores in the mode a per-run value chose and publishes
 * {@code cluster.restored}; refused by the identity guard, it leaves the target as it was.
 */
class MongoRestoreStepTest {

    private static final SecretResolver NO_SECRETS = ref -> {
        throw new SecretResolver.SecretException("no secrets in this test: " + ref);
    };

    @TempDir
    Path dir;

    private final MongoServer server = new MongoServer(new MemoryBackend());
    private MongoClient client;
    private StepFixture fixture;
    private RestoreStep step;
    private String snapshotId;

    @BeforeEach
    void seedSnapshotAndLease() throws Exception {
        int port = ((InetSocketAddress) server.bind()).getPort();
        client = MongoClients.create("mongodb://127.0.0.1:" + port);
        MongoDatabase source = client.getDatabase("shop_production");
        for (int i = 0; i < 300; i++) {
            source.getCollection("orders").insertOne(new Document("_id", i).append("total", i * 1.5)
                    .append("lines", List.of(new Document("sku", "S" + i % 7).append("qty", i % 3))));
        }
        fixture = new StepFixture("""
                plans:
                  shop:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: shop_production}
                    target: {host: 127.0.0.1, port: PORT, database: shop_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                    guards: {protected-patterns: ["(?i).*_live"]}
                """.replace("PORT", String.valueOf(port)).replace("SRC", dir.resolve("src").toString())
                .replace("TGT", dir.resolve("tgt").toString()));
        MongoIdentity identity = new MongoIdentity(NO_SECRETS);
        step = new RestoreStep(fixture.checks, fixture.parameters, List.of(new MongoRestoreEngine(NO_SECRETS, identity)));
        RefreshRequested request = new RefreshRequested("shop", null, null, false, "test");
        var ready = (SnapshotProgress.Ready) new MongoSnapshotEngine(NO_SECRETS, identity).start(
                fixture.plans.resolve("shop", Map.of()).orElseThrow().plan(), request,
                fixture.context("run-1", "shop", request).ctx);
        snapshotId = ready.snapshotId();
        fixture.parameters.put("/dbrefresh/shop/snapshot/latest", snapshotId);
        fixture.leases.acquire(TARGET_KEY, "run-1", Duration.ofHours(1));
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    private RecordingContext handle() throws Exception {
        SnapshotReady ready = new SnapshotReady("shop", "mongodb", snapshotId, snapshotId, 1, null, true, false);
        RecordingContext rec = fixture.context("run-1", "shop", ready);
        step.handle(ready, rec.ctx);
        return rec;
    }

    private Map<String, String> checksums(String database) {
        Map<String, String> out = new TreeMap<>();
        client.getDatabase(database).listCollectionNames().forEach(c -> out.put(c,
                ManifestVerifier.digest(client.getDatabase(database), c).checksum()));
        return out;
    }

    @Test
    void handle_shouldRestoreInTheModeOfTheRunsValue_andPublishClusterRestored() throws Exception {
        // The acceptance copy already holds most of the snapshot: a delta writes only the difference.
        MongoDatabase target = client.getDatabase("shop_acceptance");
        client.getDatabase("shop_production").getCollection("orders").find().forEach(d -> target.getCollection("orders")
                .insertOne(d));
        target.getCollection("orders").updateOne(Filters.eq("_id", 7), Updates.set("total", -1.0));
        target.getCollection("orders").insertOne(new Document("_id", "written-in-acceptance"));
        fixture.parameters.put("/dbrefresh/plans/shop/restore/mode", "delta");

        RecordingContext rec = handle();

        assertThat(failure(rec)).isEmpty();
        assertThat(fixture.parameters.get("/dbrefresh/shop/snapshot/current")).hasValue(snapshotId);
        assertThat(events(rec, ClusterRestored.class)).singleElement()
                .satisfies(r -> assertThat(r.database()).isEqualTo("shop_acceptance"));
        assertThat(checksums("shop_acceptance")).isEqualTo(checksums("shop_production"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d).contains("by delta")
                .contains("orders +0 ~1 -1 =299"));
    }

    @Test
    void handle_shouldLeaveTheTargetAsItWas_whenItsIdentityIsTheSources() throws Exception {
        client.getDatabase("shop_acceptance").getCollection("orders").insertOne(new Document("_id", "kept"));
        fixture.identities = new PlanIdentities.Identities(new PlanIdentities.Identity("mongodb://host:h/db", null),
                new PlanIdentities.Identity("mongodb://host:h/db", null));

        RecordingContext rec = handle();

        assertThat(failure(rec)).map(RefreshFailed::errorCode).isPresent().get().asString().startsWith("GUARD_");
        assertThat(fixture.parameters.get("/dbrefresh/shop/snapshot/current")).isEmpty();
        assertThat(client.getDatabase("shop_acceptance").getCollection("orders").find().into(new ArrayList<>()))
                .containsExactly(new Document("_id", "kept"));
        assertThat(client.getDatabase("shop_acceptance").listCollectionNames().into(new ArrayList<>()))
                .containsExactly("orders");
    }
}
