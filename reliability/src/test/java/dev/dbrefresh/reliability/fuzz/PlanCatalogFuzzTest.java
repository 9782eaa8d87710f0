package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.runtime.plan.GrantSpec;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.PlanException;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.UserSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The plans file: {@link PlanCatalog#load} of any YAML text (random bytes, damaged and mutated plans, deep nesting,
 * alias bombs, huge documents), and {@link PlanCatalog#parse} of mutated plan documents, with a third property on
 * the {@code sanitize:} key (SanitizeParser: masks, key-secret, sql, isolation). For any input the result is a
 * {@link PlanException} naming what is wrong, or a catalog whose postgres plans name only identifiers that PostgreSQL
 * takes as written ({@link PgIdentifiers#requireValid}: no NUL, no broken UTF-16, at most 63 bytes) and mask values
 * that are valid string literals — a hostile name in a plan is refused when the plans file is read, not in the middle
 * of a run.
 */
class PlanCatalogFuzzTest {

    private static final Path DIR = Fuzz.tempDir("dbrefresh-fuzz-plans");
    private static final JsonNode VALID = yamlTree(StartMessageFuzzTest.PLANS);
    private static final JsonNode SANITIZE = yamlTree("""
            plans:
              pg:
                source: {database: shop_production}
                target: {database: shop_acceptance}
                verify: checksums
                users:
                  - {name: app_reader, password-secret: env:APP_READER_PASSWORD,
                     grants: [{on: all-tables, schema: public, privileges: [SELECT]}, {on: table, schema: s, table: t, privileges: [UPDATE]}]}
                sanitize:
                  key-secret: env:MASK_KEY
                  keep-roles: [reporting]
                  lock-roles: database
                  isolation: true
                  masks:
                    - {table: public.customers, columns: {email: email, phone: "null", name: {fixed: "x"}, ssn: hash}}
                    - {table: audit_log, mask: truncate-table}
                    - {schema: crm, table: people, columns: {mail: keep-domain}}
            """);

    @Test
    void anyPlansFileText_loads_orIsRefusedWithAPlanException() {
        Property.check("anyPlansFileText_loads_orIsRefusedWithAPlanException", 10_000, yamlTexts(),
                this::anyPlansFileText_loads_orIsRefusedWithAPlanException);
    }

    void anyPlansFileText_loads_orIsRefusedWithAPlanException(String text) {
        PlanCatalog catalog = Fuzz.expectReading("plans-file-yaml", DIR.resolve("plans.yml"),
                text.getBytes(StandardCharsets.UTF_8), PlanCatalog::load, PlanException.class);
        if (catalog != null) {
            catalog.all().values().forEach(PlanCatalogFuzzTest::assertQuotable);
        }
    }

    @Test
    void anyPlanDocument_parses_orIsRefusedWithAPlanException() {
        Property.check("anyPlanDocument_parses_orIsRefusedWithAPlanException", 10_000, documents(),
                this::anyPlanDocument_parses_orIsRefusedWithAPlanException);
    }

    void anyPlanDocument_parses_orIsRefusedWithAPlanException(JsonNode root) {
        PlanCatalog catalog = Fuzz.expect("plan-catalog", () -> PlanCatalog.parse(root, DIR), PlanException.class);
        if (catalog != null) {
            catalog.all().values().forEach(PlanCatalogFuzzTest::assertQuotable);
        }
    }

    @Test
    void anySanitizeSection_parses_orIsRefusedWithAPlanException() {
        Property.check("anySanitizeSection_parses_orIsRefusedWithAPlanException", 10_000, sanitizeDocuments(),
                this::anySanitizeSection_parses_orIsRefusedWithAPlanException);
    }

    void anySanitizeSection_parses_orIsRefusedWithAPlanException(JsonNode root) {
        PlanCatalog catalog = Fuzz.expect("sanitize-masks", () -> PlanCatalog.parse(root, DIR), PlanException.class);
        if (catalog != null) {
            catalog.all().values().forEach(PlanCatalogFuzzTest::assertQuotable);
        }
    }

    /** What the postgres engine will quote: every identifier and mask value of an accepted postgres plan. */
    static void assertQuotable(RefreshPlan plan) {
        if (plan.postgres() == null) {
            return;
        }
        PgIdentifiers.requireValid(plan.source().database(), "source database");
        PgIdentifiers.requireValid(plan.target().database(), "target database");
        for (UserSpec user : plan.users()) {
            PgIdentifiers.requireValid(user.name(), "user");
            for (GrantSpec g : user.grants()) {
                if (g.schema() != null) {
                    PgIdentifiers.requireValid(g.schema(), "grant schema");
                }
                if (g.table() != null) {
                    PgIdentifiers.requireValid(g.table(), "grant table");
                }
            }
        }
        for (SanitizeSettings.TableMask mask : plan.postgres().sanitize().masks()) {
            PgIdentifiers.requireValid(mask.schema(), "mask schema");
            PgIdentifiers.requireValid(mask.table(), "mask table");
            for (SanitizeSettings.ColumnMask c : mask.columns()) {
                PgIdentifiers.requireValid(c.column(), "mask column");
                if (c.value() != null) {
                    PgIdentifiers.literal(c.value());
                }
            }
        }
        plan.postgres().sanitize().keepRoles().forEach(r -> PgIdentifiers.requireValid(r, "keep-roles entry"));
    }

    Gen<String> yamlTexts() {
        YAMLFactory yaml = new YAMLFactory();
        Gen<String> mutated = Fuzz.mutated(VALID, SANITIZE).map(PlanCatalogFuzzTest::toYaml);
        Gen<String> aliases = Gen.integers(2, 12).map(levels -> {
            StringBuilder b = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for (int i = 1; i <= levels; i++) {
                b.append("a").append(i).append(": &a").append(i).append(" [");
                for (int j = 0; j < 10; j++) {
                    b.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
                }
                b.append("]\n");
            }
            return b.append("plans: {p: {source: {database: *a").append(levels).append("}, target: {database: t}}}\n")
                    .toString();
        });
        Gen<String> deep = Gen.of(50, 1_000, 10_000, 100_000).map(n -> "plans: " + "[".repeat(n) + "]".repeat(n));
        Gen<String> deepMap = Gen.of(60, 300, 1_000).map(n -> {
            StringBuilder b = new StringBuilder("plans:\n");
            for (int i = 1; i <= n; i++) {
                b.append("  ".repeat(i)).append("k").append(i).append(":\n");
            }
            return b.toString();
        });
        Gen<String> tags = Fuzz.hostile().map(h -> "plans: !!javax.script.ScriptEngineManager [" + h + "]\n");
        return Gen.frequencyOf(Gen.weighted(40, mutated), Gen.weighted(15, Fuzz.damaged(mutated)),
                Gen.weighted(8, Fuzz.randomBytes()), Gen.weighted(4, aliases), Gen.weighted(3, deep), Gen.weighted(3, deepMap),
                Gen.weighted(3, tags), Gen.weighted(5, Fuzz.json(4).map(JsonNode::toString)), Gen.weighted(3, Fuzz.hostile()),
                Gen.weighted(1, Gen.of("plans: {p: {source: {database: " + "x".repeat(4_000_000) + "}}}",
                        "plans: {p: {source: {database: " + "x".repeat(20_000) + "}}}")));
    }

    Gen<JsonNode> documents() {
        Gen<JsonNode> identity = Gen.combine(Gen.of("source", "target"),
                Gen.of("database", "host", "username", "password-secret", "port"), Fuzz.hostile()).as((e, f, h) -> {
                    ObjectNode root = VALID.deepCopy();
                    ((ObjectNode) root.get("plans").get("pg").get(e)).put(f, h);
                    return root;
                });
        return Gen.frequencyOf(Gen.weighted(6, Fuzz.mutated(VALID, SANITIZE)),
                Gen.weighted(2, identity), Gen.weighted(1, Fuzz.json(4)));
    }

    Gen<JsonNode> sanitizeDocuments() {
        Gen<JsonNode> names = Gen.combine(Gen.integers(0, 5), Fuzz.hostile(),
                Fuzz.hostile()).as((which, a, b) -> {
                    ObjectNode root = SANITIZE.deepCopy();
                    ObjectNode pg = (ObjectNode) root.get("plans").get("pg");
                    ObjectNode masks0 = (ObjectNode) pg.get("sanitize").get("masks").get(0);
                    switch (which) {
                        case 0 -> masks0.put("table", a);
                        case 1 -> ((ObjectNode) masks0.get("columns")).put(a, b);
                        case 2 -> ((ObjectNode) masks0.get("columns")).putObject(a).put("fixed", b);
                        case 3 -> ((ObjectNode) pg.get("users").get(0)).put("name", a);
                        case 4 -> ((com.fasterxml.jackson.databind.node.ArrayNode) pg.get("sanitize").get("keep-roles")).add(a);
                        default -> ((ObjectNode) pg.get("sanitize").get("masks").get(2)).put("schema", a).put("table", b);
                    }
                    return root;
                });
        Gen<JsonNode> section = Fuzz.mutated(SANITIZE.get("plans").get("pg").get("sanitize")).map(s -> {
                    ObjectNode root = SANITIZE.deepCopy();
                    ((ObjectNode) root.get("plans").get("pg")).set("sanitize", s);
                    return root;
                });
        return Gen.frequencyOf(Gen.weighted(5, section), Gen.weighted(5, names));
    }

    private static String toYaml(JsonNode n) {
        try {
            return new ObjectMapper(new YAMLFactory()).writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode yamlTree(String yaml) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
