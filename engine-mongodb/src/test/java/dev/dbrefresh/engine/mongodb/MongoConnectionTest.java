package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import dev.dbrefresh.runtime.testing.RecordingContext;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the engine connects beyond host and port, against mongo-java-server: a connection string from a secret
 * reference (and what it may not name), TLS settings refused before any connection when their CA file is unusable,
 * and the plan's batch bounds reaching the restore's bulk writes.
 */
class MongoConnectionTest {

    @TempDir
    Path dir;

    private InProcessMongo mongo;
    private int port;
    private String targetUri;
    private final SecretResolver secrets = ref -> switch (ref) {
        case "env:TARGET_URI" -> targetUri.toCharArray();
        default -> throw new SecretResolver.SecretException("unknown reference " + ref);
    };

    @BeforeEach
    void start() {
        mongo = new InProcessMongo();
        TestData.seedShop(mongo.db("shop_production"), 300);
        port = ((InetSocketAddress) mongo.server.getLocalAddress()).getPort();
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private RefreshPlan plan(String target, String restore) throws Exception {
        String yaml = """
                plans:
                  shop:
                    engine: mongodb
                    source: {host: 127.0.0.1, port: PORT, database: shop_production}
                    target: TARGET
                    snapshot: {source-store: SRC, target-store: TGT}
                    restore: RESTORE
                """.replace("TARGET", target).replace("RESTORE", restore).replace("PORT", String.valueOf(port))
                .replace("SRC", dir.resolve("src").toString()).replace("TGT", dir.resolve("tgt").toString());
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), dir).require("shop");
    }

    private final RefreshRequested request = new RefreshRequested("shop", null, null, false, "test");
    private final RecordingContext rec = new RecordingContext("run-1", "shop", request);

    private RestoreProgress refresh(RefreshPlan plan) throws Exception {
        MongoIdentity identity = new MongoIdentity(secrets);
        var ready = (SnapshotProgress.Ready) new MongoSnapshotEngine(secrets, identity).start(plan, request, rec.ctx);
        return new MongoRestoreEngine(secrets, identity).start(plan, ready.snapshotId(), false, rec.ctx);
    }

    @Test
    void restore_shouldConnectByTheSecretsConnectionString_andWriteInThePlansBatchSizes() throws Exception {
        targetUri = "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=5000&appName=dbrefresh-test";
        RefreshPlan plan = plan("{host: 127.0.0.1, port: PORT, database: shop_acceptance, uri-secret: env:TARGET_URI}",
                "{batch-documents: 50}");

        assertThat(refresh(plan)).isInstanceOf(RestoreProgress.Restored.class);

        assertThat(mongo.db("shop_acceptance").getCollection("customers").countDocuments()).isEqualTo(300);
        // The engine's client is its own (MongoRestorerTest counts the batches BulkWriter sends); its audit entry
        // states the bounds the restorer was given.
        assertThat(rec.details(dev.dbrefresh.runtime.audit.AuditStatus.SUCCEEDED))
                .anySatisfy(d -> assertThat(d).contains("bulk writes of at most 50 documents or 8388608 bytes"));
    }

    @Test
    void open_shouldRefuseAndConnectNowhere_whenTheConnectionStringNamesAnotherServer() throws Exception {
        targetUri = "mongodb://dbrefresh:s3cret-value@mongo.elsewhere.example:27017/?authSource=admin";
        RefreshPlan plan = plan("{host: 127.0.0.1, port: PORT, database: shop_acceptance, uri-secret: env:TARGET_URI}",
                "{mode: replace}");

        assertThatThrownBy(() -> new MongoIdentity(secrets).of(plan)).isInstanceOf(SecretResolver.SecretException.class)
                .hasMessageContaining("env:TARGET_URI").hasMessageContaining("mongo.elsewhere.example:27017")
                .hasMessageContaining("mongodb://127.0.0.1:" + port + "/shop_acceptance")
                .hasMessageNotContaining("s3cret-value");
    }

    @Test
    void open_shouldNotRepeatTheSecret_whenItIsNoConnectionString() throws Exception {
        targetUri = "postgres://dbrefresh:s3cret-value@127.0.0.1:" + port;
        RefreshPlan plan = plan("{host: 127.0.0.1, port: PORT, database: shop_acceptance, uri-secret: env:TARGET_URI}",
                "{mode: replace}");

        assertThatThrownBy(() -> MongoEndpoints.open(plan.mongodb().target(), plan.mongodb().targetConnection(), secrets))
                .isInstanceOf(SecretResolver.SecretException.class).hasMessageContaining("env:TARGET_URI")
                .hasMessageContaining("no valid MongoDB connection string").hasMessageNotContaining("s3cret-value");
    }

    @Test
    void open_shouldRefuseBeforeConnecting_whenTheTlsCaFileHoldsNoCertificate() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        RefreshPlan plan = plan("{host: 127.0.0.1, port: PORT, database: shop_acceptance, tls: {enabled: true, ca-file: "
                + ca + "}}", "{mode: replace}");

        assertThatThrownBy(() -> refresh(plan)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ca.toString());
        assertThat(mongo.db("shop_acceptance").listCollectionNames().into(new java.util.ArrayList<>())).isEmpty();
        assertThat(Map.of("tls", plan.mongodb().targetConnection().tls())).containsEntry("tls", true);
    }
}
