package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dbrefresh.contracts.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefreshGuardTest {

    private static final DatabaseEndpoint SOURCE =
            new DatabaseEndpoint("db.internal", 5432, "shop_production", "postgres", null);

    private static RefreshPlan plan(DatabaseEndpoint target, List<String> protectedPatterns) {
        return new RefreshPlan("shop", "postgres", new PostgresSettings(SOURCE, target, Path.of("/s"), Path.of("/t"), 2),
                "create", "/l", "/c", true, List.of(), protectedPatterns, "dbrefresh-notifications",
                NotificationSettings.NONE, TriggerSettings.NONE, WaitSettings.defaultsFor(false));
    }

    @Test
    void plan_shouldRefuseSettingsOfAnotherEngineFamily() {
        assertThatThrownBy(() -> new RefreshPlan("shop", "aurora-mysql",
                new PostgresSettings(SOURCE, SOURCE, Path.of("/s"), Path.of("/t"), 2), "create", "/l", "/c", true,
                List.of(), List.of(), "q", NotificationSettings.NONE, TriggerSettings.NONE,
                WaitSettings.defaultsFor(true))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aurora-mysql").hasMessageContaining("PostgresSettings");
    }

    @Test
    void check_shouldRefuse_whenTargetIsSource() {
        var violation = RefreshGuard.check(plan(
                new DatabaseEndpoint("DB.INTERNAL", 5432, "shop_production", "other_user", null), List.of()));

        assertThat(violation).hasValueSatisfying(v -> {
            assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE);
            assertThat(v.message()).contains("plan 'shop'").contains("shop_production");
        });
    }

    @Test
    void check_shouldAccept_whenSameDatabaseNameIsOnAnotherServer() {
        assertThat(RefreshGuard.check(plan(
                new DatabaseEndpoint("db.internal", 5433, "shop_production_copy", "postgres", null), List.of())))
                .isEmpty();
        assertThat(RefreshGuard.check(plan(
                new DatabaseEndpoint("acceptance.internal", 5432, "shop_production", "postgres", null), List.of())))
                .isEmpty();
    }

    @Test
    void check_shouldRefuse_whenTargetMatchesProtectedPattern() {
        var violation = RefreshGuard.check(plan(
                new DatabaseEndpoint("acc.internal", 5432, "shop_PROD_mirror", "postgres", null),
                List.of("(?i).*prod.*")));

        assertThat(violation).hasValueSatisfying(v -> {
            assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET);
            assertThat(v.message()).contains("shop_PROD_mirror").contains("(?i).*prod.*");
        });
    }

    @Test
    void check_shouldAccept_whenPatternMatchesOnlyPartOfName() {
        // patterns must match the whole name
        assertThat(RefreshGuard.check(plan(
                new DatabaseEndpoint("acc.internal", 5432, "shop_acceptance", "postgres", null), List.of("shop"))))
                .isEmpty();
    }

    @Test
    void check_shouldRefuse_whenTargetIsBuiltInPostgresDatabase() {
        var violation = RefreshGuard.check(plan(
                new DatabaseEndpoint("acc.internal", 5432, "postgres", "postgres", null), List.of()));

        assertThat(violation).hasValueSatisfying(v -> {
            assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET);
            assertThat(v.message()).contains("'postgres'").contains("built-in");
        });
    }

    @Test
    void check_shouldRefuse_whenTargetIsDbrefreshStateDatabase() {
        assertThat(RefreshGuard.check(plan(
                new DatabaseEndpoint("acc.internal", 5432, "dbrefresh", "postgres", null), List.of())))
                .hasValueSatisfying(v -> assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET));
    }

    @Test
    void check_shouldAccept_whenTargetIsAnOrdinaryNonProductionDatabase() {
        assertThat(RefreshGuard.check(plan(
                new DatabaseEndpoint("acc.internal", 5432, "shop_acceptance", "postgres", null),
                List.of("(?i).*prod.*", "billing_.*")))).isEmpty();
    }

    private static RefreshPlan mongo(DatabaseEndpoint source, DatabaseEndpoint target, List<String> protectedPatterns) {
        return new RefreshPlan("shop", "mongodb", new MongoSettings(source, target, Path.of("/s"), Path.of("/t"),
                MongoSettings.REPLACE, 2, List.of(), null), "create", "/l", "/c", true, List.of(), protectedPatterns,
                "dbrefresh-notifications", NotificationSettings.NONE, TriggerSettings.NONE,
                WaitSettings.defaultsFor(false));
    }

    private static final DatabaseEndpoint MONGO_SOURCE =
            new DatabaseEndpoint("mongo.internal", 27017, "shop_production", null, null);

    @Test
    void check_shouldRefuseAMongodbPlan_whenTargetIsSource() {
        var violation = RefreshGuard.check(mongo(MONGO_SOURCE,
                new DatabaseEndpoint("MONGO.internal", 27017, "shop_production", "other", null), List.of()));

        assertThat(violation).hasValueSatisfying(v -> {
            assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE);
            assertThat(v.message()).contains("mongodb://MONGO.internal:27017/shop_production");
        });
    }

    @Test
    void check_shouldRefuseAMongodbPlan_whenTargetIsProtectedByPatternOrBuiltIn() {
        DatabaseEndpoint acc = new DatabaseEndpoint("mongo.acc", 27017, "shop_live", null, null);
        assertThat(RefreshGuard.check(mongo(MONGO_SOURCE, acc, List.of("(?i).*_LIVE"))))
                .hasValueSatisfying(v -> assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET));
        for (String db : List.of("admin", "local", "config")) {
            assertThat(RefreshGuard.check(mongo(MONGO_SOURCE, acc.withDatabase(db), List.of())))
                    .hasValueSatisfying(v -> assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_PROTECTED_TARGET));
        }
        assertThat(RefreshGuard.check(mongo(MONGO_SOURCE, acc.withDatabase("shop_acceptance"), List.of()))).isEmpty();
    }

    @Test
    void check_shouldRefuseAMongodbPlan_whenTheServersStateOneIdentity() {
        RefreshPlan plan = mongo(MONGO_SOURCE, new DatabaseEndpoint("alias", 27017, "shop_production", null, null),
                List.of());
        var same = new PlanIdentities.Identity("mongodb://host:h1/shop_production", null);

        assertThat(RefreshGuard.check(plan, new PlanIdentities.Identities(same, same)))
                .hasValueSatisfying(v -> assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE));
    }
}
