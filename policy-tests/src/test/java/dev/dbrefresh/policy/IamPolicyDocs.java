package dev.dbrefresh.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The IAM statements of docs/aws.md's "## IAM" section, by the role they belong to.
 *
 * <p>A ```json block under "### &lt;role&gt;" belongs to that role ({@code snapshot-service}, ...; "### Trust
 * policy (all four roles)" to {@code trust}, "### CLI and operators" to {@code operator}). A block under a
 * "### ...: additional statements" heading belongs to the role named by the last paragraph that starts with
 * {@code **<role>**}. A block is a policy document ({@code Statement}), an array of statements or one statement.
 */
final class IamPolicyDocs {

    /** The file the statements of this class come from. */
    static final String DOCS = "docs/aws.md";

    /**
     * One statement, and where it is.
     *
     * @param file    the file it is in: {@value #DOCS}, or the CloudFormation template ({@link InfraTemplate#FILE})
     * @param section in docs/aws.md the "### " heading; in the template the resource and policy name
     * @param line    its line in docs/aws.md (of the json block); 0 in the template
     * @param json    the statement as written
     */
    record Statement(String file, String role, String section, int line, String sid, String effect,
            List<String> actions, List<String> resources, JsonNode json) {

        /** @return where the statement is, for failure messages */
        String where() {
            String id = sid == null ? "" : ", Sid " + sid;
            return file.equals(DOCS) ? DOCS + " line " + line + " (\"### " + section + "\"" + id + ")"
                    : file + " (" + section + id + ")";
        }

        /**
         * @param role    the role it belongs to
         * @param file    where it is
         * @param section in which section or resource
         * @param line    at which line, 0 if unknown
         * @param s       the statement's JSON ({@code Sid}, {@code Effect}, {@code Action}, {@code Resource})
         * @return the statement
         */
        static Statement of(String role, String file, String section, int line, JsonNode s) {
            return new Statement(file, role, section, line, s.hasNonNull("Sid") ? s.get("Sid").asText() : null,
                    s.path("Effect").asText("Allow"), strings(s.get("Action")), strings(s.get("Resource")), s);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BOLD_ROLE = Pattern.compile("^\\*\\*([a-z]+-service)\\*\\*.*");

    /** An {@code aws <service> <command>} line of a ```bash block, and where it is. */
    record CliCall(String service, String command, String section, int line, String text) {

        /** @return the table named by {@code --table-name} on the command's line, or {@code null} */
        String table() {
            var m = Pattern.compile("--table-name ([A-Za-z0-9_.-]+)").matcher(text);
            return m.find() ? m.group(1) : null;
        }


        /** @return the IAM action of the command, e.g. {@code sqs:GetQueueUrl} for {@code aws sqs get-queue-url} */
        String action() {
            StringBuilder op = new StringBuilder();
            for (String part : command.split("-")) {
                op.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
            return service + ":" + op;
        }
    }

    private static final Pattern AWS_CLI = Pattern.compile("(?:^|[\\s(|;&])aws ([a-z0-9-]+) ([a-z0-9-]+)");

    private final List<Statement> statements = new ArrayList<>();
    private final List<CliCall> cliCalls = new ArrayList<>();

    /** @param markdown the text of docs/aws.md */
    IamPolicyDocs(String markdown) {
        String[] lines = markdown.split("\n", -1);
        boolean inIam = false;
        String section = null;
        String role = null;
        String h2 = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("## ")) {
                h2 = line.substring(3).trim();
                inIam = h2.equals("IAM");
                section = null;
                role = null;
            } else if (line.trim().equals("```bash")) {
                for (i = i + 1; i < lines.length && !lines[i].trim().equals("```"); i++) {
                    var m = AWS_CLI.matcher(lines[i]);
                    while (m.find()) {
                        cliCalls.add(new CliCall(m.group(1), m.group(2), section != null ? section : h2, i + 1,
                                lines[i]));
                    }
                }
            } else if (inIam && line.startsWith("### ")) {
                section = line.substring(4).trim();
                role = roleOf(section);
            } else if (inIam && section != null && section.endsWith("additional statements")
                    && BOLD_ROLE.matcher(line).matches()) {
                var m = BOLD_ROLE.matcher(line);
                m.matches();
                role = m.group(1);
            } else if (inIam && line.trim().equals("```json")) {
                int start = i + 1;
                StringBuilder block = new StringBuilder();
                for (i = start; i < lines.length && !lines[i].trim().equals("```"); i++) {
                    block.append(lines[i]).append('\n');
                }
                if (role != null) {
                    add(role, section, start, block.toString());
                }
            }
        }
    }

    private static String roleOf(String section) {
        if (section.matches("[a-z]+-service")) {
            return section;
        }
        if (section.startsWith("Trust policy")) {
            return "trust";
        }
        if (section.startsWith("CLI and operators")) {
            return "operator";
        }
        return null;
    }

    private void add(String role, String section, int line, String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("docs/aws.md line " + line + ": the json block does not parse", e);
        }
        JsonNode list = node.has("Statement") ? node.get("Statement") : node;
        if (list.isObject()) {
            statement(role, section, line, list);
        } else {
            list.forEach(s -> statement(role, section, line, s));
        }
    }

    private void statement(String role, String section, int line, JsonNode s) {
        statements.add(Statement.of(role, DOCS, section, line, s));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asText()));
        } else {
            out.add(n.asText());
        }
        return out;
    }

    /**
     * @param role a role: a service name, {@code trust} or {@code operator}
     * @return its Allow statements
     */
    List<Statement> statements(String role) {
        return statements.stream().filter(s -> s.role().equals(role) && s.effect().equals("Allow")).toList();
    }

    /**
     * @param section a "## " or "### " heading's text
     * @return the AWS CLI commands of the ```bash blocks directly under it
     */
    List<CliCall> cliCalls(String section) {
        return cliCalls.stream().filter(c -> c.section().equals(section)).toList();
    }

    /**
     * @param pattern an IAM action or resource, {@code *} and {@code ?} as wildcards
     * @param value   a concrete action or ARN (may itself contain {@code *}, which then matches only {@code *})
     * @return whether the pattern covers the value
     */
    static boolean matches(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE).matcher(value).matches();
    }
}
