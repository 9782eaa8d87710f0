package dev.dbrefresh.runtime.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The file of a {@code pipeline:} mask ({@code mongodb} and {@code docdb}; the issue's {@code js:} escape hatch): a
 * MongoDB update pipeline, the array a mongosh script would pass as the second argument of
 * {@code db.coll.updateMany({}, [...])}, written in extended JSON (canonical or relaxed, e.g.
 * {@code {"$date": "2024-01-01T00:00:00Z"}}; not mongosh's {@code ISODate(...)} shell syntax). Rules (the
 * aggregation stages MongoDB allows in an update, see "Updates with Aggregation Pipeline" in the MongoDB manual):
 * <ul>
 *   <li>a JSON array of at least one document, each document exactly one stage named in {@link #STAGES};</li>
 *   <li>no key named in {@link #REFUSED} anywhere in it (they write elsewhere, run server-side code or read other
 *       collections).</li>
 * </ul>
 * Checked when the plans file is read and again by the engine just before it runs the file (it may have changed).
 */
public final class UpdatePipelineFile {

    /** The stages a pipeline mask may use. */
    public static final Set<String> STAGES = Set.of("$set", "$addFields", "$unset", "$project", "$replaceWith",
            "$replaceRoot");

    /** Keys refused at any depth of a pipeline mask. */
    public static final Set<String> REFUSED = Set.of("$out", "$merge", "$function", "$where", "$accumulator",
            "$lookup");

    private static final ObjectMapper JSON = new ObjectMapper();

    private UpdatePipelineFile() {
    }

    /**
     * @param file an existing file
     * @return its text, checked against the rules above
     * @throws IllegalArgumentException naming the file and what is wrong (not JSON, not an array of documents, a
     *                                  stage not in {@link #STAGES}, a key in {@link #REFUSED})
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static String read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pipeline mask file " + file, e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pipeline mask file " + file + " is not JSON (extended JSON, canonical or"
                    + " relaxed): " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException("pipeline mask file " + file + " must hold a non-empty JSON array of"
                    + " update stages, one of " + new java.util.TreeSet<>(STAGES));
        }
        for (JsonNode stage : root) {
            if (!stage.isObject() || stage.size() != 1) {
                throw new IllegalArgumentException("pipeline mask file " + file + ": every element must be a document"
                        + " with exactly one stage, was " + abbreviate(stage));
            }
            String name = stage.fieldNames().next();
            refused(file, stage);
            if (!STAGES.contains(name)) {
                throw new IllegalArgumentException("pipeline mask file " + file + ": stage '" + name + "' is not allowed"
                        + " in an update pipeline mask; use " + new java.util.TreeSet<>(STAGES));
            }
        }
        return text;
    }

    private static void refused(Path file, JsonNode n) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (REFUSED.contains(e.getKey())) {
                    throw new IllegalArgumentException("pipeline mask file " + file + " uses '" + e.getKey() + "', which"
                            + " is refused in a pipeline mask (" + new java.util.TreeSet<>(REFUSED) + " write elsewhere,"
                            + " run server-side code or read other collections); remove it");
                }
                refused(file, e.getValue());
            }
        } else if (n.isArray()) {
            n.forEach(c -> refused(file, c));
        }
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
