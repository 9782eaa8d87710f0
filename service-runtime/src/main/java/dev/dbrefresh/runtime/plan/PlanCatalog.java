package dev.dbrefresh.runtime.plan;

import dev.dbrefresh.contracts.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The refresh plans of this installation, read from one YAML file shared by every service
 * ({@code dbrefresh.plans-file}). Shape:
 *
 * <pre>
 * plans:
 *   local-pgbench:
 *     engine: postgres
 *     source: {host: 127.0.0.1, port: 5432, database: pgbench_production, username: postgres}
 *     target: {host: 127.0.0.1, port: 5432, database: pgbench_acceptance, username: postgres}
 *     snapshot: {mode: create, source-store: .dbrefresh/store/source, target-store: .dbrefresh/store/target}
 *     restore: {jobs: 2}
 *     parameters: {latest: /dbrefresh/local-pgbench/snapshot/latest, current: ..., promote-latest: true}
 *     users:
 *       - name: app_reader
 *         password-secret: env:APP_READER_PASSWORD
 *         grants: [{on: database, privileges: [CONNECT]}, {on: all-tables, schema: public, privileges: [SELECT]}]
 *     guards: {protected-patterns: ["(?i).*prod.*"]}
 *     notifications: {queue: dbrefresh-notifications}
 * </pre>
 *
 * A {@code mongodb} plan has the same {@code source}, {@code target} (port 27017 and no username by default) and
 * {@code snapshot} keys, and {@code restore: {mode: replace|delta, jobs: 2}} and optionally
 * {@code collections: {include: [orders, customers]}} or {@code collections: {pattern: "(?!tmp_).*"}}, and
 * {@code restore: {batch-documents: 1000, batch-bytes: 8388608}}; its {@code source}/{@code target} may add
 * {@code uri-secret: env:VAR} (a connection string, as a secret reference) and
 * {@code tls: {enabled: true, ca-file: /abs/ca.pem, allow-invalid-hostnames: false}}.
 *
 * Relative store paths resolve against the plans file's directory.
 */
public final class PlanCatalog {

    /** Largest plans file read, bytes. */
    public static final long MAX_FILE_BYTES = 512 * 1024;

    /** The engines the services serve. */
    private static final Set<Engine> ENGINES = java.util.EnumSet.allOf(Engine.class);
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Set<String> GRANT_TARGETS = Set.of("database", "schema", "all-tables", "table", "all-sequences");

    private final Map<String, RefreshPlan> plans;
    private final Map<String, JsonNode> documents;
    private final Path baseDir;

    private PlanCatalog(Map<String, RefreshPlan> plans, Map<String, JsonNode> documents, Path baseDir) {
        this.plans = plans;
        this.documents = documents;
        this.baseDir = baseDir;
    }

