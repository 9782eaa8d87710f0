package dev.dbrefresh.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.PlanException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The default plans of the local stack ({@code /dbrefresh/default-plans.yml}) and a home's {@code plans.yml}: a
 * new home gets the whole file; a home written by an older version gets the default plans it lacks appended to its
 * {@code plans:} mapping, as text, so that the user's own plans, edits and comments stay byte for byte. A plan
 * whose name the file already has is never touched (the user's version wins). Where the appended text would not
 * parse (the file's {@code plans:} mapping is not the last one, or is indented otherwise), the file is left as it
 * was and the message says what to add by hand.
 */
final class DefaultPlans {

    /** A plan's first line in the default file: two spaces, its name, a colon. */
    private static final Pattern PLAN_LINE = Pattern.compile("^  ([A-Za-z0-9_.-]+):\\s*$", Pattern.MULTILINE);

    private DefaultPlans() {
    }

    /**
     * @param defaults the default plans file's text
     * @return each default plan's block (its lines, from its name to the next plan), by name, in file order
     */
    static Map<String, String> blocks(String defaults) {
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = PLAN_LINE.matcher(defaults);
        List<Integer> starts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (m.find()) {
            starts.add(m.start());
            names.add(m.group(1));
        }
        for (int i = 0; i < names.size(); i++) {
            int end = i + 1 < names.size() ? starts.get(i + 1) : defaults.length();
            String block = defaults.substring(starts.get(i), end);
            blocks.put(names.get(i), block.endsWith("\n") ? block : block + "\n");
        }
        return blocks;
    }

    /**
     * Appends the default plans that {@code plans} lacks.
     *
     * @param plans    an existing plans file
     * @param defaults the default plans file's text (placeholders already replaced)
     * @param out      where to say what was added, or why nothing could be
     * @return the names of the plans added
     * @throws IOException when the file cannot be read or written
     */
    static List<String> addMissing(Path plans, String defaults, PrintStream out) throws IOException {
        String text = Files.readString(plans, StandardCharsets.UTF_8);
        JsonNode have;
        try {
            have = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            // PlanCatalog.load reports the broken file with its own message when the run reads it.
            return List.of();
        }
        JsonNode existing = have == null ? null : have.path("plans");
        if (existing == null || !existing.isObject()) {
            return List.of();
        }
        StringBuilder appended = new StringBuilder();
        List<String> added = new ArrayList<>();
        blocks(defaults).forEach((name, block) -> {
            if (!existing.has(name)) {
                added.add(name);
                appended.append(block);
            }
        });
        if (added.isEmpty()) {
            return added;
        }
        String merged = text + (text.endsWith("\n") ? "" : "\n") + "  # " + String.join(", ", added)
                + ": default plan(s) added by a newer dbrefresh; edit or delete freely\n" + appended;
        try {
            JsonNode after = new ObjectMapper(new YAMLFactory()).readTree(merged).path("plans");
            if (!added.stream().allMatch(after::has) || after.size() != existing.size() + added.size()) {
                throw new IOException("the appended plans did not land in the plans mapping");
            }
            Path tmp = plans.resolveSibling(plans.getFileName() + ".merging");
            Files.writeString(tmp, merged, StandardCharsets.UTF_8);
            PlanCatalog.load(tmp);
            Files.move(tmp, plans, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | PlanException e) {
            Files.deleteIfExists(plans.resolveSibling(plans.getFileName() + ".merging"));
            out.println("dbrefresh: " + plans + " lacks the default plan(s) " + added + " and they could not be added"
                    + " to it (" + e.getMessage() + "); the file was left as it was. Add them under plans: by hand:\n"
                    + appended);
            return List.of();
        }
        out.println("dbrefresh: added the default plan(s) " + added + " to " + plans);
        return added;
    }
}
