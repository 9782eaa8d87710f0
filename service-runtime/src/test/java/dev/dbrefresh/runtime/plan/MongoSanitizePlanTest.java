package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.testing.Beans;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code mongodb} plan's {@code sanitize:} key: masks in replace mode, and delta with masks refused. */
class MongoSanitizePlanTest {

    @TempDir
    Path dir;

    private static final String PLAN = """
            plans:
              crm:
                engine: mongodb
                source: {database: crm_production}
                target: {database: crm_acceptance}
                RESTORE
                sanitize:
                  key-secret: env:MASK_KEY
                  keep-roles: [reporting]
                  masks:
                    - {table: "people.v2 x", columns: {"profile.phone": null, email: email}}
                    - {table: audit, mask: truncate-table}
            """;

    private PlanCatalog catalog(String restore) throws Exception {
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(PLAN.replace("RESTORE", restore)), dir);
    }

    @Test
    void parse_shouldReadMongoMasks_withDottedCollectionAndNestedField() throws Exception {
        MongoSettings m = catalog("restore: {mode: replace}").require("crm").mongodb();

        assertThat(m.sanitize().masks()).hasSize(2);
        assertThat(MongoSettings.collectionOf(m.sanitize().masks().get(0))).isEqualTo("people.v2 x");
        assertThat(m.sanitize().masks().get(0).columns()).extracting(c -> c.column() + " " + c.type())
                .containsExactly("profile.phone " + MaskType.NULL, "email " + MaskType.EMAIL);
        assertThat(m.sanitize().masks().get(1).truncate()).isTrue();
        assertThat(m.sanitize().keepRoles()).containsExactly("reporting");
        assertThat(m.sanitize().keySecret()).isEqualTo("env:MASK_KEY");
    }

    @Test
    void parse_shouldRefuseDeltaWithMasks_atPlanLoad() {
        assertThatThrownBy(() -> catalog("restore: {mode: delta}")).isInstanceOf(PlanException.class)
                .hasMessageContaining("plan 'crm': restore.mode delta cannot be used with sanitize.masks")
                .hasMessageContaining("use restore.mode: replace");
    }

    @Test
    void resolve_shouldRefuseDeltaWithMasks_asPerRunValue() throws Exception {
        PlanResolver resolver = new PlanResolver(catalog("restore: {jobs: 2}"), Beans.absent(), name -> null);

        assertThatThrownBy(() -> resolver.resolve("crm", Map.of("restore.mode", "delta")))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("restore.mode delta cannot be used with sanitize.masks");
        assertThat(resolver.resolve("crm", Map.of("restore.mode", "replace")).orElseThrow().plan().mongodb()
                .sanitize().masks()).hasSize(2);
    }

    @Test
    void parse_shouldStillRefuseSqlFilesAndChecksums_forMongodb() {
        assertThatThrownBy(() -> PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                plans:
                  crm:
                    engine: mongodb
                    source: {database: a}
                    target: {database: b}
                    verify: checksums
                """), dir)).isInstanceOf(PlanException.class).hasMessageContaining("not yet for mongodb");
    }
}