    /**
     * Reads and validates a plans file.
     *
     * @param file the YAML file
     * @return the catalog
     * @throws PlanException when the file is missing, larger than {@link #MAX_FILE_BYTES}, is not YAML, or a plan
     *                       is invalid
     */
    public static PlanCatalog load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new PlanException("plans file " + file.toAbsolutePath() + " does not exist; set dbrefresh.plans-file"
                    + " (env DBREFRESH_PLANS_FILE) to a YAML file with a top-level 'plans:' map");
        }
        JsonNode root;
        try {
            // SnakeYAML scans a long plain scalar in time quadratic in its length (a 4 MB one took minutes)
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new PlanException("plans file " + file + " is " + Files.size(file) + " bytes; a plans file is at"
                        + " most " + MAX_FILE_BYTES + " bytes (split it, or remove what is not a plan)");
            }
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new PlanException("plans file " + file + " is not valid YAML: " + e.getMessage());
        }
        return parse(root, file.toAbsolutePath().getParent());
    }

    /**
     * Validates an already parsed plans document.
     *
     * @param root    the document
     * @param baseDir directory that relative store paths resolve against
     * @return the catalog
     * @throws PlanException when a plan is invalid
     */
    public static PlanCatalog parse(JsonNode root, Path baseDir) {
        if (root == null || !root.path("plans").isObject()) {
            throw new PlanException("plans file has no top-level 'plans:' map");
        }
        Map<String, RefreshPlan> plans = new LinkedHashMap<>();
        Map<String, JsonNode> documents = new LinkedHashMap<>();
        root.path("plans").fields().forEachRemaining(e -> {
            plans.put(e.getKey(), plan(e.getKey(), e.getValue(), baseDir));
            documents.put(e.getKey(), e.getValue().deepCopy());
        });
        return new PlanCatalog(Map.copyOf(plans), Map.copyOf(documents), baseDir);
    }

    /**
     * @param name plan name
     * @return a copy of the plan's document as written in the plans file, or empty
     */
    public Optional<JsonNode> document(String name) {
        return Optional.ofNullable(name == null ? null : documents.get(name)).map(JsonNode::deepCopy);
    }

    /**
     * Validates a plan document as if it stood in the plans file (used for plans whose values were
     * overlaid for one run, see {@link PlanResolver}).
     *
     * @param name     plan name
     * @param document the plan's document
     * @return the plan
     * @throws PlanException when a value is invalid
     */
    public RefreshPlan validate(String name, JsonNode document) {
        return plan(name, document, baseDir);
    }

    /**
     * @param name plan name
     * @return the plan
     * @throws PlanException when no plan has that name
     */
    public RefreshPlan require(String name) {
        return find(name).orElseThrow(() -> new PlanException("no refresh plan named '" + name + "'; configured plans: "
                + plans.keySet().stream().sorted().toList()));
    }

    /**
     * @param name plan name
     * @return the plan, if configured
     */
    public Optional<RefreshPlan> find(String name) {
        return Optional.ofNullable(name == null ? null : plans.get(name));
    }

    /** @return every plan, by name */
    public Map<String, RefreshPlan> all() {
        return plans;
    }

    private static RefreshPlan plan(String name, JsonNode n, Path baseDir) {
        String engine = text(n, "engine", name, "postgres").toLowerCase(Locale.ROOT);
        if (Engine.of(engine).filter(ENGINES::contains).isEmpty()) {
            throw new PlanException("plan '" + name + "': engine '" + engine + "' is not supported; use one of " + ENGINES);
        }
        allowlists(name, n);
        Engine type = Engine.require(engine);
        SanitizeParser.refusePipelines(name, n, type);
        if (type != Engine.POSTGRES) {
            SanitizeParser.refuseUnsupported(name, n, type);
        }
        boolean isCluster = type.isCluster();
        boolean isDynamo = type == Engine.DYNAMODB;
        boolean isMongo = type == Engine.MONGODB;
        ClusterSettings cluster = isCluster ? cluster(name, engine, n, baseDir) : null;
        DynamoDbSettings dynamodb = isDynamo ? dynamodb(name, n) : null;
        int defaultPort = type.defaultPort();
        String defaultUser = isMongo ? null : "postgres";
        DatabaseEndpoint source = isCluster || isDynamo ? null
                : endpoint(name, "source", n.path("source"), defaultPort, defaultUser);
        DatabaseEndpoint target = isCluster || isDynamo ? null
                : endpoint(name, "target", n.path("target"), defaultPort, defaultUser);
        JsonNode snap = n.path("snapshot");
        String mode = PlanKnob.SNAPSHOT_MODE.text(name, snap.path("mode"), "create");
        Path sourceStore = baseDir.resolve(text(snap, "source-store", name, ".dbrefresh/store/source")).normalize();
        Path targetStore = baseDir.resolve(text(snap, "target-store", name, ".dbrefresh/store/target")).normalize();
        // postgres: as many pg_restore jobs as this machine has cores, where pg_restore runs (bench/run, README)
        int jobs = (int) PlanKnob.RESTORE_JOBS.whole(name, n.path("restore").path("jobs"),
                isMongo ? 2 : Math.min(64, Runtime.getRuntime().availableProcessors()));
        JsonNode params = n.path("parameters");
        String latest = text(params, "latest", name, "/dbrefresh/" + name + "/snapshot/latest");
        String current = text(params, "current", name, "/dbrefresh/" + name + "/snapshot/current");
        boolean promote = PlanFields.flag(name, "parameters.promote-latest", params.path("promote-latest"), true);
        List<UserSpec> users = new ArrayList<>();
        for (JsonNode u : n.path("users")) {
            users.add(user(name, u));
        }
        List<String> patterns = new ArrayList<>();
        for (JsonNode p : n.path("guards").path("protected-patterns")) {
            try {
                Pattern.compile(p.asText());
            } catch (PatternSyntaxException e) {
                throw new PlanException("plan '" + name + "': guards.protected-patterns entry '" + p.asText()
                        + "' is not a valid regular expression: " + e.getDescription());
            }
            patterns.add(p.asText());
        }
        JsonNode notify = n.path("notifications");
        String queue = text(notify, "queue", name, "dbrefresh-notifications");
        int keep = PlanFields.whole(name, "retention.keep-copies", n.path("retention").path("keep-copies"), 0, 0,
                Integer.MAX_VALUE);
        NotificationSettings notifications = new NotificationSettings(blankToNull(notify.path("topic-arn").asText(null)),
                blankToNull(notify.path("pipeline").asText(null)),
                blankToNull(notify.path("endpoint-parameter").asText(null)), keep);
        if ((isCluster || isDynamo || isMongo) && n.has("clone")) {
            throw new PlanException("plan '" + name + "': clones (" + CloneSettings.NAME_KEY + ") are made from a"
                    + " postgres plan's pristine copy; engine '" + engine + "' has none");
        }
        EngineSettings settings = isCluster ? cluster : isDynamo ? dynamodb
                : isMongo ? mongodb(name, n, source, target, sourceStore, targetStore, jobs, baseDir)
                : new PostgresSettings(source, target, sourceStore, targetStore, jobs, templateFastPath(name, n),
                        SanitizeParser.parse(name, n, baseDir), clone(name, n, target));
        RefreshPlan plan = new RefreshPlan(name, engine, settings, mode, latest, current, promote, List.copyOf(users),
                List.copyOf(patterns), queue, notifications, triggers(name, n.path("triggers")),
                waits(name, n.path("wait"), isCluster));
        if (type == Engine.POSTGRES) {
            requireSqlNames(plan);
        }
        return plan;
    }

    /** Longest PostgreSQL identifier, in bytes of UTF-8 ({@code NAMEDATALEN - 1}); a longer one is truncated. */
    private static final int MAX_PG_IDENTIFIER_BYTES = 63;

    /**
     * A postgres plan's names end up quoted in SQL (databases, roles, schemas, tables, columns) and its fixed mask
     * values as string literals: refuse now, when the plans file is read, what PostgreSQL cannot hold as written (a
     * NUL, a lone UTF-16 surrogate, which the JDBC driver would send as {@code ?}, or an identifier over 63 bytes,
     * which the server would truncate to another name), rather than in the middle of a run.
     */
    private static void requireSqlNames(RefreshPlan plan) {
        PostgresSettings pg = plan.postgres();
        sqlName(plan.name(), "source.database", pg.source().database(), true);
        sqlName(plan.name(), "target.database", pg.target().database(), true);
        for (UserSpec u : plan.users()) {
            sqlName(plan.name(), "users name", u.name(), true);
            for (GrantSpec g : u.grants()) {
                sqlName(plan.name(), "user '" + u.name() + "' grant schema", g.schema(), true);
                sqlName(plan.name(), "user '" + u.name() + "' grant table", g.table(), true);
            }
        }
        for (SanitizeSettings.TableMask m : pg.sanitize().masks()) {
            sqlName(plan.name(), "sanitize.masks schema", m.schema(), true);
            sqlName(plan.name(), "sanitize.masks table", m.table(), true);
            for (SanitizeSettings.ColumnMask c : m.columns()) {
                sqlName(plan.name(), "sanitize.masks table " + m.qualifiedName() + " column", c.column(), true);
                sqlName(plan.name(), "sanitize.masks column " + c.column() + " fixed value", c.value(), false);
            }
        }
        for (String role : pg.sanitize().keepRoles()) {
            sqlName(plan.name(), "sanitize.keep-roles entry", role, true);
        }
    }

    private static void sqlName(String plan, String field, String value, boolean identifier) {
        if (value == null) {
            return;
        }
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        if (identifier && value.isEmpty()) {
            throw new PlanException("plan '" + plan + "': " + field + " is empty");
        }
        if (value.indexOf('\0') >= 0) {
            throw new PlanException("plan '" + plan + "': " + field + " '" + shown.replace("\0", "\\0") + "' holds a NUL"
                    + " character, which PostgreSQL names and strings cannot hold");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new PlanException("plan '" + plan + "': " + field + " holds a lone UTF-16 surrogate at index " + i
                        + ", which is not text; write the name in valid Unicode");
            }
        }
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (identifier && bytes > MAX_PG_IDENTIFIER_BYTES) {
            throw new PlanException("plan '" + plan + "': " + field + " '" + shown + "' is " + bytes + " bytes long;"
                    + " PostgreSQL truncates names to " + MAX_PG_IDENTIFIER_BYTES + " bytes, use a shorter name");
        }
    }

    /** Checks the allowlists of {@link PlanResolver#CHOICES}: lists of names or {@code re:} regular expressions. */
    private static void allowlists(String plan, JsonNode n) {
        for (String listKey : PlanResolver.CHOICES.values()) {
            String[] path = listKey.split("\\.");
            JsonNode list = n.path(path[0]).path(path[1]);
            if (list.isMissingNode() || list.isNull()) {
                continue;
            }
            if (!list.isArray()) {
                throw new PlanException("plan '" + plan + "': " + listKey + " must be a list of names (or re:<regex>)");
            }
            for (JsonNode entry : list) {
                if (!entry.isTextual() || entry.asText().isBlank()) {
                    throw new PlanException("plan '" + plan + "': " + listKey + " holds '" + entry + "'; each entry"
                            + " must be a name or re:<regex>");
                }
                if (entry.asText().startsWith("re:")) {
                    try {
                        Pattern.compile(entry.asText().substring(3));
                    } catch (PatternSyntaxException e) {
                        throw new PlanException("plan '" + plan + "': " + listKey + " entry '" + entry.asText()
                                + "' is not a valid regular expression: " + e.getDescription());
                    }
                }
            }
        }
    }

    /**
     * {@code clone: {of, name, expires}}, which {@link PlanResolver} writes for a clone run (the per-run values
     * {@link CloneSettings#NAME_KEY} and {@link CloneSettings#EXPIRES_KEY}); absent for any other run.
     */
    private static CloneSettings clone(String name, JsonNode n, DatabaseEndpoint target) {
        JsonNode c = n.path("clone");
        if (c.isMissingNode() || c.isNull()) {
            return null;
        }
        if (!templateFastPath(name, n)) {
            throw new PlanException("plan '" + name + "': a clone is made from the pristine copy, which only a plan"
                    + " with fast-path: template keeps; add it to the plan and run one refresh first");
        }
        CloneSettings clone;
        try {
            String expires = c.path("expires").asText(null);
            clone = new CloneSettings(c.path("of").asText(null), c.path("name").asText(null),
                    expires == null || expires.isBlank() ? null : java.time.Instant.parse(expires));
        } catch (java.time.format.DateTimeParseException e) {
            throw new PlanException("plan '" + name + "': " + CloneSettings.EXPIRES_KEY + " '" + c.path("expires")
                    .asText() + "' is not an ISO-8601 instant such as 2026-12-02T16:00:00Z");
        }
        if (!clone.database().equals(target.database())) {
            throw new PlanException("plan '" + name + "': the clone's target must be " + clone.database() + ", was "
                    + target.database());
        }
        return clone;
    }

    /**
     * {@code fast-path}: absent or {@code none} (every restore runs {@code pg_restore}), or {@code template} (keep a
     * pristine copy of the restored snapshot on the target server; a restore of the same snapshot copies it).
     */
    private static boolean templateFastPath(String name, JsonNode n) {
        String fastPath = text(n, "fast-path", name, "none");
        if (!Set.of("none", "template").contains(fastPath)) {
            throw new PlanException("plan '" + name + "': fast-path '" + fastPath + "' is not one of [none, template]");
        }
        return fastPath.equals("template");
    }

    /**
     * The {@code mongodb} engine's part: {@code restore.mode} (replace, the default, or delta) and which collections
     * a snapshot takes, {@code collections: {include: [names]}} or {@code collections: {pattern: <regex>}} (a full
     * match; not both). {@code restore.jobs} is the number of collections restored at the same time.
     */
    private static MongoSettings mongodb(String plan, JsonNode n, DatabaseEndpoint source, DatabaseEndpoint target,
            Path sourceStore, Path targetStore, int jobs, Path baseDir) {
        String mode = PlanKnob.RESTORE_MODE.text(plan, n.path("restore").path("mode"), MongoSettings.REPLACE);
        JsonNode cs = n.path("collections");
        List<String> include = new ArrayList<>();
        JsonNode list = cs.path("include");
        if (!list.isMissingNode() && !list.isNull()) {
            if (!list.isArray()) {
                throw new PlanException("plan '" + plan + "': collections.include must be a list of collection names");
            }
            for (JsonNode c : list) {
                if (!c.isTextual() || c.asText().isBlank() || c.asText().startsWith("system.")) {
                    throw new PlanException("plan '" + plan + "': collections.include holds '" + c + "'; each entry"
                            + " must be a collection name (system.* collections are never dumped)");
                }
                include.add(c.asText());
            }
        }
        String pattern = blankToNull(cs.path("pattern").asText(null));
        if (pattern != null) {
            if (!include.isEmpty()) {
                throw new PlanException("plan '" + plan + "': collections.include and collections.pattern exclude each"
                        + " other; give one");
            }
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new PlanException("plan '" + plan + "': collections.pattern '" + pattern
                        + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        int batchDocuments = (int) PlanKnob.RESTORE_BATCH_DOCUMENTS.whole(plan,
                n.path("restore").path("batch-documents"), MongoSettings.DEFAULT_BATCH_DOCUMENTS);
        long batchBytes = PlanKnob.RESTORE_BATCH_BYTES.whole(plan, n.path("restore").path("batch-bytes"),
                MongoSettings.DEFAULT_BATCH_BYTES);
        SanitizeSettings sanitize = SanitizeParser.parse(plan, n, baseDir);
        if (mode.equals(MongoSettings.DELTA) && !sanitize.masks().isEmpty()) {
            throw new PlanException("plan '" + plan + "': " + MongoSettings.DELTA_WITH_MASKS);
        }
        return new MongoSettings(source, target, sourceStore, targetStore, mode, jobs, include, pattern,
                mongoConnection(plan, "source", n.path("source")), mongoConnection(plan, "target", n.path("target")),
                batchDocuments, batchBytes, sanitize);
    }

    /**
     * A {@code mongodb} endpoint's {@code uri-secret} (a secret reference of a connection string) and
     * {@code tls: {enabled, ca-file, allow-invalid-hostnames}}; a relative {@code ca-file} is refused (the services
     * run in other directories), as are TLS options without {@code enabled: true}.
     */
    private static MongoSettings.Connection mongoConnection(String plan, String field, JsonNode n) {
        String uriSecret = blankToNull(n.path("uri-secret").asText(null));
        if (uriSecret != null && uriSecret.startsWith("mongodb")) {
            throw new PlanException("plan '" + plan + "': " + field + ".uri-secret must be a secret reference (env:VAR,"
                    + " file:/path or a Secrets Manager ARN), not the connection string itself: it holds credentials");
        }
        if (uriSecret != null && (n.hasNonNull("username") || n.hasNonNull("password-secret"))) {
            throw new PlanException("plan '" + plan + "': " + field + " has uri-secret and username/password-secret;"
                    + " give the credentials in the connection string or as username and password-secret, not both");
        }
        JsonNode tls = n.path("tls");
        boolean enabled = tls.isBoolean() ? tls.asBoolean()
                : PlanFields.flag(plan, field + ".tls.enabled", tls.path("enabled"), false);
        String ca = blankToNull(tls.path("ca-file").asText(null));
        boolean anyHost = PlanFields.flag(plan, field + ".tls.allow-invalid-hostnames",
                tls.path("allow-invalid-hostnames"), false);
        if (!enabled && (ca != null || anyHost)) {
            throw new PlanException("plan '" + plan + "': " + field + ".tls sets ca-file or allow-invalid-hostnames"
                    + " without enabled: true; enable TLS or remove them");
        }
        if (ca != null && !Path.of(ca).isAbsolute()) {
            throw new PlanException("plan '" + plan + "': " + field + ".tls.ca-file '" + ca + "' must be an absolute path");
        }
        return new MongoSettings.Connection(uriSecret, enabled, ca == null ? null : Path.of(ca), anyHost);
    }

    private static final Set<String> STREAM_VIEW_TYPES = Set.of("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY");

    private static DynamoDbSettings dynamodb(String plan, JsonNode n) {
        JsonNode src = n.path("source");
        JsonNode tgt = n.path("target");
        if (!src.isObject()) {
            throw new PlanException("plan '" + plan + "': engine dynamodb needs 'source' (account, region, table)"
                    + " and optionally 'target' (region, replace-pattern, replacement, ...)");
        }
        String account = account(plan, "source.account", src);
        String sourceRegion = required(plan, "source.region", src.path("region"));
        String table = required(plan, "source.table", src.path("table"));
        String targetRegion = text(tgt, "region", plan, sourceRegion);
        String pattern = text(tgt, "replace-pattern", plan, DynamoDbSettings.DEFAULT_PATTERN);
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new PlanException("plan '" + plan + "': target.replace-pattern '" + pattern
                    + "' is not a valid regular expression: " + e.getDescription());
        }
        JsonNode rep = tgt.path("replacement");
        String replacement = rep.isMissingNode() || rep.isNull() ? DynamoDbSettings.DEFAULT_REPLACEMENT : rep.asText();
        String stream = blankToNull(tgt.path("stream-view-type").asText(null));
        if (stream != null) {
            stream = stream.toUpperCase(Locale.ROOT);
            if (!STREAM_VIEW_TYPES.contains(stream)) {
                throw new PlanException("plan '" + plan + "': target.stream-view-type '" + stream + "' is not one of "
                        + STREAM_VIEW_TYPES);
            }
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tgt.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        int keep = PlanFields.whole(plan, "target.keep-tables", tgt.path("keep-tables"), 3, 1, Integer.MAX_VALUE);
        DynamoDbSettings settings = new DynamoDbSettings(account, sourceRegion, table, targetRegion, pattern, replacement,
                blankToNull(tgt.path("ttl-attribute").asText(null)), stream,
                PlanFields.flag(plan, "target.point-in-time-recovery", tgt.path("point-in-time-recovery"), false),
                Map.copyOf(tags), keep,
                blankToNull(tgt.path("table-arn-parameter").asText(null)));
        String target;
        try {
            target = settings.targetTable();
        } catch (RuntimeException e) {
            throw new PlanException("plan '" + plan + "': target.replacement '" + replacement + "' cannot be applied: "
                    + e.getMessage());
        }
        if (!target.matches("[a-zA-Z0-9_.-]{3,235}")) {
            throw new PlanException("plan '" + plan + "': the target table name '" + target + "' (source.table with"
                    + " target.replace-pattern replaced) is not a valid DynamoDB table name prefix");
        }
        return settings;
    }

    private static ClusterSettings cluster(String plan, String engine, JsonNode n, Path baseDir) {
        JsonNode src = n.path("source");
        JsonNode tgt = n.path("target");
        if (!src.isObject() || !tgt.isObject()) {
            throw new PlanException("plan '" + plan + "': engine " + engine + " needs 'source' (account, region, cluster)"
                    + " and 'target' (account, region, cluster, kms-key-id, subnet-group, instance-class, ...)");
        }
        String sourceAccount = account(plan, "source.account", src);
        String targetAccount = account(plan, "target.account", tgt);
        String sourceRegion = required(plan, "source.region", src.path("region"));
        String targetRegion = text(tgt, "region", plan, sourceRegion);
        List<String> securityGroups = new ArrayList<>();
        tgt.path("security-groups").forEach(g -> securityGroups.add(g.asText()));
        Map<String, String> tags = new LinkedHashMap<>();
        tgt.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        Map<String, String> overrides = new LinkedHashMap<>();
        n.path("test-endpoint-overrides").fields().forEachRemaining(e -> overrides.put(e.getKey(), e.getValue().asText()));
        int instances = (int) PlanKnob.TARGET_INSTANCES.whole(plan, tgt.path("instances"), 1);
        required(plan, "target.instance-class", tgt.path("instance-class"));
        String instanceClass = PlanKnob.TARGET_INSTANCE_CLASS.text(plan, tgt.path("instance-class"), null);
        String requiredTag = blankToNull(tgt.path("required-tag").asText(null));
        if (requiredTag != null && !requiredTag.contains("=")) {
            throw new PlanException("plan '" + plan + "': target.required-tag must be key=value, e.g."
                    + " dbrefresh:refresh-target=true");
        }
        String kms = blankToNull(tgt.path("kms-key-id").asText(null));
        if (kms != null && !kms.startsWith("arn:") && !sourceAccount.equals(targetAccount)) {
            throw new PlanException("plan '" + plan + "': target.kms-key-id '" + kms + "' is a key id or alias; a copy"
                    + " into another account needs the key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
        }
        if (kms != null && kms.endsWith("alias/aws/rds")) {
            throw new PlanException("plan '" + plan + "': target.kms-key-id is the AWS managed key aws/rds, which"
                    + " cannot be shared across accounts; use a customer managed key");
        }
        return new ClusterSettings(sourceAccount, sourceRegion, required(plan, "source.cluster", src.path("cluster")),
                blankToNull(src.path("snapshot").asText(null)),
                PlanFields.flag(plan, "source.share-from-source", src.path("share-from-source"), false),
                shareRole(plan, src, sourceAccount), targetAccount, targetRegion, required(plan, "target.cluster", tgt.path("cluster")),
                blankToNull(tgt.path("engine-version").asText(null)), kms,
                required(plan, "target.subnet-group", tgt.path("subnet-group")), List.copyOf(securityGroups),
                blankToNull(tgt.path("cluster-parameter-group").asText(null)), PlanFields.whole(plan, "target.port", tgt.path("port"), 0, 1, 65535),
                instanceClass, instances, requiredTag,
                PlanFields.flag(plan, "target.final-snapshot", tgt.path("final-snapshot"), false), Map.copyOf(tags),
                text(tgt, "master-username", plan, Engine.require(engine) == Engine.AURORA_MYSQL ? "admin" : "postgres"),
                blankToNull(tgt.path("master-password-secret").asText(null)),
                blankToNull(tgt.path("database").asText(null)), PlanFields.flag(plan, "target.tls", tgt.path("tls"),
                        Engine.require(engine) == Engine.DOCDB),
                Map.copyOf(overrides), SanitizeParser.parse(plan, n, baseDir));
    }

    private static WaitSettings waits(String plan, JsonNode wait, boolean cluster) {
        WaitSettings d = WaitSettings.defaultsFor(cluster);
        int first = (int) PlanKnob.WAIT_FIRST_POLL_SECONDS.whole(plan, wait.path("first-poll-seconds"),
                d.firstPollSeconds());
        // Where only the first delay is given, the cap is at least that delay.
        int max = (int) PlanKnob.WAIT_MAX_POLL_SECONDS.whole(plan, wait.path("max-poll-seconds"),
                Math.max(first, d.maxPollSeconds()));
        int deadline = (int) PlanKnob.WAIT_DEADLINE_MINUTES.whole(plan, wait.path("deadline-minutes"),
                d.deadlineMinutes());
        try {
            return new WaitSettings(first, max, deadline);
        } catch (PlanException e) {
            throw new PlanException("plan '" + plan + "': " + e.getMessage());
        }
    }

    private static TriggerSettings triggers(String plan, JsonNode n) {
        String pattern = blankToNull(n.path("aws-backup").path("source-pattern").asText(null));
        if (pattern != null) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new PlanException("plan '" + plan + "': triggers.aws-backup.source-pattern '" + pattern
                        + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        String cron = blankToNull(n.path("schedule").path("cron").asText(null));
        String zone = blankToNull(n.path("schedule").path("time-zone").asText(null));
        if (cron != null) {
            try {
                io.micronaut.scheduling.cron.CronExpression.create(cron);
            } catch (IllegalArgumentException e) {
                throw new PlanException("plan '" + plan + "': triggers.schedule.cron '" + cron + "' is not a cron"
                        + " expression (minute hour day-of-month month day-of-week): " + e.getMessage());
            }
        }
        if (zone != null) {
            try {
                java.time.ZoneId.of(zone);
            } catch (java.time.DateTimeException e) {
                throw new PlanException("plan '" + plan + "': triggers.schedule.time-zone '" + zone
                        + "' is not a time zone id such as Europe/Amsterdam");
            }
        }
        return new TriggerSettings(pattern, cron, zone);
    }

    private static String shareRole(String plan, JsonNode src, String sourceAccount) {
        String role = blankToNull(src.path("share-role-arn").asText(null));
        if (role == null) {
            return null;
        }
        if (!role.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
            throw new PlanException("plan '" + plan + "': source.share-role-arn '" + role + "' is not an IAM role ARN"
                    + " (arn:aws:iam::<account>:role/<name>)");
        }
        if (!role.contains("::" + sourceAccount + ":")) {
            throw new PlanException("plan '" + plan + "': source.share-role-arn must be a role in the source account "
                    + sourceAccount + ", was " + role);
        }
        if (!PlanFields.flag(plan, "source.share-from-source", src.path("share-from-source"), false)) {
            throw new PlanException("plan '" + plan + "': source.share-role-arn is only used with"
                    + " source.share-from-source: true");
        }
        return role;
    }

    private static String account(String plan, String field, JsonNode n) {
        String account = n.path("account").asText("");
        if (!ACCOUNT.matcher(account).matches()) {
            throw new PlanException("plan '" + plan + "': " + field + " must be a 12-digit AWS account id (quote it in"
                    + " YAML), was '" + account + "'");
        }
        return account;
    }

    private static String required(String plan, String field, JsonNode v) {
        if (v.isMissingNode() || v.isNull() || v.asText().isBlank()) {
            throw new PlanException("plan '" + plan + "': " + field + " is missing");
        }
        return v.asText();
    }

    private static DatabaseEndpoint endpoint(String plan, String field, JsonNode n, int defaultPort,
            String defaultUser) {
        if (!n.isObject()) {
            throw new PlanException("plan '" + plan + "': '" + field + "' is missing; give host, port, database, username");
        }
        String database = n.path("database").asText(null);
        if (database == null || database.isBlank()) {
            throw new PlanException("plan '" + plan + "': " + field + ".database is missing");
        }
        int port = PlanFields.whole(plan, field + ".port", n.path("port"), defaultPort, 1, 65535);
        return new DatabaseEndpoint(n.path("host").asText("127.0.0.1"), port, database,
                blankToNull(n.path("username").asText(defaultUser)), blankToNull(n.path("password-secret").asText(null)));
    }

    private static UserSpec user(String plan, JsonNode u) {
        String name = u.path("name").asText("");
        if (name.isBlank()) {
            throw new PlanException("plan '" + plan + "': a user has no name");
        }
        if (u.has("password")) {
            throw new PlanException("plan '" + plan + "': user '" + name + "' has a plain 'password'; plans hold secret"
                    + " references only: use password-secret: env:VAR, file:/path or a Secrets Manager ARN");
        }
        List<GrantSpec> grants = new ArrayList<>();
        for (JsonNode g : u.path("grants")) {
            String on = g.path("on").asText("");
            if (!GRANT_TARGETS.contains(on)) {
                throw new PlanException("plan '" + plan + "': user '" + name + "' has a grant on '" + on
                        + "'; use one of " + GRANT_TARGETS);
            }
            List<String> privileges = new ArrayList<>();
            g.path("privileges").forEach(p -> privileges.add(p.asText().toUpperCase(Locale.ROOT)));
            if (privileges.isEmpty()) {
                throw new PlanException("plan '" + plan + "': user '" + name + "' has a grant on '" + on
                        + "' without privileges");
            }
            String schema = blankToNull(g.path("schema").asText(null));
            if (!on.equals("database") && schema == null) {
                throw new PlanException("plan '" + plan + "': user '" + name + "' grant on '" + on + "' needs a schema");
            }
            String table = blankToNull(g.path("table").asText(null));
            if (on.equals("table") && table == null) {
                throw new PlanException("plan '" + plan + "': user '" + name + "' grant on 'table' needs a table");
            }
            grants.add(new GrantSpec(List.copyOf(privileges), on, schema, table));
        }
        return new UserSpec(name, blankToNull(u.path("password-secret").asText(null)), PlanFields.flag(plan, "user '" + name + "' login", u.path("login"), true),
                List.copyOf(grants));
    }

    private static String text(JsonNode n, String field, String plan, String fallback) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw new PlanException("plan '" + plan + "': '" + field + "' must be a non-empty string");
        }
        return v.asText();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
