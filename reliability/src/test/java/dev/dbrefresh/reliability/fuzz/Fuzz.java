package dev.dbrefresh.reliability.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dbrefresh.reliability.Figures;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the fuzz properties share: the generators of hostile input (strings, JSON trees, mutations of valid
 * samples, random bytes, deep nesting, huge documents) and {@link #expect}, which runs one case against a parser,
 * counts it for the report ({@link Figures}: scenario {@code fuzz-<parser>}, figures {@code faults-injected-fuzz},
 * {@code fuzz-accepted}, {@code fuzz-refused}) and fails on anything but a value or the parser's documented error.
 */
final class Fuzz {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Longest message a documented error may have: it goes into DLQ attributes and audit items. */
    static final int MAX_MESSAGE_CHARS = 4_000;

    private Fuzz() {
    }

    /**
     * Runs one fuzz case: the parser returns a value, or throws one of the documented error types with a message
     * that says something (not blank, not ending with {@code null}, at most {@link #MAX_MESSAGE_CHARS} characters).
     * Anything else (NPE, ClassCast, StackOverflowError, OutOfMemoryError, an undocumented exception) fails the
     * property, and {@link Property#check} names the input, the seed and the case.
     *
     * @param parser     the parser's name, the scenario row {@code fuzz-<parser>}
     * @param call       the parser called on the case's input
     * @param documented the exception types the parser documents
     * @param <T>        the parser's result
     * @return the value, or {@code null} when the parser refused the input as documented
     */
    @SafeVarargs
    static <T> T expect(String parser, Supplier<T> call, Class<? extends Throwable>... documented) {
        return run(parser, false, call, documented);
    }

    /**
     * {@link #expect}, and the error message is at most {@link #MAX_MESSAGE_CHARS} long: for parsers of messages,
     * whose refusal reason goes into a DLQ message attribute and an audit item (DynamoDB: 400 KB an item).
     */
    @SafeVarargs
    static <T> T expectBounded(String parser, Supplier<T> call, Class<? extends Throwable>... documented) {
        return run(parser, true, call, documented);
    }

    /**
     * {@link #expect} of a parser that reads a file: writes the case's content to {@code file} (replacing it), then
     * runs the parser on it.
     *
     * @param parser     the parser's name, the scenario row {@code fuzz-<parser>}
     * @param file       where the content goes, e.g. in a {@link #tempDir}
     * @param content    the case's file content
     * @param read       the parser called on the file
     * @param documented the exception types the parser documents
     * @param <T>        the parser's result
     * @return the value, or {@code null} when the parser refused the file as documented
     */
    @SafeVarargs
    static <T> T expectReading(String parser, java.nio.file.Path file, byte[] content,
            java.util.function.Function<java.nio.file.Path, T> read, Class<? extends Throwable>... documented) {
        try {
            java.nio.file.Files.write(file, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return run(parser, false, () -> read.apply(file), documented);
    }

    @SafeVarargs
    private static <T> T run(String parser, boolean bounded, Supplier<T> call, Class<? extends Throwable>... documented) {
        Figures.faults("fuzz-" + parser, "fuzz", 1);
        try {
            T value = call.get();
            Figures.add("fuzz-" + parser, "fuzz-accepted", 1);
            return value;
        } catch (Throwable t) {
            for (Class<? extends Throwable> d : documented) {
                if (d.isInstance(t)) {
                    requireClear(t, bounded);
                    Figures.add("fuzz-" + parser, "fuzz-refused", 1);
                    return null;
                }
            }
            throw new AssertionError(parser + " threw an undocumented " + t.getClass().getName() + ": "
                    + abbreviate(String.valueOf(t.getMessage())), t);
        }
    }

    static void requireClear(Throwable t, boolean bounded) {
        String m = t.getMessage();
        if (m == null || m.isBlank() || m.endsWith(": null") || m.equals("null")) {
            throw new AssertionError("error without a clear message: " + t, t);
        }
        if (bounded && m.length() > MAX_MESSAGE_CHARS) {
            throw new AssertionError("error message of " + m.length() + " characters (at most " + MAX_MESSAGE_CHARS
                    + "): " + abbreviate(m), t);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
    }

    /**
     * @param prefix the directory's name prefix
     * @return a new temporary directory, in memory ({@code /dev/shm}) where the machine has it: the dump and plans
     *         properties write a file or two per try
     */
    static java.nio.file.Path tempDir(String prefix) {
        try {
            java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
            return java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)
                    ? java.nio.file.Files.createTempDirectory(shm, prefix) : java.nio.file.Files.createTempDirectory(prefix);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- strings

    private static final String[] PIECES = {"'", "\"", "`", "\\", "\0", ";", "--", "/*", "*/", "$$", "%", "%2",
        "%zz", "%41", "\n", "\r\n", "\t", " ", "é", "ß", "İ", "ﬃ", "\u202e", "\u200b", "\uFEFF", "😀", "\uD800",
        "\uDC00", "𝔘", "DROP TABLE x;", "' OR '1'='1", "\"; DROP ROLE postgres; --", "${HOME}", "{", "}", "[", "]",
        "null", "../", "/", ":", "re:", "env:", "file:", "arn:aws:", "a", "Z", "0", "9", "_", "-", ".", "$", "*",
        "(?i)", ".*", "\\E", "\\Q", "(", ")", "+", "?", "=", "@", "#", "~", "prod", "acceptance", "public"};

    /** @return hostile text: quotes, backslashes, NUL, semicolons, unicode (also unpaired surrogates), very long */
    static Gen<String> hostile() {
        Gen<String> pieces = Gen.of(PIECES).list(10).map(l -> String.join("", l));
        Gen<String> any = Gen.strings(40);
        Gen<String> ascii = Gen.asciiStrings(70);
        Gen<String> longOnes = Gen.combine(Gen.of("a", "é", "\"", "😀", "x'y", "_"),
                Gen.integers(30, 2_000)).as((p, n) -> p.repeat(n));
        return Gen.frequencyOf(Gen.weighted(6, pieces), Gen.weighted(3, any), Gen.weighted(3, ascii), Gen.weighted(1, longOnes),
                Gen.weighted(1, Gen.of("", " ", "\0")));
    }

    /** @return random bytes read as text, UTF-8 or ISO-8859-1 */
    static Gen<String> randomBytes() {
        return Gen.combine(Gen.bytes(2_000), Gen.of(true, false))
                .as((b, utf8) -> new String(b, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
    }

    /** @return JSON text nested deeper than parsers like (arrays, objects, inside a field or alone, closed or not) */
    static Gen<String> deeplyNested() {
        return Gen.combine(Gen.of("[", "{\"a\":", "{\"data\":", "{\"plan\":"),
                Gen.of(10, 500, 999, 1_000, 1_001, 5_000, 100_000), Gen.of(true, false))
                .as((open, depth, closed) -> {
                    String close = open.equals("[") ? "]" : "}";
                    return open.repeat(depth) + "1" + (closed ? close.repeat(depth) : "");
                });
    }

    /**
     * @param inside JSON object texts to hide a deep or huge part in (at field {@code x})
     * @return that text with {@code "x": <deep or huge>} inserted after its opening brace
     */
    static Gen<String> hugeOrDeepInside(Gen<String> inside) {
        Gen<String> part = Gen.frequencyOf(
                Gen.weighted(2, Gen.combine(Gen.of(900, 999, 1_000, 1_001, 3_000, 50_000), Gen.of("[",
                        "{\"k\":")).as((d, o) -> o.repeat(d) + "0" + (o.equals("[") ? "]" : "}").repeat(d))),
                Gen.weighted(1, Gen.of(100_000, 500_000).map(n -> "\"" + "x".repeat(n) + "\"")),
                Gen.weighted(1, Gen.of(1_000, 20_000).map(n -> {
                    StringBuilder b = new StringBuilder("{");
                    for (int i = 0; i < n; i++) {
                        b.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
                    }
                    return b.append('}').toString();
                })),
                Gen.weighted(1, Gen.of(1_001, 5_000).map(n -> "1" + "0".repeat(n))));
        return Gen.combine(part, inside).as((p, in) -> "{\"x\":" + p + "," + in.trim().substring(1));
    }

    // ---------------------------------------------------------------- JSON

    /** @param depth how deep containers may nest @return any JSON value, leaves biased to hostile text and odd numbers */
    static Gen<JsonNode> json(int depth) {
        Gen<JsonNode> leaf = Gen.frequencyOf(
                Gen.weighted(1, Gen.just(NODES.nullNode())),
                Gen.weighted(1, Gen.of(true, false).map(NODES::booleanNode)),
                Gen.weighted(2, Gen.longs().map(NODES::numberNode)),
                Gen.weighted(1, Gen.of(0, -1, 1, 64, 65, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE)
                        .map(NODES::numberNode)),
                Gen.weighted(1, Gen.doubles().map(NODES::numberNode)),
                Gen.weighted(1, Gen.of("1e400", "-0", "123456789012345678901234567890").map(s -> (JsonNode)
                        NODES.numberNode(new java.math.BigDecimal(s)))),
                Gen.weighted(1, Gen.bigIntegers(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(NODES::numberNode)),
                Gen.weighted(5, hostile().map(NODES::textNode)),
                Gen.weighted(2, Gen.of("1.0", "dbrefresh.refresh.requested.v1", "2026-11-21T22:40:00Z",
                        "2026-13-45", "2026-11-21", "-1", "0", "99999999999999999999", "true", "COMPLETED", "postgres",
                        "mongodb", "aurora-postgresql", "docdb", "dynamodb", "re:.*", "env:X", "file:/dev/zero",
                        "123456789012", "arn:aws:rds:eu-west-1:111111111111:cluster:x", "truncate-table", "email",
                        "hash", "null", "keep-domain", "create", "latest", "template", "replace", "delta")
                        .map(NODES::textNode)));
        if (depth <= 0) {
            return leaf;
        }
        Gen<JsonNode> inner = json(depth - 1);
        Gen<JsonNode> array = inner.list(4).map(l -> {
            ArrayNode a = NODES.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Gen<JsonNode> object = Gen.combine(keys(), inner).as(Map::entry).list(4).map(l -> {
            ObjectNode o = NODES.objectNode();
            l.forEach(t -> o.set(t.getKey(), t.getValue()));
            return o;
        });
        return Gen.frequencyOf(Gen.weighted(6, leaf), Gen.weighted(1, array), Gen.weighted(2, object));
    }

    private static final String[] KEYS = {"id", "type", "subject", "source", "specversion", "time", "data", "plan",
        "snapshotId", "date", "dryRun", "trigger", "values", "mode", "planvalues", "traceparent", "causationid",
        "correlationid", "datacontenttype", "engine", "host", "port", "database", "username", "password",
        "password-secret", "target", "source", "users", "grants", "guards", "protected-patterns", "sanitize", "masks",
        "columns", "table", "mask", "key-secret", "verify", "restore", "jobs", "mode", "wait", "snapshot",
        "parameters", "notifications", "triggers", "clone", "cluster", "account", "region", "detail", "state",
        "backupJobId", "recoveryPointArn", "resourceArn", "Message", "Type", "EventType", "State", "BackupJobID",
        "RecoveryPointArn", "BackedUpResourceArn", "name", "indexes", "options", "collectionName", "uuid", "format",
        "collections", "documents", "bytes", "checksum", "tables", "rows", "createdAt", "file", "sizeBytes"};

    /** @return object keys: the names the parsers look for, and hostile ones */
    static Gen<String> keys() {
        return Gen.frequencyOf(Gen.weighted(3, Gen.of(KEYS)), Gen.weighted(1, hostile()));
    }

    /** 0 to 4 edits, built once. */
    private static final Gen<List<Edit>> EDITS = Gen.combine(Gen.integers(0, 1 << 20),
            Gen.integers(0, 4), keys(), json(2)).as(Edit::new).list(4);

    /**
     * Mutations of valid documents: 0 to 4 edits, each replacing a value (any JSON, or the same value as another
     * type), deleting a field or element, or adding a field; so most cases are close to valid and reach deep into
     * the parser.
     *
     * @param samples valid documents
     * @return mutated copies
     */
    static Gen<JsonNode> mutated(Gen<? extends JsonNode> samples) {
        return Gen.combine(samples, EDITS).as((sample, edits) -> {
            JsonNode doc = sample.deepCopy();
            for (Edit e : edits) {
                doc = e.apply(doc);
            }
            return doc;
        });
    }

    /** @param samples valid documents @return see {@link #mutated(Gen)} */
    static Gen<JsonNode> mutated(JsonNode... samples) {
        return mutated(Gen.of(samples));
    }

    /** One edit of {@link #mutated}. */
    record Edit(int at, int kind, String key, JsonNode value) {

        JsonNode apply(JsonNode doc) {
            List<JsonNode> containers = new ArrayList<>();
            collect(doc, containers);
            JsonNode c = containers.get(at % containers.size());
            if (c instanceof ObjectNode o) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                String name = names.isEmpty() || kind == 2 ? key : names.get(at % names.size());
                switch (kind) {
                    case 1 -> o.remove(name);
                    case 3 -> o.set(name, retyped(o.get(name)));
                    default -> o.set(name, value);
                }
            } else if (c instanceof ArrayNode a) {
                int i = a.isEmpty() ? 0 : at % a.size();
                if (a.isEmpty() || kind == 2) {
                    a.add(value);
                } else if (kind == 1) {
                    a.remove(i);
                } else if (kind == 3) {
                    a.set(i, retyped(a.get(i)));
                } else {
                    a.set(i, value);
                }
            }
            return doc;
        }

        private JsonNode retyped(JsonNode v) {
            if (v == null || v.isNull()) {
                return value;
            }
            if (v.isTextual()) {
                return v.asText().matches("-?\\d{1,18}") ? NODES.numberNode(Long.parseLong(v.asText()))
                        : NODES.arrayNode().add(v);
            }
            if (v.isNumber() || v.isBoolean()) {
                return NODES.textNode(v.asText());
            }
            if (v.isArray()) {
                return v.isEmpty() ? NODES.objectNode() : v.get(0);
            }
            return NODES.arrayNode().add(v);
        }

        private static void collect(JsonNode n, List<JsonNode> out) {
            if (n.isContainerNode()) {
                out.add(n);
                n.forEach(child -> collect(child, out));
            }
        }
    }

    /** @param text JSON text @return the text damaged: cut short, a character inserted, or a character removed */
    static Gen<String> damaged(Gen<String> text) {
        return Gen.combine(text, Gen.integers(0, 1 << 20), Gen.integers(0, 2),
                Gen.chars()).as((t, at, kind, ch) -> {
                    if (t.isEmpty()) {
                        return t;
                    }
                    int i = at % t.length();
                    return switch (kind) {
                        case 0 -> t.substring(0, i);
                        case 1 -> t.substring(0, i) + ch + t.substring(i);
                        default -> t.substring(0, i) + t.substring(i + 1);
                    };
                });
    }
}
