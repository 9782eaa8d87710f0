package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a plan's {@code sanitize:} and {@code verify:} keys into {@link SanitizeSettings} (shape there). Every
 * mistake is a {@link PlanException} naming the key, raised when the plans file is loaded, before any run.
 */
final class SanitizeParser {

    private static final String VERIFY_CHECKSUMS = "checksums";
    private static final Set<String> VERIFY_MODES = Set.of("counts", VERIFY_CHECKSUMS);
    private static final String TRUNCATE = "truncate-table";
    private static final Set<String> LOCK_MODES = Set.of("database", "server");
    private static final String PIPELINE = "pipeline";

    private SanitizeParser() {
    }

    /**
     * @param plan    plan name, for messages
     * @param n       the plan's document
     * @param baseDir the plans file's directory ({@code sql:} files must be inside it)
     * @return the settings; {@link SanitizeSettings#DEFAULT} where the plan has neither key
     * @throws PlanException when a key is malformed, a mask is unknown, a keyed mask has no {@code key-secret},
     *                       a table or column is masked twice, or an {@code sql:} file is missing or outside
     *                       {@code baseDir}
     */
    static SanitizeSettings parse(String plan, JsonNode n, Path baseDir) {
        JsonNode s = n.path("sanitize");
        boolean checksums = checksums(plan, n.path("verify"));
        if (s.isMissingNode() || s.isNull()) {
            return checksums ? new SanitizeSettings(List.of(), List.of(), null, true, List.of(), false, true)
                    : SanitizeSettings.DEFAULT;
        }
        if (!s.isObject()) {
            throw new PlanException("plan '" + plan + "': sanitize must be a map (masks, sql, key-secret, isolation,"
                    + " keep-roles, lock-roles)");
        }
        List<TableMask> masks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        JsonNode list = s.path("masks");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new PlanException("plan '" + plan + "': sanitize.masks must be a list of {table: ..., columns: {...}}"
                    + " or {table: ..., mask: truncate-table}");
        }
        for (JsonNode t : list) {
            TableMask mask = table(plan, t, baseDir);
            if (!seen.add(mask.schema() + "\u0000" + mask.table())) {
                throw new PlanException("plan '" + plan + "': sanitize.masks names table " + mask.qualifiedName()
                        + " twice; give each table one entry");
            }
            masks.add(mask);
        }
        String key = s.path("key-secret").asText(null);
        key = key == null || key.isBlank() ? null : key;
        boolean keyed = masks.stream().flatMap(m -> m.columns().stream()).anyMatch(c -> c.type().keyed());
        if (keyed && key == null) {
            throw new PlanException("plan '" + plan + "': masks hash, email and keep-domain need sanitize.key-secret,"
                    + " a secret reference (env:VAR, file:/path or a Secrets Manager ARN) of the HMAC key");
        }
        if (s.has("key")) {
            throw new PlanException("plan '" + plan + "': sanitize has a plain 'key'; plans hold secret references"
                    + " only: use key-secret: env:VAR, file:/path or a Secrets Manager ARN");
        }
        List<Path> sql = new ArrayList<>();
        for (JsonNode f : s.path("sql")) {
            sql.add(planFile(plan, "sanitize.sql", f.asText(""), baseDir));
        }
        List<String> keep = new ArrayList<>();
        s.path("keep-roles").forEach(r -> keep.add(r.asText()));
        String lock = s.path("lock-roles").asText("database").toLowerCase(Locale.ROOT);
        if (!LOCK_MODES.contains(lock)) {
            throw new PlanException("plan '" + plan + "': sanitize.lock-roles '" + lock + "' is not one of " + LOCK_MODES);
        }
        JsonNode isolation = s.path("isolation");
        if (!isolation.isMissingNode() && !isolation.isBoolean()) {
            throw new PlanException("plan '" + plan + "': sanitize.isolation must be true or false");
        }
        return new SanitizeSettings(masks, sql, key, isolation.asBoolean(true), keep, lock.equals("server"), checksums);
    }

    /**
     * @param plan   plan name
     * @param n      a plan of an engine other than {@code postgres}
     * @param engine its engine
     * @throws PlanException when it asks for what that engine cannot do yet (it would silently not happen):
     *                       {@code verify: checksums} and {@code sanitize.sql} for every other engine,
     *                       {@code sanitize.masks} for every engine but the Aurora ones, {@code docdb} and {@code mongodb}
     */
    static void refuseUnsupported(String plan, JsonNode n, dev.dbrefresh.contracts.Engine engine) {
        JsonNode s = n.path("sanitize");
        boolean masks = s.path("masks").size() > 0 && engine != dev.dbrefresh.contracts.Engine.AURORA_MYSQL
                && engine != dev.dbrefresh.contracts.Engine.AURORA_POSTGRESQL
                && engine != dev.dbrefresh.contracts.Engine.MONGODB && engine != dev.dbrefresh.contracts.Engine.DOCDB;
        if (masks || s.path("sql").size() > 0 || checksums(plan, n.path("verify"))) {
            throw new PlanException("plan '" + plan + "': " + (masks ? "sanitize.masks are" : "sanitize.sql and verify:"
                    + " checksums are") + " implemented for engine postgres" + (masks ? ", aurora-postgresql, aurora-mysql, docdb and mongodb" : "")
                    + " only, not yet for " + engine.id() + "; remove them, or nothing would be masked or verified");
        }
    }

    private static boolean checksums(String plan, JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        String mode = v.asText("").toLowerCase(Locale.ROOT);
        if (!v.isTextual() || !VERIFY_MODES.contains(mode)) {
            throw new PlanException("plan '" + plan + "': verify must be one of " + VERIFY_MODES + ", was " + v);
        }
        return mode.equals(VERIFY_CHECKSUMS);
    }

    /**
     * @param plan   plan name
     * @param n      the plan's document
     * @param engine its engine
     * @throws PlanException when a {@code sanitize.masks} entry has {@code pipeline:} (or {@code js:}) and the
     *                       engine is neither {@code mongodb} nor {@code docdb} (nothing else could run it)
     */
    static void refusePipelines(String plan, JsonNode n, dev.dbrefresh.contracts.Engine engine) {
        if (engine == dev.dbrefresh.contracts.Engine.MONGODB || engine == dev.dbrefresh.contracts.Engine.DOCDB) {
            return;
        }
        for (JsonNode t : n.path("sanitize").path("masks")) {
            if (t.has(PIPELINE) || t.has("js")) {
                throw new PlanException("plan '" + plan + "': sanitize.masks table " + t.path("table").asText("")
                        + ": pipeline masks are implemented for engines mongodb and docdb only, not for " + engine.id()
                        + (engine == dev.dbrefresh.contracts.Engine.POSTGRES ? "; use sanitize.sql files" : "")
                        + "; remove it, or nothing would be masked");
            }
        }
    }

    private static TableMask table(String plan, JsonNode t, Path baseDir) {
        String name = t.path("table").asText("");
        if (!t.isObject() || name.isEmpty()) {
            throw new PlanException("plan '" + plan + "': every sanitize.masks entry needs a table, was " + t);
        }
        String schema = t.path("schema").asText(null);
        String table = name;
        if (schema == null) {
            int dot = name.indexOf('.');
            schema = dot < 0 ? "public" : name.substring(0, dot);
            table = dot < 0 ? name : name.substring(dot + 1);
        }
        String where = "sanitize.masks table " + schema + "." + table;
        if (t.has("js")) {
            throw new PlanException("plan '" + plan + "': " + where + ": write the escape hatch as pipeline: <file>, a"
                    + " JSON array of update stages (what a mongosh script passes to updateMany), not js:");
        }
        Path pipeline = null;
        if (t.has(PIPELINE)) {
            if (t.has("mask")) {
                throw new PlanException("plan '" + plan + "': " + where + " is truncated: it cannot have a pipeline too");
            }
            pipeline = planFile(plan, where + " pipeline", t.path(PIPELINE).asText(""), baseDir);
            try {
                UpdatePipelineFile.read(pipeline);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new PlanException("plan '" + plan + "': " + where + ": " + e.getMessage());
            }
            if (!t.has("columns")) {
                return new TableMask(schema, table, false, List.of(), pipeline);
            }
        }
        String whole = t.path("mask").asText(null);
        if (whole != null) {
            if (!whole.equals(TRUNCATE)) {
                throw new PlanException("plan '" + plan + "': " + where + ": mask '" + whole + "' is not '" + TRUNCATE
                        + "'; mask columns under columns:");
            }
            if (t.has("columns")) {
                throw new PlanException("plan '" + plan + "': " + where + " is truncated: it cannot have columns too");
            }
            return new TableMask(schema, table, true, List.of());
        }
        JsonNode cols = t.path("columns");
        if (!cols.isObject() || cols.isEmpty()) {
            throw new PlanException("plan '" + plan + "': " + where + " needs columns: {name: mask} or mask: " + TRUNCATE);
        }
        List<ColumnMask> columns = new ArrayList<>();
        for (Map.Entry<String, JsonNode> c : (Iterable<Map.Entry<String, JsonNode>>) cols::fields) {
            columns.add(column(plan, where, c.getKey(), c.getValue()));
        }
        return new TableMask(schema, table, false, columns, pipeline);
    }

    private static ColumnMask column(String plan, String where, String column, JsonNode m) {
        if (m.isNull()) {
            return new ColumnMask(column, MaskType.NULL, null);
        }
        if (m.isObject() && m.size() == 1 && m.has(MaskType.FIXED.id()) && m.get(MaskType.FIXED.id()).isValueNode()) {
            JsonNode v = m.get(MaskType.FIXED.id());
            return new ColumnMask(column, v.isNull() ? MaskType.NULL : MaskType.FIXED, v.isNull() ? null : v.asText());
        }
        if (m.isTextual()) {
            for (MaskType type : MaskType.values()) {
                if (type != MaskType.FIXED && type.id().equals(m.asText())) {
                    return new ColumnMask(column, type, null);
                }
            }
        }
        throw new PlanException("plan '" + plan + "': " + where + " column '" + column + "': mask " + m + " is not"
                + " one of null, {fixed: <value>}, " + Arrays.stream(MaskType.values()).filter(MaskType::keyed)
                .map(MaskType::id).toList());
    }

    /** A file named by the plan: inside {@code baseDir} lexically ({@code ..}, absolute paths) and once symlinks are resolved. */
    private static Path planFile(String plan, String key, String name, Path baseDir) {
        Path base = baseDir.toAbsolutePath().normalize();
        Path file = base.resolve(name).normalize();
        if (name.isBlank() || !file.startsWith(base)) {
            throw new PlanException("plan '" + plan + "': " + key + " entry '" + name + "' must be a file inside the"
                    + " plans file's directory " + base);
        }
        if (!Files.isRegularFile(file)) {
            throw new PlanException("plan '" + plan + "': " + key + " file " + file + " does not exist");
        }
        try {
            if (!file.toRealPath().startsWith(base.toRealPath())) {
                throw new PlanException("plan '" + plan + "': " + key + " file " + file + " is a symbolic link leading"
                        + " outside the plans file's directory " + base + "; copy the file into it");
            }
        } catch (java.io.IOException e) {
            throw new PlanException("plan '" + plan + "': " + key + " file " + file + " cannot be resolved: " + e.getMessage());
        }
        return file;
    }
}
