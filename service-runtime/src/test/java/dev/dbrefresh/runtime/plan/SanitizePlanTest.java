package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import dev.dbrefresh.runtime.testing.Beans;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A plan's sanitize: and verify: keys, and that no per-run value can change them. */
class SanitizePlanTest {

    @TempDir
    Path dir;

    private static final String PLAN = """
            plans:
              shop:
                source: {database: shop_production}
                target: {database: shop_acceptance}
                verify: checksums
                sanitize:
                  key-secret: env:MASK_KEY
                  keep-roles: [reporting]
                  masks:
                    - table: public.customers
                      columns:
                        email: email
                        name: hash
                        phone: null
                        note: {fixed: redacted}
                        contact: keep-domain
                    - schema: 'we.ird "s"'
                      table: 'Or"ders; --'
                      columns: {'e-mail': email}
                    - {table: audit_log, mask: truncate-table}
                  sql: [masks/extra.sql]
            """;

    private PlanCatalog catalog(String yaml) throws Exception {
        Files.createDirectories(dir.resolve("masks"));
        Files.writeString(dir.resolve("masks/extra.sql"), "UPDATE customers SET note = NULL WHERE id < 0;");
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), dir);
    }

    @Test
    void parse_shouldReadEveryMaskType_andIdentifiersAsWritten() throws Exception {
        SanitizeSettings s = catalog(PLAN).require("shop").postgres().sanitize();

        assertThat(s.checksums()).isTrue();
        assertThat(s.isolation()).isTrue();
        assertThat(s.lockServerRoles()).isFalse();
        assertThat(s.keepRoles()).containsExactly("reporting");
        assertThat(s.keySecret()).isEqualTo("env:MASK_KEY");
        assertThat(s.masks()).containsExactly(
                new TableMask("public", "customers", false, List.of(new ColumnMask("email", MaskType.EMAIL, null),
                        new ColumnMask("name", MaskType.HASH, null), new ColumnMask("phone", MaskType.NULL, null),
                        new ColumnMask("note", MaskType.FIXED, "redacted"),
                        new ColumnMask("contact", MaskType.KEEP_DOMAIN, null))),
                new TableMask("we.ird \"s\"", "Or\"ders; --", false, List.of(new ColumnMask("e-mail", MaskType.EMAIL,
                        null))),
                new TableMask("public", "audit_log", true, List.of()));
        assertThat(s.sqlFiles()).containsExactly(dir.resolve("masks/extra.sql").toAbsolutePath().normalize());
    }

    @Test
    void parse_shouldDefaultToIsolationWithoutMasks() throws Exception {
        SanitizeSettings s = catalog("""
                plans:
                  shop: {source: {database: a}, target: {database: b}}
                """).require("shop").postgres().sanitize();

        assertThat(s).isEqualTo(SanitizeSettings.DEFAULT);
        assertThat(s.isolation()).isTrue();
        assertThat(s.checksums()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sanitize: {masks: [{table: t, columns: {c: hash}}]}|need sanitize.key-secret",
        "sanitize: {key: abc, key-secret: env:K}|plain 'key'",
        "sanitize: {masks: [{table: t, columns: {c: scramble}}]}|is not one of null",
        "sanitize: {masks: [{table: t, mask: drop}]}|is not 'truncate-table'",
        "sanitize: {masks: [{table: t, columns: {a: null}}, {table: public.t, columns: {b: null}}]}|names table public.t twice",
        "sanitize: {sql: [../outside.sql]}|inside the plans file's directory",
        "sanitize: {sql: [missing.sql]}|does not exist",
        "sanitize: {lock-roles: everything}|lock-roles",
        "verify: everything|verify must be one of"})
    void parse_shouldRefuseMistakes_namingTheKey(String row) {
        String[] parts = row.split("\\|");
        assertThatThrownBy(() -> catalog("plans:\n  shop:\n    source: {database: a}\n    target: {database: b}\n    "
                + parts[0] + "\n")).isInstanceOf(PlanException.class).hasMessageContaining(parts[1]);
    }

    @Test
    void parse_shouldRefuseChecksumsAndSql_forDocDbWhichMasksButCannotDoThose() {
        assertThatThrownBy(() -> catalog("""
                plans:
                  docs:
                    engine: docdb
                    source: {database: a}
                    target: {database: b}
                    sanitize: {masks: [{table: t, columns: {c: null}}]}
                    verify: checksums
                """)).isInstanceOf(PlanException.class)
                .hasMessageContaining("sanitize.sql and verify: checksums are implemented for engine postgres only, not"
                        + " yet for docdb");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sanitize.isolation", "sanitize.masks", "sanitize.key-secret", "sanitize.keep-roles",
        "sanitize.masks.0.columns.email", "sanitize.lock-roles", "verify", "sanitize"})
    void startMessage_shouldNotTurnOffOrChangeMasking(String key) throws Exception {
        PlanCatalog catalog = catalog(PLAN);
        PlanResolver resolver = new PlanResolver(catalog, Beans.absent(), name -> null);

        assertThatThrownBy(() -> resolver.resolve("shop", Map.of(key, "false")))
                .isInstanceOf(PlanException.class).hasMessageContaining("'" + key + "'")
                .hasMessageContaining("cannot be set per run");
        // an environment variable of that key is not even read
        PlanResolver fromEnv = new PlanResolver(catalog, Beans.absent(),
                name -> name.equals(PlanResolver.envName("shop", key)) ? "false" : null);
        assertThat(fromEnv.resolve("shop", Map.of()).orElseThrow().plan().postgres().sanitize())
                .isEqualTo(catalog.require("shop").postgres().sanitize());
    }
}
