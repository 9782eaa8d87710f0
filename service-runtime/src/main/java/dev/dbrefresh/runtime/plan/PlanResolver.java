package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.runtime.params.ParameterStore;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The plan a handler works with: the plans file's plan with values overlaid in the order the Aurora
 * seed resolves its parameters, first found wins:
 * <ol>
 *   <li>the event: the start message's {@code values};</li>
 *   <li>earlier events of the run: the values the start message set, carried by every later event
 *       (the envelope's {@code planvalues} attribute);</li>
 *   <li>the environment: {@code DBREFRESH_PLAN_<PLAN>_<KEY>} (upper case, other characters as {@code _}),
 *       e.g. {@code DBREFRESH_PLAN_NIGHTLY_TARGET_INSTANCE_CLASS};</li>
 *   <li>the parameter store (SSM on AWS): {@code /dbrefresh/plans/<plan>/<key with / for .>}, e.g.
 *       {@code /dbrefresh/plans/nightly/target/instance-class};</li>
 *   <li>the plans file, then its defaults.</li>
 * </ol>
 * Only the keys in {@link #KEYS} can be set this way: guards, the engine, users and test settings come
 * from the plans file alone, so a start message can never weaken what protects a database. The
 * resulting plan is validated like one in the plans file (and the guards run on it as usual).
 */
@Singleton
public class PlanResolver {

    /** Plan keys whose value can come from an event, the environment or the parameter store. */
    public static final Set<String> KEYS = Set.of(
            "source.host", "source.port", "source.database", "source.username", "source.password-secret",
            "source.account", "source.region", "source.cluster", "source.snapshot", "source.share-from-source", "source.share-role-arn",
            "target.host", "target.port", "target.database", "target.username", "target.password-secret",
            "target.account", "target.region", "target.cluster", "target.engine-version", "target.kms-key-id",
            "target.subnet-group", "target.cluster-parameter-group", "target.instance-class", "target.instances",
            "target.required-tag", "target.final-snapshot", "target.master-username", "target.master-password-secret",
            "target.tls", "snapshot.mode", "restore.jobs", "parameters.latest", "parameters.current",
            "parameters.promote-latest", "notifications.queue", "notifications.topic-arn", "notifications.pipeline",
            "notifications.endpoint-parameter", "retention.keep-copies", "wait.first-poll-seconds",
            "wait.max-poll-seconds", "wait.deadline-minutes");

    private final PlanCatalog catalog;
    private final BeanProvider<ParameterStore> parameters;
    private final Function<String, String> environment;

    /**
     * @param catalog    the plans file
     * @param parameters the parameter store, where this service has one
     */
    @Inject
    public PlanResolver(PlanCatalog catalog, BeanProvider<ParameterStore> parameters) {
        this(catalog, parameters, System::getenv);
    }

    /**
     * @param catalog     the plans file
     * @param parameters  the parameter store, where this service has one
     * @param environment environment lookup (tests pass a map)
     */
    public PlanResolver(PlanCatalog catalog, BeanProvider<ParameterStore> parameters, Function<String, String> environment) {
        this.catalog = catalog;
        this.parameters = parameters;
        this.environment = environment;
    }

    /**
     * A plan with its values resolved.
     *
     * @param plan    the plan to use
     * @param sources where each value that did not come from the plans file came from:
     *                key to {@code event}, {@code environment} or {@code parameter store}
     */
    public record Resolved(RefreshPlan plan, Map<String, String> sources) {

        /** @return one line for the audit log, e.g. {@code target.instance-class from event} */
        public String describe() {
            List<String> parts = sources.entrySet().stream().map(e -> e.getKey() + " from " + e.getValue()).toList();
            return String.join(", ", parts);
        }
    }

    /**
     * @param planName  plan name
     * @param runValues the run's values (event and earlier events), by plan key
     * @return the resolved plan, or empty when no plan has that name
     * @throws PlanException when a value names an unknown or protected key, or makes the plan invalid
     */
    public Optional<Resolved> resolve(String planName, Map<String, String> runValues) {
        Optional<JsonNode> document = catalog.document(planName);
        if (document.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> values = new TreeMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        if (parameters.isPresent()) {
            String prefix = "/dbrefresh/plans/" + planName + "/";
            parameters.get().getByPath(prefix).forEach((name, value) -> {
                String key = name.substring(prefix.length()).replace('/', '.');
                requireKnown(planName, key, "parameter " + name);
                values.put(key, value);
                sources.put(key, "parameter store");
            });
        }
        for (String key : KEYS) {
            String value = environment.apply(envName(planName, key));
            if (value != null) {
                values.put(key, value);
                sources.put(key, "environment");
            }
        }
        runValues.forEach((key, value) -> {
            requireKnown(planName, key, "the start message's values");
            values.put(key, value);
            sources.put(key, "event");
        });
        if (values.isEmpty()) {
            return catalog.find(planName).map(p -> new Resolved(p, Map.of()));
        }
        ObjectNode node = (ObjectNode) document.get();
        values.forEach((key, value) -> {
            String[] path = key.split("\\.");
            ObjectNode parent = node;
            for (int i = 0; i < path.length - 1; i++) {
                parent = parent.path(path[i]).isObject() ? (ObjectNode) parent.get(path[i]) : parent.putObject(path[i]);
            }
            parent.put(path[path.length - 1], value);
        });
        return Optional.of(new Resolved(catalog.validate(planName, node), new TreeMap<>(sources)));
    }

    /**
     * Resolves the plan of a handler's run: records in the audit log where values came from (step
     * {@code plan-values}), and ends the run with {@code PLAN_INVALID} when a value is not acceptable.
     *
     * @param planName plan name
     * @param ctx      the delivery being handled
     * @return the plan, or empty when there is no such plan or the run was failed
     *         ({@link dev.dbrefresh.runtime.messaging.StepContext#hasFailed()})
     */
    public Optional<RefreshPlan> forRun(String planName, dev.dbrefresh.runtime.messaging.StepContext ctx) {
        try {
            Optional<Resolved> resolved = resolve(planName, ctx.planValues());
            resolved.filter(r -> !r.sources().isEmpty()).ifPresent(r -> ctx.skipped("plan-values", r.describe()));
            return resolved.map(Resolved::plan);
        } catch (PlanException e) {
            ctx.fail("plan", "PLAN_INVALID", e.getMessage() + "; nothing was changed");
            return Optional.empty();
        }
    }

    /** @return the plans file */
    public PlanCatalog catalog() {
        return catalog;
    }

    /**
     * @param plan plan name
     * @param key  plan key, e.g. {@code target.instance-class}
     * @return its environment variable, e.g. {@code DBREFRESH_PLAN_NIGHTLY_TARGET_INSTANCE_CLASS}
     */
    public static String envName(String plan, String key) {
        return ("DBREFRESH_PLAN_" + plan + "_" + key).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static void requireKnown(String plan, String key, String where) {
        if (!KEYS.contains(key)) {
            throw new PlanException("plan '" + plan + "': '" + key + "' in " + where + " cannot be set per run;"
                    + " guards, engine and users come from the plans file only. Keys that can: " + new java.util.TreeSet<>(KEYS));
        }
    }
}
