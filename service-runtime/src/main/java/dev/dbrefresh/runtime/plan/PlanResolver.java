package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
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
 * <p>What a per-run value may change is a short, written list, because everything a run receives is
 * untrusted input (a start message anyone with {@code sqs:SendMessage} can send, an environment, a
 * parameter store another team can write):
 * <ul>
 *   <li>{@link #KNOBS}: settings that cannot change <em>what</em> is read, replaced, granted or told
 *       (restore jobs, instance class and count, waits, which snapshot of the plan's own source);</li>
 *   <li>{@link #CHOICES}: a target picked from an allowlist written in the plans file, e.g.
 *       {@code target.database} only when the plan lists {@code target.allowed-databases: [acc1, acc2]};
 *       an entry {@code re:<regex>} allows every name the regular expression fully matches.</li>
 * </ul>
 * A knob's value must parse and lie in its range ({@link PlanKnob}: e.g. {@code wait.max-poll-seconds} a whole number
 * from 1 to 900): {@code tomorrow} is refused, naming the key, the value and what is allowed, not read as the default.
 * Any other key (a host, port, database, cluster, table, account, region, username, secret reference,
 * parameter name, store, notification channel, pipeline, required tag, final-snapshot choice, guard,
 * engine, user) is refused with a {@link PlanException} naming the key, before any connection or call;
 * the handler ends the run with {@code PLAN_INVALID}. The resulting plan is validated like one in the
 * plans file, and the guards run on it as usual.
 */
@Singleton
public class PlanResolver {

    /**
     * Plan keys any per-run value may set: knobs that change how a refresh runs, never what it reads,
     * replaces, grants or tells. {@code source.snapshot} (cluster engines) and {@code snapshot.mode} only
     * choose among the snapshots of the plan's own source, which the snapshot engines check; {@code restore.mode}
     * ({@code mongodb}: replace or delta) changes how the target reaches the snapshot's content, not what it holds;
     * {@code restore.batch-documents} and {@code restore.batch-bytes} ({@code mongodb}) only size its bulk writes.
     */
    public static final Set<String> KNOBS = Set.of("restore.jobs", "target.instance-class", "target.instances",
            "wait.first-poll-seconds", "wait.max-poll-seconds", "wait.deadline-minutes", "snapshot.mode",
            "source.snapshot", "restore.mode", "restore.batch-documents", "restore.batch-bytes");

    /**
     * Identity keys a per-run value may set only to a value the plans file allows: key to the plans-file
     * list of allowed values (exact names, or {@code re:<regex>} for a full match). Without that list the
     * key cannot be set per run at all.
     */
    public static final Map<String, String> CHOICES = Map.of(
            "target.database", "target.allowed-databases",
            "target.cluster", "target.allowed-clusters");

    /**
     * Keys of a clone run ({@link CloneSettings}): {@code target.clone} makes the run's target
     * {@code <target>_<name>} (a name checked by the guards like any target, from the plan's pristine copy only);
     * {@code target.clone-expires} is when the notifier's retention drops it. Only a start message sets them (never
     * the environment or the parameter store, which would turn every run into a clone).
     */
    public static final Set<String> CLONE_KEYS = Set.of(CloneSettings.NAME_KEY, CloneSettings.EXPIRES_KEY);

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
                if (CLONE_KEYS.contains(key)) {
                    throw new PlanException("plan '" + planName + "': '" + key + "' in parameter " + name + " cannot"
                            + " be set there: a clone is made by one run's start message only (./dbrefresh clone)");
                }
                requireSettable(planName, document.get(), key, value, "parameter " + name);
                values.put(key, value);
                sources.put(key, "parameter store");
            });
        }
        for (String key : settableKeys()) {
            String value = environment.apply(envName(planName, key));
            if (value != null) {
                requireSettable(planName, document.get(), key, value, "environment variable " + envName(planName, key));
                values.put(key, value);
                sources.put(key, "environment");
            }
        }
        runValues.forEach((key, value) -> {
            requireSettable(planName, document.get(), key, value, "the run's values (start message)");
            values.put(key, value);
            sources.put(key, "event");
        });
        if (values.isEmpty()) {
            return catalog.find(planName).map(p -> new Resolved(p, Map.of()));
        }
        ObjectNode node = (ObjectNode) document.get();
        String cloneName = values.remove(CloneSettings.NAME_KEY);
        String cloneExpires = values.remove(CloneSettings.EXPIRES_KEY);
        if (cloneName != null) {
            // the clone replaces <target>_<name>, never another database; the guards run on that name
            String of = node.path("target").path("database").asText(null);
            ObjectNode clone = node.putObject("clone").put("of", of).put("name", cloneName);
            if (cloneExpires != null) {
                clone.put("expires", cloneExpires);
            }
            (node.path("target").isObject() ? (ObjectNode) node.get("target") : node.putObject("target"))
                    .put("database", CloneSettings.database(of, cloneName));
        } else if (cloneExpires != null) {
            throw new PlanException("plan '" + planName + "': " + CloneSettings.EXPIRES_KEY + " is set without "
                    + CloneSettings.NAME_KEY + "; nothing was changed");
        }
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
            resolved.filter(r -> !r.sources().isEmpty()).ifPresent(r -> ctx.skipped(StepName.PLAN_VALUES,
                    r.describe()));
            return resolved.map(Resolved::plan);
        } catch (PlanException e) {
            ctx.fail(StepName.PLAN, ErrorCode.PLAN_INVALID, e.getMessage() + "; nothing was changed");
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

    /**
     * @return every key the environment can set per run (where the plan allows it, for {@link #CHOICES}); the
     *         {@link #CLONE_KEYS} come from a start message only
     */
    public static Set<String> settableKeys() {
        Set<String> keys = new java.util.TreeSet<>(KNOBS);
        keys.addAll(CHOICES.keySet());
        return keys;
    }

    /**
     * @param plan     plan name
     * @param document the plan's document in the plans file
     * @param key      plan key set per run
     * @param value    its value
     * @param where    where the value came from, for the message
     * @throws PlanException when the key is not a knob, a knob's value does not parse or is out of its range
     *                       ({@link PlanKnob}), or a choice's value the plans file does not allow
     */
    static void requireSettable(String plan, JsonNode document, String rawKey, String rawValue, String where) {
        if (KNOBS.contains(rawKey)) {
            // a value that does not parse is refused, never read as the default
            PlanKnob.of(rawKey).ifPresent(k -> k.check(plan, rawValue, where));
            return;
        }
        if (CLONE_KEYS.contains(rawKey)) {
            return;
        }
        // quoted abbreviated: a start message's key or value may be huge, and the message goes into the audit log
        String key = dev.dbrefresh.contracts.EventCodec.abbreviate(rawKey);
        String value = dev.dbrefresh.contracts.EventCodec.abbreviate(rawValue);
        String listKey = CHOICES.get(key);
        if (listKey == null) {
            throw new PlanException("plan '" + plan + "': '" + key + "' in " + where + " cannot be set per run: hosts,"
                    + " ports, databases, clusters, tables, accounts, regions, users, secret references, parameter"
                    + " names, stores, notification channels, guards and the engine come from the plans file only."
                    + " Keys that can: " + new java.util.TreeSet<>(KNOBS) + ", and " + CHOICES.keySet()
                    + " where the plan lists their allowed values (" + CHOICES.values() + ")");
        }
        String[] path = listKey.split("\\.");
        JsonNode allowed = document.path(path[0]).path(path[1]);
        if (!allowed.isArray() || allowed.isEmpty()) {
            throw new PlanException("plan '" + plan + "': '" + key + "' in " + where + " cannot be set per run: the"
                    + " plan lists no " + listKey + "; add the names a run may choose to the plans file");
        }
        for (JsonNode entry : allowed) {
            if (allows(entry.asText(), rawValue)) {
                return;
            }
        }
        throw new PlanException("plan '" + plan + "': '" + key + "' = '" + value + "' in " + where + " is not one of"
                + " the plan's " + listKey + " " + allowed + "; nothing was changed");
    }

    /**
     * @param entry an allowlist entry: an exact name, or {@code re:<regex>}
     * @param value a per-run value
     * @return whether the entry allows the value
     */
    static boolean allows(String entry, String value) {
        return entry.startsWith("re:") ? java.util.regex.Pattern.compile(entry.substring(3)).matcher(value).matches()
                : entry.equals(value);
    }
}
