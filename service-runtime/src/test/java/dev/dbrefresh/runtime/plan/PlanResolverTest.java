package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.params.ParameterStore;
import io.micronaut.context.BeanProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PlanResolverTest {

    private final Map<String, String> ssm = new TreeMap<>();
    private final Map<String, String> env = new TreeMap<>();
    private final PlanResolver resolver = new PlanResolver(catalog(), new Store(ssm), env::get);

    @Test
    void resolve_shouldTakeTheFirstFound_eventThenEnvironmentThenParameterStoreThenFile() {
        ssm.put("/dbrefresh/plans/nightly/restore/jobs", "3");
        ssm.put("/dbrefresh/plans/nightly/target/port", "6543");
        ssm.put("/dbrefresh/plans/nightly/snapshot/mode", "latest");
        env.put("DBREFRESH_PLAN_NIGHTLY_RESTORE_JOBS", "4");
        env.put("DBREFRESH_PLAN_NIGHTLY_TARGET_PORT", "6544");

        var resolved = resolver.resolve("nightly", Map.of("restore.jobs", "5")).orElseThrow();

        assertThat(resolved.plan().restoreJobs()).isEqualTo(5);
        assertThat(resolved.plan().target().port()).isEqualTo(6544);
        assertThat(resolved.plan().snapshotMode()).isEqualTo("latest");
        assertThat(resolved.plan().target().database()).isEqualTo("shop_acceptance");
        assertThat(resolved.sources()).containsEntry("restore.jobs", "event").containsEntry("target.port", "environment")
                .containsEntry("snapshot.mode", "parameter store").doesNotContainKey("target.database");
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
    void guards_shouldStillRefuse_aProtectedTargetSetByAnEvent() {
        var resolved = resolver.resolve("nightly", Map.of("target.database", "shop_production_copy")).orElseThrow();

        assertThat(RefreshGuard.check(resolved.plan())).hasValueSatisfying(v ->
                assertThat(v.errorCode()).isEqualTo("GUARD_PROTECTED_TARGET"));
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
                        target: {database: shop_acceptance}
                        guards: {protected-patterns: ["(?i).*prod.*"]}
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
