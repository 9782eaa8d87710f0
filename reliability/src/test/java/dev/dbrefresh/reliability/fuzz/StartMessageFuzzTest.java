package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.audit.InMemoryAuditLog;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.params.InMemoryParameterStore;
import dev.dbrefresh.runtime.plan.CloneSettings;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.PlanException;
import dev.dbrefresh.runtime.plan.PlanResolver;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.testing.Beans;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The start message ({@code dbrefresh.refresh.requested.v1}) and the plan values it, the envelope's
 * {@code planvalues}, the environment and the parameter store carry, resolved against the plans file
 * ({@link PlanResolver}, README "Per-run values" and DESIGN "Identity vs knobs"). For any start message the result
 * is a {@link MalformedEventException}, a {@link PlanException}, or a plan whose identity is the plans file's: the
 * same engine, source, target (but for a database or cluster from the plan's own allowlist, or the plan's clone
 * {@code <target>_<name>}), guards, users, masks, parameters and notification channels. Only the written knobs may
 * differ.
 */
class StartMessageFuzzTest {

    static final String PLANS = """
            plans:
              pg:
                engine: postgres
                source: {host: 127.0.0.1, port: 5432, database: shop_production, username: postgres}
                target: {host: 127.0.0.1, port: 5432, database: shop_acceptance, username: postgres,
                         allowed-databases: [shop_acceptance, shop_acc2, "re:shop_acc_[a-z0-9]{1,8}"]}
                fast-path: template
                users:
                  - {name: app_reader, password-secret: env:APP_READER_PASSWORD, grants: [{on: database, privileges: [CONNECT]}]}
                guards: {protected-patterns: ["(?i).*prod.*"]}
                sanitize:
                  masks: [{table: public.customers, columns: {email: "null"}}]
              mongo:
                engine: mongodb
                source: {database: crm_production}
                target: {database: crm_acceptance}
                guards: {protected-patterns: ["(?i).*prod.*"]}
              aurora:
                engine: aurora-postgresql
                source: {account: "111111111111", region: eu-west-1, cluster: shop-production}
                target: {account: "222222222222", region: eu-west-1, cluster: shop-acceptance, subnet-group: acc,
                         instance-class: db.r6g.large, kms-key-id: "arn:aws:kms:eu-west-1:222222222222:key/abc",
                         allowed-clusters: [shop-acceptance, "re:shop-acc-[0-9]"]}
                guards: {protected-patterns: ["(?i).*prod.*"]}
              ddb:
                engine: dynamodb
                source: {account: "111111111111", region: eu-west-1, table: orders-production}
            """;

    static final PlanCatalog CATALOG = catalog();
    /** The plans as another read of the same file gives them, to check that no run changed the catalog. */
    private static final Map<String, RefreshPlan> WRITTEN = catalog().all();
    private static final Map<String, JsonNode> WRITTEN_DOCUMENTS = new TreeMap<>();

    static {
        PlanCatalog again = catalog();
        again.all().keySet().forEach(n -> WRITTEN_DOCUMENTS.put(n, again.document(n).orElseThrow()));
    }
    private static final List<String> PLAN_NAMES = List.copyOf(new java.util.TreeSet<>(CATALOG.all().keySet()));
    private static final JsonNode SAMPLE = EventCodec.mapper().valueToTree(EventEnvelope.create("dbrefresh/cli", "run-1",
            null, new RefreshRequested("pg", null, null, false, "cli", Map.of("restore.jobs", "2")),
            java.time.Instant.parse("2026-12-01T00:00:00Z")));

    /** Plan keys a value may name: the written knobs and choices, the clone keys, and identity keys it must not set. */
    private static final List<String> KEYS;

    static {
        List<String> keys = new ArrayList<>(PlanResolver.settableKeys());
        keys.addAll(PlanResolver.CLONE_KEYS);
        keys.addAll(List.of("engine", "source.host", "source.database", "target.host", "target.port", "target.username",
                "target.password-secret", "target.allowed-databases", "guards.protected-patterns", "users",
                "users.0.name", "sanitize.masks", "parameters.latest", "notifications.queue", "target.account",
                "target.kms-key-id", "source.cluster", "source.table", "target.required-tag", "target..database",
                ".target.database", "target.database.", "target", "source", "target.allowed-clusters", "fast-path",
                "clone.of", "clone.name"));
        KEYS = List.copyOf(keys);
    }

    @Test
    void aStartMessage_neverChangesWhatThePlansFileFixes() {
        Property.check("aStartMessage_neverChangesWhatThePlansFileFixes", 10_000, messages(), perRun(), perRun(),
                this::aStartMessage_neverChangesWhatThePlansFileFixes);
    }

    void aStartMessage_neverChangesWhatThePlansFileFixes(String body,
            Map<String, String> environment, Map<String, String> parameters) {
        InMemoryParameterStore store = new InMemoryParameterStore();
        Map<String, String> env = new TreeMap<>();
        for (String plan : PLAN_NAMES) {
            parameters.forEach((k, v) -> store.put("/dbrefresh/plans/" + plan + "/" + k.replace('.', '/'), v));
            environment.forEach((k, v) -> env.put(PlanResolver.envName(plan, k), v));
        }
        PlanResolver resolver = new PlanResolver(CATALOG, Beans.provider(store), env::get);
        Optional<PlanResolver.Resolved> resolved = Fuzz.expectBounded("start-message", () -> {
            var decoded = EnvelopeFuzzTest.decode(body);
            if (!(decoded.event() instanceof RefreshRequested request)) {
                throw new MalformedEventException("not a start message");
            }
            StepContext ctx = new StepContext(decoded.envelope(), request.plan(), "snapshot-service", 1,
                    new InMemoryAuditLog(), null, Clock.systemUTC());
            return resolver.resolve(request.plan(), ctx.planValues());
        }, MalformedEventException.class, PlanException.class);
        if (resolved != null && resolved.isPresent()) {
            RefreshPlan written = CATALOG.require(resolved.get().plan().name());
            assertSameIdentity(written, resolved.get().plan());
        }
        // the plans file itself is never changed by a run
        assertThat(CATALOG.all()).isEqualTo(WRITTEN);
        WRITTEN_DOCUMENTS.forEach((name, doc) -> assertThat(CATALOG.document(name)).contains(doc));
    }

