package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.runtime.params.ParameterStore;
import io.micronaut.context.BeanProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlanResolverTest {

    private final Map<String, String> ssm = new TreeMap<>();
    private final Map<String, String> env = new TreeMap<>();
    private final PlanResolver resolver = new PlanResolver(catalog(), new Store(ssm), env::get);

    @Test
    void resolve_shouldMakeTheTargetTheClone_onlyForATemplatePlan_andOnlyFromTheStartMessage() {
        var clone = resolver.resolve("templated", Map.of(CloneSettings.NAME_KEY, "branch1", CloneSettings.EXPIRES_KEY,
                "2026-12-02T16:00:00Z")).orElseThrow().plan();

        assertThat(clone.target().database()).isEqualTo("tpl_acceptance_branch1");
        assertThat(clone.postgres().cloneRun()).isEqualTo(new CloneSettings("tpl_acceptance", "branch1",
                java.time.Instant.parse("2026-12-02T16:00:00Z")));
        assertThat(clone.postgres().pristineOf()).isEqualTo("tpl_acceptance");
        assertThat(resolver.resolve("templated", Map.of()).orElseThrow().plan().postgres().cloneRun()).isNull();

        assertThatThrownBy(() -> resolver.resolve("other", Map.of(CloneSettings.NAME_KEY, "b")))
                .isInstanceOf(PlanException.class).hasMessageContaining("fast-path: template");
        assertThatThrownBy(() -> resolver.resolve("templated", Map.of(CloneSettings.NAME_KEY, "../x")))
                .isInstanceOf(PlanException.class).hasMessageContaining("clone name '../x' is not valid");
        assertThatThrownBy(() -> resolver.resolve("templated", Map.of(CloneSettings.EXPIRES_KEY,
                "2026-12-02T16:00:00Z"))).isInstanceOf(PlanException.class).hasMessageContaining("without");
        assertThatThrownBy(() -> resolver.resolve("templated", Map.of(CloneSettings.NAME_KEY, "b",
                CloneSettings.EXPIRES_KEY, "tomorrow"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> resolver.resolve("shop", Map.of(CloneSettings.NAME_KEY, "b")))
                .isInstanceOf(PlanException.class).hasMessageContaining("postgres plan's pristine copy");
        env.put(PlanResolver.envName("templated", CloneSettings.NAME_KEY), "fromenv");
        assertThat(resolver.resolve("templated", Map.of()).orElseThrow().plan().target().database())
                .as("the environment cannot make a run a clone").isEqualTo("tpl_acceptance");
        ssm.put("/dbrefresh/plans/templated/target/clone", "fromssm");
        assertThatThrownBy(() -> resolver.resolve("templated", Map.of())).isInstanceOf(PlanException.class)
                .hasMessageContaining("start message only");
    }

    @Test
    void resolve_shouldTakeTheFirstFound_eventThenEnvironmentThenParameterStoreThenFile() {
        ssm.put("/dbrefresh/plans/nightly/restore/jobs", "3");
        ssm.put("/dbrefresh/plans/nightly/target/database", "shop_acc2");
        ssm.put("/dbrefresh/plans/nightly/snapshot/mode", "latest");
        env.put("DBREFRESH_PLAN_NIGHTLY_RESTORE_JOBS", "4");
        env.put("DBREFRESH_PLAN_NIGHTLY_TARGET_DATABASE", "shop_acc3");

        var resolved = resolver.resolve("nightly", Map.of("restore.jobs", "5")).orElseThrow();

        assertThat(resolved.plan().restoreJobs()).isEqualTo(5);
        assertThat(resolved.plan().target().database()).isEqualTo("shop_acc3");
        assertThat(resolved.plan().snapshotMode()).isEqualTo("latest");
        assertThat(resolved.plan().target().host()).isEqualTo("127.0.0.1");
        assertThat(resolved.sources()).containsEntry("restore.jobs", "event").containsEntry("target.database", "environment")
                .containsEntry("snapshot.mode", "parameter store").doesNotContainKey("target.host");
    }

    @Test
    void resolve_shouldReturnThePlansFilePlan_whenNothingIsSetElsewhere() {
        var resolved = resolver.resolve("nightly", Map.of()).orElseThrow();

        assertThat(resolved.plan()).isEqualTo(catalog().require("nightly"));
        assertThat(resolved.sources()).isEmpty();
    }

    @Test
    void resolve_shouldRefuseGuardsEngineAndUsers_fromAnyPlaceButThePlansFile() {
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of("guards.protected-patterns", "none")))
                .isInstanceOf(PlanException.class).hasMessageContaining("guards.protected-patterns");
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of("engine", "docdb")))
                .isInstanceOf(PlanException.class).hasMessageContaining("cannot be set per run");
        ssm.put("/dbrefresh/plans/nightly/guards/protected-patterns", "x");
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of())).isInstanceOf(PlanException.class)
                .hasMessageContaining("parameter /dbrefresh/plans/nightly/guards/protected-patterns");
    }

    @Test
    void resolve_shouldValidateOverlaidValues_likeThePlansFile() {
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of("restore.jobs", "99")))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.jobs");
    }

    @Test
    void resolve_shouldTurnAMongodbRestoresKnobs_andValidateThemLikeThePlansFile() {
        var resolved = resolver.resolve("shop", Map.of("restore.mode", "delta", "restore.batch-documents", "200",
                "restore.batch-bytes", "1048576")).orElseThrow();

        MongoSettings m = resolved.plan().mongodb();
        assertThat(m.restoreMode()).isEqualTo(MongoSettings.DELTA);
        assertThat(m.batchDocuments()).isEqualTo(200);
        assertThat(m.batchBytes()).isEqualTo(1_048_576L);
        assertThat(m.target()).isEqualTo(catalog().require("shop").mongodb().target());
        assertThatThrownBy(() -> resolver.resolve("shop", Map.of("restore.batch-documents", "0")))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.batch-documents");
        assertThatThrownBy(() -> resolver.resolve("shop", Map.of("restore.batch-bytes", "64000000")))
                .isInstanceOf(PlanException.class).hasMessageContaining("restore.batch-bytes");
    }

    @Test
    void guards_shouldStillRefuse_aProtectedTargetAllowedByAPattern() {
        var resolved = resolver.resolve("nightly", Map.of("target.database", "shop_acc_production")).orElseThrow();

        assertThat(RefreshGuard.check(resolved.plan())).hasValueSatisfying(v ->
                assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET));
    }

    /**
     * Every identity key of every engine, set from each per-run place: refused, naming the key, from the
     * event and the parameter store; never read from the environment.
     */
    @ParameterizedTest
    @ValueSource(strings = {"source.host", "source.port", "source.database", "source.username",
            "source.password-secret", "source.account", "source.region", "source.cluster", "source.table",
            "source.share-from-source", "source.share-role-arn", "target.host", "target.port", "target.username",
            "target.password-secret", "target.account", "target.region", "target.engine-version", "target.kms-key-id",
            "target.subnet-group", "target.security-groups", "target.cluster-parameter-group", "target.required-tag",
            "target.final-snapshot", "target.master-username", "target.master-password-secret", "target.tls",
            "target.replace-pattern", "target.replacement", "target.table-arn-parameter", "target.allowed-databases",
            "snapshot.source-store", "snapshot.target-store", "parameters.latest", "parameters.current",
            "parameters.promote-latest", "notifications.queue", "notifications.topic-arn", "notifications.pipeline",
            "notifications.endpoint-parameter", "retention.keep-copies", "guards.protected-patterns", "engine",
            "users", "test-endpoint-overrides.x", "source.uri-secret", "target.uri-secret", "target.tls.ca-file"})
    void resolve_shouldRefuseIdentityKeys_fromEveryPerRunPlace(String key) {
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of(key, "5999")))
                .isInstanceOf(PlanException.class).hasMessageContaining("'" + key + "'")
                .hasMessageContaining("cannot be set per run");
        // The environment is only ever asked for settable keys, so an identity key's variable changes nothing.
        env.put(PlanResolver.envName("nightly", key), "5999");
        assertThat(resolver.resolve("nightly", Map.of()).orElseThrow().plan()).isEqualTo(catalog().require("nightly"));
        env.clear();
        ssm.put("/dbrefresh/plans/nightly/" + key.replace('.', '/'), "5999");
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of())).isInstanceOf(PlanException.class)
                .hasMessageContaining("'" + key + "'");
    }

    /**
     * Every typed knob with a value that does not parse or lies outside its range, from each per-run place: refused
     * with the key, the value, where it came from and what is allowed, never read as the default.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wait.max-poll-seconds|tomorrow|a whole number of seconds from 1 to 900",
            "wait.max-poll-seconds|901|a whole number of seconds from 1 to 900",
            "wait.first-poll-seconds|2.5|a whole number of seconds from 1 to 900",
            "wait.first-poll-seconds|0|a whole number of seconds from 1 to 900",
            "wait.deadline-minutes|1e3|a whole number of minutes, at least 1",
            "wait.deadline-minutes|99999999999|a whole number of minutes, at least 1",
            "restore.jobs|NaN|a whole number of parallel jobs from 1 to 64",
            "restore.jobs|' 3'|a whole number of parallel jobs from 1 to 64",
            "restore.jobs|''|a whole number of parallel jobs from 1 to 64",
            "target.instances|two|a whole number of instances from 1 to 16",
            "restore.batch-documents|0x10|a whole number of operations from 1 to 100000",
            "restore.batch-bytes|8MiB|a whole number of bytes from 1024 to 48000000",
            "snapshot.mode|newest|one of [create, latest]",
            "restore.mode|merge|one of [replace, delta] (any case)",
            "target.instance-class|large|an instance class such as db.r6g.large or db.serverless",
            "target.instance-class|db.r6g.large; x|an instance class such as db.r6g.large or db.serverless"})
    void resolve_shouldRefuseAKnobValue_thatDoesNotParseOrIsOutOfRange_fromEveryPerRunPlace(String key, String value,
            String allowed) {
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of(key, value))).isInstanceOf(PlanException.class)
                .hasMessageContaining("'" + key + "' = '" + value + "' in the run's values (start message) is not "
                        + allowed);
        env.put(PlanResolver.envName("nightly", key), value);
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of())).isInstanceOf(PlanException.class)
                .hasMessageContaining("'" + key + "' = '" + value + "' in environment variable "
                        + PlanResolver.envName("nightly", key) + " is not " + allowed);
        env.clear();
        ssm.put("/dbrefresh/plans/nightly/" + key.replace('.', '/'), value);
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of())).isInstanceOf(PlanException.class)
                .hasMessageContaining("'" + key + "' = '" + value + "' in parameter /dbrefresh/plans/nightly/"
                        + key.replace('.', '/') + " is not " + allowed);
    }

    @Test
    void resolve_shouldTakeKnobValues_atTheEndsOfTheirRanges() {
        var plan = resolver.resolve("nightly", Map.of("wait.first-poll-seconds", "1", "wait.max-poll-seconds", "900",
                "wait.deadline-minutes", "1", "restore.jobs", "64", "target.instances", "16",
                "target.instance-class", "db.serverless")).orElseThrow().plan();

        assertThat(plan.waits()).isEqualTo(new WaitSettings(1, 900, 1));
        assertThat(plan.restoreJobs()).isEqualTo(64);
        var mongo = resolver.resolve("shop", Map.of("restore.mode", "DELTA", "restore.batch-documents", "100000",
                "restore.batch-bytes", "1024", "restore.jobs", "1")).orElseThrow().plan().mongodb();
        assertThat(mongo.restoreMode()).isEqualTo(MongoSettings.DELTA);
        assertThat(mongo.batchDocuments()).isEqualTo(100_000);
        assertThat(mongo.batchBytes()).isEqualTo(1024);
        assertThat(mongo.parallelism()).isEqualTo(1);
    }

    @Test
    void knobs_shouldHaveARule_forEveryTypedKnobKey() {
        for (PlanKnob knob : PlanKnob.values()) {
            assertThat(PlanResolver.KNOBS).contains(knob.key());
        }
        assertThat(PlanResolver.KNOBS.stream().filter(k -> PlanKnob.of(k).isEmpty()))
                .as("the knobs without a typed rule are free text").containsExactly("source.snapshot");
    }

    @Test
    void resolve_shouldRefuseATargetDatabase_thatThePlanDoesNotAllow() {
        assertThatThrownBy(() -> resolver.resolve("nightly", Map.of("target.database", "orders")))
                .isInstanceOf(PlanException.class).hasMessageContaining("'target.database' = 'orders'")
                .hasMessageContaining("target.allowed-databases");
        assertThatThrownBy(() -> resolver.resolve("other", Map.of("target.database", "other_acc")))
                .isInstanceOf(PlanException.class).hasMessageContaining("lists no target.allowed-databases");
    }

    @Test
    void resolve_shouldAcceptATargetDatabase_listedOrMatchedByAPattern() {
        assertThat(resolver.resolve("nightly", Map.of("target.database", "shop_acc2")).orElseThrow().plan().target()
                .database()).isEqualTo("shop_acc2");
        assertThat(resolver.resolve("nightly", Map.of("target.database", "shop_acc_17")).orElseThrow().plan().target()
                .database()).isEqualTo("shop_acc_17");
    }

    @Test
    void catalog_shouldRefuseAnAllowlist_thatIsNotAListOfNames() {
        assertThatThrownBy(() -> PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                plans:
                  p:
                    source: {database: a}
                    target: {database: b, allowed-databases: ["re:(("]}
                """), Path.of("/tmp"))).isInstanceOf(PlanException.class)
                .hasMessageContaining("target.allowed-databases entry 're:(('");
    }

    @Test
    void resolve_shouldBeEmpty_forAnUnknownPlan() {
        assertThat(resolver.resolve("nope", Map.of())).isEmpty();
    }

    @Test
    void envName_shouldUpperCaseAndReplaceOtherCharacters() {
        assertThat(PlanResolver.envName("nightly-acc", "target.instance-class"))
                .isEqualTo("DBREFRESH_PLAN_NIGHTLY_ACC_TARGET_INSTANCE_CLASS");
    }

    private static PlanCatalog catalog() {
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                    plans:
                      nightly:
                        source: {database: shop_production}
                        target: {database: shop_acceptance, allowed-databases: [shop_acc2, shop_acc3, "re:shop_acc_[a-z0-9]+"]}
                        guards: {protected-patterns: ["(?i).*prod.*"]}
                      other:
                        source: {database: other_production}
                        target: {database: other_acceptance}
                      templated:
                        source: {database: tpl_production}
                        target: {database: tpl_acceptance}
                        fast-path: template
                      shop:
                        engine: mongodb
                        source: {database: shop_production}
                        target: {database: shop_acceptance}
                    """), Path.of("/tmp"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An in-memory parameter store (the JDBC and SSM ones are tested against their backends). */
    private record Store(Map<String, String> values) implements ParameterStore, BeanProvider<ParameterStore> {
        @Override
        public Optional<String> get(String name) {
            return Optional.ofNullable(values.get(name));
        }

        @Override
        public long put(String name, String value) {
            values.put(name, value);
            return 1;
        }

        @Override
        public Map<String, String> getByPath(String prefix) {
            Map<String, String> out = new TreeMap<>();
            values.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    out.put(k, v);
                }
            });
            return out;
        }

        @Override
        public ParameterStore get() {
            return this;
        }

        @Override
        public boolean isPresent() {
            return true;
        }
    }
}
