package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoSecurityException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
import dev.dbrefresh.testsupport.ContainerTest;
import dev.dbrefresh.testsupport.RealMongo;
import dev.dbrefresh.testsupport.RequiresRealServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * REQUIRES A REAL MONGOD (container only, no in-process twin): {@link MongoUserApplier}'s {@code createUser},
 * {@code updateUser} and {@code grantRolesToUser} really applied on {@code mongod --auth} ({@link RealMongo#withAuth()}),
 * checked by logging in as the created user and reading and writing what it may and may not. mongo-java-server
 * answers these commands with 59 CommandNotFound, so here the commands as sent are what {@link MongoUserApplierTest}
 * checks. Skipped, with the reason, where Docker is absent.
 */
@ContainerTest
@RequiresRealServer("mongo-java-server has no user commands (59 CommandNotFound) and no authentication;"
        + " MongoUserApplierTest checks the commands as sent")
class MongoUsersContainerTest {

    private static final String PASSWORD = "pw-'\"\\$-{ü}";
    private static final EnvFileSecretResolver SECRETS =
            new EnvFileSecretResolver(Map.of("DBR_PW", PASSWORD, "DBR_NEW_PW", "new-pw")::get);

    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final String app = "app_" + suffix;
    private final String reports = "reports_" + suffix;
    private final String other = "other_" + suffix;
    private final String user = "dbr_reader_" + suffix;
    private MongoClient root;

    @BeforeEach
    void seed() {
        root = MongoClients.create(RealMongo.rootUrl());
        for (String db : List.of(app, reports, other)) {
            root.getDatabase(db).getCollection("items").insertOne(new Document("_id", 1).append("db", db));
        }
    }

    @AfterEach
    void drop() {
        root.getDatabase("admin").runCommand(new Document("dropUser", user));
        for (String db : List.of(app, reports, other)) {
            root.getDatabase(db).drop();
        }
        root.close();
    }

    @Test
    void apply_shouldCreateAUserThatReadsItsDatabaseOnly_andGrantMoreOnASecondApply() {
        MongoUserApplier applier = new MongoUserApplier(SECRETS);

        applier.apply(root, app, RealMongo.ROOT_USER, List.of(new UserSpec(user, "env:DBR_PW", true, List.of(
                new GrantSpec(List.of("READ"), "database", null, null),
                new GrantSpec(List.of("readWrite"), "schema", reports, null)))));

        try (MongoClient as = MongoClients.create(RealMongo.urlAs(user, PASSWORD))) {
            assertThat(as.getDatabase(app).getCollection("items").countDocuments()).isEqualTo(1);
            as.getDatabase(reports).getCollection("items").insertOne(new Document("_id", 2));
            assertThat(unauthorized(() -> as.getDatabase(app).getCollection("items").insertOne(new Document("_id", 3))))
                    .as("read only on the plan's database").isEqualTo(13);
            assertThat(unauthorized(() -> as.getDatabase(other).getCollection("items").countDocuments()))
                    .as("nothing granted on another database").isEqualTo(13);
        }
        assertThat(root.getDatabase(app).getCollection("items").countDocuments()).as("nothing written to app").isEqualTo(1);

        applier.apply(root, app, RealMongo.ROOT_USER, List.of(new UserSpec(user, "env:DBR_NEW_PW", true, List.of(
                new GrantSpec(List.of("read"), "schema", other, null)))));

        try (MongoClient as = MongoClients.create(RealMongo.urlAs(user, "new-pw"))) {
            assertThat(as.getDatabase(other).getCollection("items").countDocuments()).as("granted now").isEqualTo(1);
            assertThat(as.getDatabase(app).getCollection("items").countDocuments()).as("earlier role kept").isEqualTo(1);
        }
        try (MongoClient old = MongoClients.create(RealMongo.urlAs(user, PASSWORD))) {
            assertThat(catchThrowableOfType(MongoSecurityException.class,
                    () -> old.getDatabase(app).getCollection("items").countDocuments()))
                    .as("the old password no longer logs in").isNotNull();
        }
    }

    private static int unauthorized(Runnable action) {
        return catchThrowableOfType(MongoCommandException.class, action::run).getErrorCode();
    }
}