    static void assertSameIdentity(RefreshPlan written, RefreshPlan run) {
        assertThat(run.engine()).isEqualTo(written.engine());
        assertThat(run.protectedPatterns()).isEqualTo(written.protectedPatterns());
        assertThat(run.users()).isEqualTo(written.users());
        assertThat(run.latestParameter()).isEqualTo(written.latestParameter());
        assertThat(run.currentParameter()).isEqualTo(written.currentParameter());
        assertThat(run.notificationQueue()).isEqualTo(written.notificationQueue());
        assertThat(run.notifications()).isEqualTo(written.notifications());
        assertThat(run.triggers()).isEqualTo(written.triggers());
        ObjectNode w = identity(written);
        ObjectNode r = identity(run);
        String writtenTarget = w.path("target").path("database").asText(w.path("targetCluster").asText(null));
        String runTarget = r.path("target").path("database").asText(r.path("targetCluster").asText(null));
        if (!java.util.Objects.equals(runTarget, writtenTarget)) {
            assertThat(allowed(written, run, runTarget)).as("target %s of plan %s", runTarget, written.name()).isTrue();
        }
        for (ObjectNode n : List.of(w, r)) {
            if (n.path("target").isObject()) {
                ((ObjectNode) n.get("target")).remove("database");
            }
            n.remove("targetCluster");
        }
        assertThat(r).as("source, target, masks, secrets and settings of plan %s", written.name()).isEqualTo(w);
    }

    /** The engine settings without the written knobs (and without the target name, checked apart). */
    private static ObjectNode identity(RefreshPlan plan) {
        ObjectNode n = EventCodec.mapper().valueToTree(plan.settings());
        for (String knob : List.of("restoreJobs", "jobs", "instanceClass", "instances", "sourceSnapshot", "restoreMode",
                "mode", "batchDocuments", "batchBytes", "cloneRun",
                "parallelism" /* mongodb: the restore.jobs knob */)) {
            n.remove(knob);
        }
        return n;
    }

    private static boolean allowed(RefreshPlan written, RefreshPlan run, String target) {
        JsonNode doc = CATALOG.document(written.name()).orElseThrow();
        for (String list : List.of("allowed-databases", "allowed-clusters")) {
            for (JsonNode entry : doc.path("target").path(list)) {
                String e = entry.asText();
                if (e.startsWith("re:") ? Pattern.compile(e.substring(3)).matcher(target).matches() : e.equals(target)) {
                    return true;
                }
            }
        }
        CloneSettings clone = run.postgres() == null ? null : run.postgres().cloneRun();
        return clone != null && clone.of().equals(written.target().database()) && target.equals(clone.database());
    }

    Gen<String> messages() {
        Gen<String> key = Gen.frequencyOf(Gen.weighted(5, Gen.of(KEYS)), Gen.weighted(1, Fuzz.hostile()));
        Gen<String> value = value();
        Gen<Map<String, String>> values = Gen.maps(key, value, 4);
        Gen<String> plan = Gen.frequencyOf(Gen.weighted(8, Gen.of(PLAN_NAMES)), Gen.weighted(1, Fuzz.hostile()));
        Gen<JsonNode> wellFormed = Gen.combine(plan, values, values, Gen.of(true, false),
                Gen.of("refresh", "reset", "")).as((p, v, pv, inPlanValues, mode) -> {
                    ObjectNode o = SAMPLE.deepCopy();
                    ObjectNode data = (ObjectNode) o.get("data");
                    data.put("plan", p);
                    data.set("values", EventCodec.mapper().valueToTree(v));
                    if (!mode.isEmpty()) {
                        data.put("mode", mode);
                    }
                    if (inPlanValues) {
                        o.put("planvalues", EventCodec.toJson(pv));
                    }
                    return (JsonNode) o;
                });
        return Gen.frequencyOf(Gen.weighted(6, wellFormed.map(JsonNode::toString)),
                Gen.weighted(3, Fuzz.mutated(wellFormed).map(JsonNode::toString)),
                Gen.weighted(1, Fuzz.damaged(wellFormed.map(JsonNode::toString))));
    }

    /** Environment and parameter store values: mostly none, sometimes knobs or identity keys. */
    Gen<Map<String, String>> perRun() {
        return Gen.frequencyOf(Gen.weighted(8, Gen.just(Map.<String, String>of())),
                Gen.weighted(2, Gen.maps(Gen.of(KEYS), value(), 2)));
    }

    private static Gen<String> value() {
        return Gen.frequencyOf(Gen.weighted(4, Fuzz.hostile()), Gen.weighted(4, Gen.of("1", "2", "64", "65", "0",
                "-1", "abc", "db.r6g.xlarge", "3", "17", "900", "901", "create", "latest", "replace", "delta",
                "shop_acc2", "shop_acc_x1", "shop_production", "shop-acc-2", "shop-production", "feature1", "Feature_1",
                "2026-12-02T16:00:00Z", "tomorrow", "snap-1", "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:x",
                "../../etc", "postgres", "(?i).*", "10.0.0.1", "env:PGPASSWORD")));
    }

    static PlanCatalog catalog() {
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(PLANS), Path.of("/tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
