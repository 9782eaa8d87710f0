package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code mongodb} engine's SPI implementations against mongo-java-server: identity, snapshot into the stores,
 * replace and delta restores, verification and users; and what they must not do (write to the source, touch the
 * target when a snapshot is not of the plan's source).
 */
class MongoEnginesTest {

    private static final SecretResolver NO_SECRETS = ref -> {
        throw new SecretResolver.SecretException("no secrets in this test: " + ref);
    };

    @TempDir
    Path dir;

    private InProcessMongo mongo;
    private PlanCatalog plans;
    private final MongoIdentity identity = new MongoIdentity(NO_SECRETS);
    private final MongoSnapshotEngine snapshots = new MongoSnapshotEngine(NO_SECRETS, identity);
    private final MongoRestoreEngine restores = new MongoRestoreEngine(NO_SECRETS, identity);
    private final MongoUsersEngine users = new MongoUsersEngine(NO_SECRETS);

    @BeforeEach
    void start() throws Exception {
        mongo = new InProcessMongo();
        TestData.seedShop(mongo.db("shop_production"), 300);
        mongo.db("other_production").getCollection("things").insertOne(new org.bson.Document("_id", 1));
        int port = ((InetSocketAddress) mongo.server.getLocalAddress()).getPort();
        String yaml = """
                plans:
                  shop:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: shop_production}
                    target: {host: 127.0.0.1, port: PORT, database: shop_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                  shop-delta:
                    engine: mongodb
                    source: {host: localhost, port: PORT, database: shop_production}
                    target: {host: 127.0.0.1, port: PORT, database: shop_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                    restore: {mode: delta}
                  other:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: other_production}
                    target: {host: 127.0.0.1, port: PORT, database: other_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                  with-users:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: shop_production}
                    target: {host: 127.0.0.1, port: PORT, database: shop_acceptance}
                    snapshot: {source-store: SRC, target-store: TGT}
                    users:
                      - name: app_reader
                        password-secret: env:APP_READER_PASSWORD
                        grants: [{on: database, privileges: [read]}]
                """.replace("PORT", String.valueOf(port)).replace("SRC", dir.resolve("src").toString())
                .replace("TGT", dir.resolve("tgt").toString());
        plans = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), dir);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private RefreshPlan plan(String name) {
        return plans.require(name);
    }

    private static RefreshRequested request(String plan, String snapshotId) {
        return new RefreshRequested(plan, snapshotId, null, false, "test");
    }

    private SnapshotProgress.Ready snapshot(String plan) throws Exception {
        RecordingContext rec = new RecordingContext("run-" + plan, plan, request(plan, null));
        return (SnapshotProgress.Ready) snapshots.start(plan(plan), request(plan, null), rec.ctx);
    }

    private Map<String, String> digests(String database) {
        Map<String, String> out = new TreeMap<>();
        for (String c : mongo.db(database).listCollectionNames()) {
            out.put(c, ManifestVerifier.digest(mongo.db(database), c).checksum() + " " + TestData.indexes(mongo.db(database), c));
        }
        return out;
    }

    @Test
    void identity_shouldBeTheServersAnswer_notTheNameThePlanUses() {
        var shop = identity.of(plan("shop"));
        var viaLocalhost = identity.of(plan("shop-delta"));

        assertThat(shop.source().key()).startsWith("mongodb://host:").endsWith("/shop_production");
        assertThat(shop.target().key()).endsWith("/shop_acceptance");
        assertThat(viaLocalhost.source()).isEqualTo(shop.source());
        assertThat(shop.source().databaseOid()).isNull();
    }

    @Test
    void snapshot_shouldDumpAndCopyWithTheSourceIdentity_andNotWriteToTheSource() throws Exception {
        Map<String, String> before = digests("shop_production");

        SnapshotProgress.Ready ready = snapshot("shop");

        assertThat(ready.copied()).isTrue();
        assertThat(ready.checksum()).startsWith("sha256:");
        var copy = new MongoSnapshotStore(dir.resolve("tgt")).find(ready.snapshotId()).orElseThrow();
        assertThat(new MongoSnapshotStore(dir.resolve("src")).find(ready.snapshotId())).isPresent();
        assertThat(copy.manifest().sourceIdentity()).isEqualTo(identity.of(plan("shop")).source().key());
        assertThat(copy.manifest().entry("orders").orElseThrow().documents()).isEqualTo(600);
        assertThat(Files.isRegularFile(copy.dir().resolve("shop_production/customers.bson"))).isTrue();
        assertThat(digests("shop_production")).isEqualTo(before);
        assertThat(mongo.client.listDatabaseNames()).doesNotContain("shop_acceptance");
    }

    @Test
    void snapshot_shouldRefuseASnapshotOfAnotherSource_andCopyNothing() throws Exception {
        String foreign = snapshot("other").snapshotId();
        Path target = dir.resolve("tgt");
        try (var s = Files.list(target)) {
            assertThat(s.toList()).hasSize(1);
        }

        RecordingContext rec = new RecordingContext("run-2", "shop", request("shop", foreign));
        var progress = snapshots.start(plan("shop"), request("shop", foreign), rec.ctx);

        assertThat(progress).isInstanceOfSatisfying(SnapshotProgress.Refused.class,
                r -> assertThat(r.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE));
        try (var s = Files.list(target)) {
            assertThat(s.toList()).hasSize(1);
        }
    }

    @Test
    void restoreReplace_shouldMakeTheTargetTheSnapshot_andDropCollectionsTheSourceHasNot() throws Exception {
        mongo.db("shop_acceptance").getCollection("stale").insertOne(new org.bson.Document("_id", "x"));
        String id = snapshot("shop").snapshotId();
        RecordingContext rec = new RecordingContext("run-1", "shop", request("shop", null));

        var progress = restores.start(plan("shop"), id, false, rec.ctx);

        assertThat(progress).isEqualTo(new RestoreProgress.Restored("127.0.0.1", "127.0.0.1",
                plan("shop").mongodb().target().port(), "shop_acceptance"));
        assertThat(digests("shop_acceptance")).isEqualTo(digests("shop_production"));
        assertThat(rec.ctx.changed()).isTrue();
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d).contains("dropped [stale]"));
    }

    @Test
    void restoreDelta_shouldWriteOnlyTheChangedDocuments() throws Exception {
        restores.start(plan("shop"), snapshot("shop").snapshotId(), false,
                new RecordingContext("run-1", "shop", request("shop", null)).ctx);
        mongo.db("shop_production").getCollection("customers").updateOne(Filters.eq("_id", 7), Updates.set("vip", true));
        String id = snapshot("shop-delta").snapshotId();
        RecordingContext rec = new RecordingContext("run-2", "shop-delta", request("shop-delta", null));

        restores.start(plan("shop-delta"), id, false, rec.ctx);

        assertThat(digests("shop_acceptance")).isEqualTo(digests("shop_production"));
        assertThat(rec.details(AuditStatus.SUCCEEDED)).anySatisfy(d -> assertThat(d)
                .contains("customers +0 ~1 -0 =299").contains("orders +0 ~0 -0 =600"));
    }

    @Test
    void restore_shouldRefuseASnapshotOfAnotherSource_andNotTouchTheTarget() throws Exception {
        mongo.db("shop_acceptance").getCollection("kept").insertOne(new org.bson.Document("_id", 1));
        Map<String, String> before = digests("shop_acceptance");
        String foreign = snapshot("other").snapshotId();
        RecordingContext rec = new RecordingContext("run-1", "shop", request("shop", null));

        var progress = restores.start(plan("shop"), foreign, false, rec.ctx);

        assertThat(progress).isInstanceOfSatisfying(RestoreProgress.Refused.class,
                r -> assertThat(r.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_NOT_OF_SOURCE));
        assertThat(digests("shop_acceptance")).isEqualTo(before);
        assertThat(rec.ctx.changed()).isFalse();
    }

    @Test
    void restore_dryRun_shouldPlanAndChangeNothing() throws Exception {
        String id = snapshot("shop").snapshotId();
        RecordingContext rec = new RecordingContext("run-1", "shop", request("shop", null));

        restores.start(plan("shop"), id, true, rec.ctx);

        assertThat(mongo.client.listDatabaseNames()).doesNotContain("shop_acceptance");
        assertThat(rec.details(AuditStatus.PLANNED)).singleElement().satisfies(d -> assertThat(d).contains("replace"));
    }

    private ClusterRestored restored(String plan, String snapshotId, String database) {
        var t = plan(plan).mongodb().target();
        return new ClusterRestored(plan, "mongodb", snapshotId, t.host(), t.host(), t.port(), database, false);
    }

    @Test
    void users_shouldVerifyCountsAndChecksums_andRefuseAMismatchNamingTheCollection() throws Exception {
        String id = snapshot("shop").snapshotId();
        restores.start(plan("shop"), id, false, new RecordingContext("run-1", "shop", request("shop", null)).ctx);

        var ok = users.apply(plan("shop"), restored("shop", id, "shop_acceptance"),
                new RecordingContext("run-1", "shop", request("shop", null)).ctx);
        assertThat(ok).isInstanceOfSatisfying(UsersEngine.Applied.class, a -> {
            assertThat(a.users()).isEmpty();
            assertThat(a.rowsVerified()).isEqualTo(300 + 600 + 150);
            assertThat(a.verified()).extracting(c -> c.table()).containsExactly("customers", "events", "orders");
        });

        mongo.db("shop_acceptance").getCollection("orders").deleteOne(new org.bson.Document());
        var bad = users.apply(plan("shop"), restored("shop", id, "shop_acceptance"),
                new RecordingContext("run-1", "shop", request("shop", null)).ctx);
        assertThat(bad).isInstanceOfSatisfying(UsersEngine.Refused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.VERIFY_MISMATCH);
            assertThat(r.message()).contains("orders expected 600 documents").doesNotContain("customers expected");
        });
    }

    @Test
    void users_shouldRefuseWithUsersNotSupported_whenTheServerHasNoUserCommands() throws Exception {
        String id = snapshot("shop").snapshotId();
        restores.start(plan("shop"), id, false, new RecordingContext("run-1", "shop", request("shop", null)).ctx);
        // mongo-java-server answers usersInfo/createUser with CommandNotFound (59): recorded at the driver boundary
        mongo.resetWrites();

        var outcome = users.apply(plan("with-users"), restored("with-users", id, "shop_acceptance"),
                new RecordingContext("run-1", "with-users", request("with-users", null)).ctx);

        assertThat(outcome).isInstanceOfSatisfying(UsersEngine.Refused.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.USERS_NOT_SUPPORTED);
            assertThat(r.message()).contains("code 59").contains("verified");
        });
    }

    @Test
    void requireFits_shouldRejectAnEventNamingAnotherDatabaseOrServer() {
        RefreshPlan shop = plan("shop");
        users.requireFits(shop, restored("shop", "s", "shop_acceptance"));

        assertThatThrownBy(() -> users.requireFits(shop, restored("shop", "s", "shop_production")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("shop_production");
        var t = shop.mongodb().target();
        assertThatThrownBy(() -> users.requireFits(shop, new ClusterRestored("shop", "mongodb", "s", "elsewhere",
                "elsewhere", t.port(), "shop_acceptance", false))).isInstanceOf(EventRejectedException.class);
    }
}
