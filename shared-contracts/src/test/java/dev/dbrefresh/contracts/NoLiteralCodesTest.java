package dev.dbrefresh.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.testsupport.SourceText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Error codes, step names, audit statuses and tag keys are spelled once ({@link ErrorCode}, {@link StepName},
 * service-runtime's {@code AuditStatus}, {@link Tags}): this scans the main sources of every module of the
 * build (comments left out) for the shapes in which they were written as string literals before.
 */
class NoLiteralCodesTest {

    /** A shape that must not occur in main code, and what to write instead. */
    record Rule(String name, Pattern pattern, String instead) {
    }

    private static final String STATUSES =
            "(?:started|succeeded|failed|skipped|waiting|planned|ignored|recorded|rejected|interrupted)";

    static final List<Rule> RULES = List.of(
            new Rule("step literal",
                    Pattern.compile("\\.(?:fail|step|skipped|waiting|planned|enter|recorded)\\(\\s*\""),
                    "a StepName constant"),
            new Rule("refusal literal",
                    Pattern.compile("new\\s+(?:\\w+\\.)*(?:Refused|GuardViolation|Problem)\\(\\s*\""),
                    "StepName / ErrorCode constants"),
            new Rule("step constant", Pattern.compile("\\b[A-Z_]*STEP\\s*=\\s*\""), "a StepName constant"),
            new Rule("error code literal", errorCodeLiterals(), "an ErrorCode constant"),
            new Rule("step comparison", Pattern.compile("\\.step\\(\\)\\s*\\.\\s*(?:equals|startsWith)\\(\\s*\""
                    + "|\"[a-z][a-z0-9-]*\"\\s*\\.\\s*equals\\(\\s*[\\w.]*step\\(\\)"), "AuditEntry.isStep(StepName)"),
            new Rule("status literal", Pattern.compile("\\.status\\(\\)\\s*\\.\\s*equals\\(\\s*\"" + STATUSES + "\""
                    + "|\"" + STATUSES + "\"\\s*\\.\\s*equals\\(\\s*[\\w.]*status\\(\\)"
                    + "|\"[^\"\\n]*#" + STATUSES + "#"), "AuditStatus / AuditEntry.is(AuditStatus)"),
            new Rule("tag key literal", Pattern.compile("\"dbrefresh:(?:managed|plan|run|snapshot|source-snapshot)\""),
                    "a Tags constant"));

    /**
     * Files that may keep literals, each with its reason. An entry whose file no longer has a finding fails the
     * test: remove it once the file is converted.
     */
    static final Map<String, String> EXEMPT = Map.of();

    /** The types that spell the values; their own literals are the point. */
    static final Set<String> DEFINITIONS = Set.of(
            "shared-contracts/src/main/java/dev/dbrefresh/contracts/ErrorCode.java",
            "shared-contracts/src/main/java/dev/dbrefresh/contracts/StepName.java",
            "shared-contracts/src/main/java/dev/dbrefresh/contracts/Tags.java",
            "service-runtime/src/main/java/dev/dbrefresh/runtime/audit/AuditStatus.java");

    @Test
    void mainSources_shouldSpellNoErrorCodeStepStatusOrTagAsALiteral() {
        Path root = buildRoot();
        Map<String, List<String>> findings = new TreeMap<>();
        List<Path> files = mainSources(root);
        for (Path file : files) {
            String relative = root.relativize(file).toString().replace('\\', '/');
            if (DEFINITIONS.contains(relative)) {
                continue;
            }
            List<String> found = findings(read(file));
            if (!found.isEmpty()) {
                findings.put(relative, found);
            }
        }
        assertThat(files).as("main sources scanned").hasSizeGreaterThan(100)
                .contains(root.resolve("service-runtime/src/main/java/dev/dbrefresh/runtime/messaging/StepContext.java"));
        Map<String, List<String>> unexpected = new TreeMap<>(findings);
        EXEMPT.keySet().forEach(unexpected::remove);
        assertThat(unexpected).as("literals in main code (write the constant instead)").isEmpty();
        assertThat(EXEMPT.keySet()).as("exemptions whose file has no literal left: remove them")
                .allMatch(findings::containsKey);
    }

    @Test
    void findings_shouldNameEveryShape_soTheScanCanFail() {
        String source = String.join("\n",
                "class X {",
                "  static final String COPY_STEP = \"copy\";",
                "  void a(StepContext ctx) {",
                "    ctx.fail(\"plan\", ErrorCode.PLAN_NOT_FOUND, \"m\");",
                "    context.step(\"dump\", () -> 1, r -> \"\");",
                "    return new SnapshotProgress.Refused(\"copy\", ErrorCode.COPY_FAILED, \"m\");",
                "    deadLetter(message, reason, \"MALFORMED_MESSAGE\");",
                "    boolean s = e.step().startsWith(\"notify\") && \"succeeded\".equals(e.status());",
                "    String k = at + \"#interrupted#failed#final\";",
                "    tags.put(\"dbrefresh:managed\", \"true\");",
                "  }",
                "}");

        assertThat(findings(source)).extracting(f -> f.substring(0, f.indexOf(':')))
                .containsExactlyInAnyOrder("step constant", "step literal", "step literal", "refusal literal",
                        "error code literal", "step comparison", "status literal", "status literal", "tag key literal");
        assertThat(findings(source)).anyMatch(f -> f.startsWith("step literal: line 4"));
    }

    @Test
    void findings_shouldIgnoreCommentsConstantsAndOtherStrings() {
        String source = String.join("\n",
                "/** Ends with {@code TARGET_BUSY}: ctx.fail(\"lease\", \"TARGET_BUSY\", ...) was the old way. */",
                "class X {",
                "  // ctx.step(\"copy\", ...)",
                "  void a() {",
                "    ctx.fail(StepName.LEASE, ErrorCode.TARGET_BUSY, \"busy: TARGET_BUSY; see // and /* in text\");",
                "    String url = \"https://example.com/a\"; ctx.enter(StepName.IDENTITY);",
                "    String marker = \"dbrefresh:snapshot=\" + id; String status = \"available\";",
                "  }",
                "}");

        assertThat(findings(source)).isEmpty();
    }

    /**
     * @param source a Java source
     * @return {@code <rule>: line <n>: <line>} for every shape found outside comments
     */
    static List<String> findings(String source) {
        String code = SourceText.withoutComments(source);
        String[] lines = source.split("\n", -1);
        List<String> out = new ArrayList<>();
        for (Rule rule : RULES) {
            Matcher m = rule.pattern().matcher(code);
            while (m.find()) {
                int line = (int) code.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                out.add(rule.name() + ": line " + line + ": " + lines[line - 1].strip() + " (use " + rule.instead()
                        + ")");
            }
        }
        return out;
    }

    private static Pattern errorCodeLiterals() {
        String codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).map(Pattern::quote)
                .collect(Collectors.joining("|"));
        return Pattern.compile("\"(?:" + codes + ")\"");
    }

    /** @return the directory of the build's root pom (the one that lists this module) */
    static Path buildRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && read(pom).contains("<module>shared-contracts</module>")) {
                return dir;
            }
        }
        throw new IllegalStateException("no root pom.xml listing shared-contracts above "
                + Path.of("").toAbsolutePath());
    }

    private static List<Path> mainSources(Path root) {
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> files = new ArrayList<>();
            for (Path module : modules.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).toList()) {
                try (Stream<Path> walk = Files.walk(module.resolve("src/main/java"))) {
                    walk.filter(f -> f.toString().endsWith(".java")).forEach(files::add);
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
