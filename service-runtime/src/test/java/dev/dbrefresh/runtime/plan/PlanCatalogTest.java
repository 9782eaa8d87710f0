package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCatalogTest {

    @TempDir
    Path dir;

    private PlanCatalog load(String yaml) throws IOException {
        Path file = dir.resolve("plans.yml");
        Files.writeString(file, yaml);
        return PlanCatalog.load(file);
    }

    private static final String MINIMAL = """
            plans:
              minimal:
                source: {database: shop_production}
                target: {database: shop_acceptance}
            """;

    @Test
    void load_shouldApplyDefaults_whenOnlyDatabasesAreGiven() throws IOException {
        RefreshPlan plan = load(MINIMAL).require("minimal");

        assertThat(plan.name()).isEqualTo("minimal");
        assertThat(plan.engine()).isEqualTo("postgres");
        assertThat(plan.source()).isEqualTo(new DatabaseEndpoint("127.0.0.1", 5432, "shop_production", "postgres", null));
        assertThat(plan.target()).isEqualTo(new DatabaseEndpoint("127.0.0.1", 5432, "shop_acceptance", "postgres", null));
        assertThat(plan.snapshotMode()).isEqualTo("create");
        assertThat(plan.sourceStore()).isEqualTo(dir.toAbsolutePath().resolve(".dbrefresh/store/source").normalize());
        assertThat(plan.targetStore()).isEqualTo(dir.toAbsolutePath().resolve(".dbrefresh/store/target").normalize());
        assertThat(plan.restoreJobs()).isEqualTo(Math.min(64, Runtime.getRuntime().availableProcessors()));
        assertThat(plan.latestParameter()).isEqualTo("/dbrefresh/minimal/snapshot/latest");
        assertThat(plan.currentParameter()).isEqualTo("/dbrefresh/minimal/snapshot/current");
        assertThat(plan.promoteLatest()).isTrue();
        assertThat(plan.users()).isEmpty();
        assertThat(plan.protectedPatterns()).isEmpty();
        assertThat(plan.notificationQueue()).isEqualTo("dbrefresh-notifications");
    }

    @Test
    void load_shouldHonourWaitKeys_forEveryEngineNotOnlyTheClusterEngines() throws IOException {
        assertThat(load(MINIMAL).require("minimal").waits()).isEqualTo(new WaitSettings(5, 5, 60));
        RefreshPlan plan = load("""
                plans:
                  minimal:
                    source: {database: shop_production}
                    target: {database: shop_acceptance}
                    wait: {first-poll-seconds: 7, max-poll-seconds: 50, deadline-minutes: 15}
                """).require("minimal");

        assertThat(plan.waits()).isEqualTo(new WaitSettings(7, 50, 15));
        assertThat(List.of(plan.waits().pollDelaySeconds(1), plan.waits().pollDelaySeconds(2),
                plan.waits().pollDelaySeconds(4))).containsExactly(7, 14, 50);
    }

    @Test
    void load_shouldRefuseAKnob_thatIsNotAWholeNumber_ratherThanUseTheDefault() {
        assertThatThrownBy(() -> load(MINIMAL + "    wait: {max-poll-seconds: tomorrow}\n"))
                .isInstanceOf(PlanException.class).hasMessageContaining("plan 'minimal': wait.max-poll-seconds"
                        + " 'tomorrow' is not a whole number of seconds from 1 to 900");
        assertThatThrownBy(() -> load(MINIMAL + "    restore: {jobs: 2.5}\n"))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.jobs '2.5' is not a whole"
                        + " number of parallel jobs from 1 to 64");
        assertThatThrownBy(() -> load(MINIMAL + "    restore: {jobs: [2]}\n"))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.jobs '[2]' is not");
        assertThatThrownBy(() -> load(MINIMAL + "    snapshot: {mode: newest}\n"))
                .isInstanceOf(PlanException.class).hasMessageContaining("snapshot.mode 'newest' is not one"
                        + " of [create, latest]");
    }

    @Test
    void load_shouldRefuseAPortCountOrSwitch_thatDoesNotParse_ratherThanUseTheDefault() throws IOException {
        String typo = MINIMAL.replace("target: {database: shop_acceptance}",
                "target: {database: shop_acceptance, port: 5433x}");
        assertThatThrownBy(() -> load(typo)).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'minimal': target.port '5433x' is not a whole number from 1 to 65535");
        assertThatThrownBy(() -> load(typo.replace("5433x", "70000"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("target.port '70000' is not a whole number from 1 to 65535");
        assertThatThrownBy(() -> load(MINIMAL + "    retention: {keep-copies: some}\n"))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("retention.keep-copies 'some' is not a whole number from 0 to");
        assertThatThrownBy(() -> load(MINIMAL + "    parameters: {promote-latest: maybe}\n"))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("parameters.promote-latest 'maybe' is not true or false");
        assertThatThrownBy(() -> load(MINIMAL + """
                    users:
                      - {name: app_reader, login: sometimes, grants: [{on: database, privileges: [CONNECT]}]}
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("user 'app_reader' login 'sometimes' is not true or false");

        RefreshPlan quoted = load(typo.replace("5433x", "'5433'")
                + "    parameters: {promote-latest: 'FALSE'}\n").require("minimal");
        assertThat(quoted.target().port()).isEqualTo(5433);
        assertThat(quoted.promoteLatest()).isFalse();
    }

    @Test
    void load_shouldReadTheTemplateFastPath_andRefuseAnUnknownOne() throws IOException {
        assertThat(load(MINIMAL).require("minimal").postgres().templateFastPath()).isFalse();
        String template = MINIMAL.replace("target: {database: shop_acceptance}",
                "target: {database: shop_acceptance}\n    fast-path: template");
        assertThat(load(template).require("minimal").postgres().templateFastPath()).isTrue();
        assertThatThrownBy(() -> load(template.replace("fast-path: template", "fast-path: snapshot")))
                .isInstanceOf(PlanException.class).hasMessageContaining("fast-path 'snapshot' is not one of [none, template]");
    }

    @Test
    void load_shouldRefuseWaits_outsideSqsDelayLimits() {
        assertThatThrownBy(() -> load(MINIMAL.replace("target: {database: shop_acceptance}",
                "target: {database: shop_acceptance}\n    wait: {max-poll-seconds: 901}")))
                .isInstanceOf(PlanException.class).hasMessageContaining("plan 'minimal'")
                .hasMessageContaining("wait.max-poll-seconds").hasMessageContaining("901");
        assertThatThrownBy(() -> load(MINIMAL.replace("target: {database: shop_acceptance}",
                "target: {database: shop_acceptance}\n    wait: {deadline-minutes: 0}")))
                .isInstanceOf(PlanException.class).hasMessageContaining("wait.deadline-minutes");
    }

    @Test
    void load_shouldReadEveryField_whenPlanIsComplete() throws IOException {
        PlanCatalog catalog = load("""
                plans:
                  local-pgbench:
                    engine: postgres
                    source: {host: db.internal, port: 5433, database: pgbench_production, username: refresher,
                             password-secret: env:SOURCE_PASSWORD}
                    target: {host: 127.0.0.1, port: 5432, database: pgbench_acceptance, username: postgres}
                    snapshot: {mode: latest, source-store: stores/src, target-store: /var/dbrefresh/target}
                    restore: {jobs: 4}
                    parameters: {latest: /p/latest, current: /p/current, promote-latest: false}
                    users:
                      - name: app_reader
                        password-secret: env:APP_READER_PASSWORD
                        grants:
                          - {on: database, privileges: [connect]}
                          - {on: all-tables, schema: public, privileges: [SELECT, insert]}
                          - {on: table, schema: public, table: pgbench_accounts, privileges: [UPDATE]}
                      - name: report_role
                        login: false
                    guards: {protected-patterns: ["(?i).*prod.*"]}
                    notifications: {queue: team-notifications}
                """);

        RefreshPlan plan = catalog.require("local-pgbench");
        assertThat(plan.source()).isEqualTo(
                new DatabaseEndpoint("db.internal", 5433, "pgbench_production", "refresher", "env:SOURCE_PASSWORD"));
        assertThat(plan.snapshotMode()).isEqualTo("latest");
        assertThat(plan.sourceStore()).isEqualTo(dir.toAbsolutePath().resolve("stores/src"));
        assertThat(plan.targetStore()).isEqualTo(Path.of("/var/dbrefresh/target"));
        assertThat(plan.restoreJobs()).isEqualTo(4);
        assertThat(plan.latestParameter()).isEqualTo("/p/latest");
        assertThat(plan.currentParameter()).isEqualTo("/p/current");
        assertThat(plan.promoteLatest()).isFalse();
        assertThat(plan.users()).containsExactly(
                new UserSpec("app_reader", "env:APP_READER_PASSWORD", true, List.of(
                        new GrantSpec(List.of("CONNECT"), "database", null, null),
                        new GrantSpec(List.of("SELECT", "INSERT"), "all-tables", "public", null),
                        new GrantSpec(List.of("UPDATE"), "table", "public", "pgbench_accounts"))),
                new UserSpec("report_role", null, false, List.of()));
        assertThat(plan.protectedPatterns()).containsExactly("(?i).*prod.*");
        assertThat(plan.notificationQueue()).isEqualTo("team-notifications");
        assertThat(catalog.all()).containsOnlyKeys("local-pgbench");
    }

    @Test
    void require_shouldNameConfiguredPlans_whenPlanIsUnknown() throws IOException {
        PlanCatalog catalog = load(MINIMAL);

        assertThat(catalog.find("nope")).isEmpty();
        assertThatThrownBy(() -> catalog.require("nope")).isInstanceOf(PlanException.class)
                .hasMessageContaining("no refresh plan named 'nope'").hasMessageContaining("[minimal]");
    }

    @Test
    void load_shouldRefuse_whenEngineIsUnknown() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    engine: oracle
                    source: {database: a}
                    target: {database: b}
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'p1'").hasMessageContaining("engine 'oracle' is not supported")
                .hasMessageContaining("postgres");
    }

    @Test
    void load_shouldRefuse_whenTargetIsMissing() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    source: {database: a}
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'p1'").hasMessageContaining("'target' is missing");
    }

    @Test
    void load_shouldRefuse_whenTargetHasNoDatabase() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    source: {database: a}
                    target: {host: 127.0.0.1}
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'p1'").hasMessageContaining("target.database is missing");
    }

    @Test
    void load_shouldRefuse_whenUserHasPlainPassword() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    source: {database: a}
                    target: {database: b}
                    users:
                      - name: app_reader
                        password: hunter2
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("user 'app_reader' has a plain 'password'")
                .hasMessageContaining("password-secret")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void load_shouldRefuse_whenGrantTargetIsUnknown() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    source: {database: a}
                    target: {database: b}
                    users:
                      - name: app_reader
                        grants: [{on: cluster, privileges: [ALL]}]
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("user 'app_reader' has a grant on 'cluster'")
                .hasMessageContaining("all-tables");
    }

    @Test
    void load_shouldRefuse_whenProtectedPatternIsNotARegex() {
        assertThatThrownBy(() -> load("""
                plans:
                  p1:
                    source: {database: a}
                    target: {database: b}
                    guards: {protected-patterns: ["(prod"]}
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'p1'")
                .hasMessageContaining("'(prod' is not a valid regular expression");
    }

    @Test
    void load_shouldRefuse_whenFileDoesNotExist() {
        Path missing = dir.resolve("absent.yml");
        assertThatThrownBy(() -> PlanCatalog.load(missing)).isInstanceOf(PlanException.class)
                .hasMessageContaining("does not exist").hasMessageContaining("dbrefresh.plans-file");
    }

    @Test
    void load_shouldRefuse_whenFileHasNoPlansMap() {
        assertThatThrownBy(() -> load("targets: []\n")).isInstanceOf(PlanException.class)
                .hasMessageContaining("no top-level 'plans:' map");
    }

    private static final String MONGO = """
            plans:
              shop:
                engine: mongodb
                source: {host: mongo.prod, database: shop_production, username: dumper, password-secret: env:SRC_PW}
                target: {host: mongo.acc, database: shop_acceptance}
                snapshot: {source-store: store/src, target-store: store/tgt}
                restore: {mode: delta, jobs: 3}
                collections: {include: [orders, customers]}
            """;

    @Test
    void load_shouldParseAMongodbPlan_withItsDefaultPortAndNoDefaultUser() throws IOException {
        RefreshPlan plan = load(MONGO).require("shop");

        assertThat(plan.engineType()).isEqualTo(dev.dbrefresh.contracts.Engine.MONGODB);
        MongoSettings m = plan.mongodb();
        assertThat(m.source()).isEqualTo(new DatabaseEndpoint("mongo.prod", 27017, "shop_production", "dumper",
                "env:SRC_PW"));
        assertThat(m.target()).isEqualTo(new DatabaseEndpoint("mongo.acc", 27017, "shop_acceptance", null, null));
        assertThat(m.sourceStore()).isEqualTo(dir.toAbsolutePath().resolve("store/src").normalize());
        assertThat(m.targetStore()).isEqualTo(dir.toAbsolutePath().resolve("store/tgt").normalize());
        assertThat(m.restoreMode()).isEqualTo(MongoSettings.DELTA);
        assertThat(m.parallelism()).isEqualTo(3);
        assertThat(m.collections()).containsExactly("orders", "customers");
        assertThat(m.collectionPattern()).isNull();
        assertThat(plan.targetId()).isEqualTo("mongodb://mongo.acc:27017/shop_acceptance");
        assertThat(plan.sourceId()).isEqualTo("mongodb://mongo.prod:27017/shop_production");
        // the postgres accessors stay empty for another engine
        assertThat(plan.target()).isNull();
        assertThat(plan.postgres()).isNull();
    }

    @Test
    void load_shouldDefaultAMongodbPlanToReplaceAndAllCollections() throws IOException {
        MongoSettings m = load("""
                plans:
                  shop:
                    engine: mongodb
                    source: {database: shop_production}
                    target: {database: shop_acceptance}
                    collections: {pattern: "(?!tmp_).*"}
                """).require("shop").mongodb();

        assertThat(m.restoreMode()).isEqualTo(MongoSettings.REPLACE);
        assertThat(m.parallelism()).isEqualTo(2);
        assertThat(m.collections()).isEmpty();
        assertThat(m.collectionPattern()).isEqualTo("(?!tmp_).*");
    }

    @Test
    void load_shouldRefuseMongodbPlans_withAnUnknownModeOrBothCollectionSelections() {
        assertThatThrownBy(() -> load(MONGO.replace("mode: delta", "mode: merge")))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.mode 'merge'")
                .hasMessageContaining("[replace, delta]");
        assertThatThrownBy(() -> load(MONGO.replace("collections: {include: [orders, customers]}",
                "collections: {include: [orders], pattern: \"o.*\"}")))
                .isInstanceOf(PlanException.class).hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> load(MONGO.replace("[orders, customers]", "[system.users]")))
                .isInstanceOf(PlanException.class).hasMessageContaining("system.users");
        assertThatThrownBy(() -> load(MONGO.replace("collections: {include: [orders, customers]}",
                "collections: {pattern: \"(\"}")))
                .isInstanceOf(PlanException.class).hasMessageContaining("collections.pattern");
    }

    @Test
    void load_shouldParseAMongodbEndpointsConnectionStringReferenceTlsAndBatchBounds() throws IOException {
        MongoSettings m = load(MONGO.replace("target: {host: mongo.acc, database: shop_acceptance}",
                "target: {host: mongo.acc, database: shop_acceptance, uri-secret: env:ACC_URI,"
                        + " tls: {enabled: true, ca-file: /etc/ssl/global-bundle.pem}}")
                .replace("restore: {mode: delta, jobs: 3}", "restore: {mode: delta, jobs: 3, batch-documents: 500,"
                        + " batch-bytes: 4194304}")).require("shop").mongodb();

        assertThat(m.targetConnection()).isEqualTo(new MongoSettings.Connection("env:ACC_URI", true,
                Path.of("/etc/ssl/global-bundle.pem"), false));
        assertThat(m.sourceConnection()).isEqualTo(MongoSettings.Connection.PLAIN);
        assertThat(m.batchDocuments()).isEqualTo(500);
        assertThat(m.batchBytes()).isEqualTo(4_194_304L);
        assertThat(load(MONGO).require("shop").mongodb().batchDocuments()).isEqualTo(MongoSettings.DEFAULT_BATCH_DOCUMENTS);
    }

    @Test
    void load_shouldRefuseMongodbConnectionSettings_thatLeakOrContradict() {
        String target = "target: {host: mongo.acc, database: shop_acceptance}";
        assertThatThrownBy(() -> load(MONGO.replace(target, "target: {host: mongo.acc, database: shop_acceptance,"
                + " uri-secret: \"mongodb://u:pw@mongo.acc/\"}"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("target.uri-secret must be a secret reference").hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> load(MONGO.replace(target, "target: {host: mongo.acc, database: shop_acceptance,"
                + " uri-secret: env:U, username: dbrefresh}"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> load(MONGO.replace(target, "target: {host: mongo.acc, database: shop_acceptance,"
                + " tls: {ca-file: /ca.pem}}"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("without enabled: true");
        assertThatThrownBy(() -> load(MONGO.replace(target, "target: {host: mongo.acc, database: shop_acceptance,"
                + " tls: {enabled: true, ca-file: ca.pem}}"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> load(MONGO.replace("jobs: 3}", "jobs: 3, batch-bytes: 10}")))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.batch-bytes");
    }
}
