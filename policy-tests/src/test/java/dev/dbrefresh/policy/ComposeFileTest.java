package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@value #FILE}'s four service definitions against the services' configuration, as {@link K8sManifestsTest} does for
 * {@code k8s/}: each runs its module's image, sets only variables the service reads in the environment its
 * {@code MICRONAUT_ENVIRONMENTS} selects ({@link ServiceConfig}) and every placeholder without a default, publishes
 * {@code micronaut.server.port}, has a health check on the readiness endpoint at that port, and mounts a plans file
 * the services' {@link PlanCatalog} accepts where {@code dbrefresh.plans-file} points. The file is read with
 * jackson-dataformat-yaml, its anchors and merge keys resolved ({@link YamlAnchors}).
 */
class ComposeFileTest {

    /** The compose file, relative to the repository root. */
    static final String FILE = "docker-compose.yml";

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();
    private static final Pattern ENV_REFERENCE = Pattern.compile("^env:([A-Za-z_][A-Za-z0-9_]*)$");
    private static final Pattern ENDPOINT = Pattern.compile("^(?:jdbc:)?[a-z]+://([A-Za-z0-9.-]+):(\\d+)(?:/.*)?$");

    /** @return the compose file, its anchors, aliases and merge keys resolved */
    static JsonNode compose() throws IOException {
        return YamlAnchors.read(Files.readString(ROOT.resolve(FILE)));
    }

    /** A service's environment, in either of compose's forms (a mapping, or a list of {@code NAME=value}). */
    static Map<String, String> environment(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode env = service.path("environment");
        if (env.isArray()) {
            env.forEach(e -> {
                String[] kv = e.asText().split("=", 2);
                out.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
        } else {
            env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        }
        return out;
    }

    /** The container side of each published port ({@code "8081:8081"}, {@code "127.0.0.1:8081:8081/tcp"}, long form). */
    static List<Integer> containerPorts(JsonNode service) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode p : service.path("ports")) {
            if (p.isObject()) {
                out.add(p.path("target").asInt());
            } else {
                String[] parts = p.asText().replaceAll("/(tcp|udp)$", "").split(":");
                out.add(Integer.parseInt(parts[parts.length - 1]));
            }
        }
        return out;
    }

    /** The container path of each volume ({@code source:target[:mode]}, or the long form), by its source. */
    static Map<String, String> volumes(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode v : service.path("volumes")) {
            if (v.isObject()) {
                out.put(v.path("source").asText(), v.path("target").asText());
            } else {
                String[] parts = v.asText().split(":");
                out.put(parts[0], parts[1]);
            }
        }
        return out;
    }

    /**
     * @param plans a plans document
     * @param usersOnly only the references of the plans' {@code users} (the passwords users-service sets)
     * @return the variables its {@code env:NAME} secret references name
     */
    static Set<String> envReferences(JsonNode plans, boolean usersOnly) {
        Set<String> out = new TreeSet<>();
        plans.path("plans").forEach(plan -> collect(usersOnly ? plan.path("users") : plan, out));
        return out;
    }

    private static void collect(JsonNode node, Set<String> out) {
        if (node.isTextual()) {
            Matcher m = ENV_REFERENCE.matcher(node.asText());
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        node.forEach(n -> collect(n, out));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theServiceRunsItsModuleWithItsPortHealthCheckAndVariables(String service) throws IOException {
        JsonNode all = compose().path("services");
        JsonNode s = all.path(service);
        assertFalse(s.isMissingNode(), FILE + " has no service " + service);
        String build = s.path("build").isObject() ? s.path("build").path("context").asText() : s.path("build").asText();
        assertEquals("./" + service, build, FILE + " " + service + " does not build the module's image");

        Map<String, String> env = environment(s);
        String environment = env.get(ServiceConfig.ENVIRONMENTS);
        assertEquals("local", environment, FILE + " " + service + ": " + ServiceConfig.ENVIRONMENTS
                + " (compose runs the services against LocalStack and PostgreSQL)");
        ServiceConfig config = ServiceConfig.load(ROOT, service, environment);

        String plansFile = config.require("dbrefresh.plans-file", env);
        Map<String, String> volumes = volumes(s);
        String source = volumes.entrySet().stream().filter(e -> e.getValue().equals(plansFile)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError(FILE + " " + service + " mounts nothing at "
                        + plansFile + " (dbrefresh.plans-file)"));
        Path plansPath = ROOT.resolve(source).normalize();
        assertTrue(Files.isRegularFile(plansPath), FILE + " " + service + " mounts " + source + ", which is no file");
        JsonNode plans = new ObjectMapper(new YAMLFactory()).readTree(plansPath.toFile());
        assertFalse(PlanCatalog.parse(plans, Path.of(plansFile).getParent()).all().isEmpty(), source + " holds no plan");
        Set<String> secrets = envReferences(plans, false);

        List<String> unread = env.keySet().stream().filter(v -> !config.reads(v) && !secrets.contains(v)).toList();
        assertEquals(List.of(), unread, FILE + " " + service + " sets variables that " + service + " does not read in the "
                + environment + " environment (no placeholder of its application*.yml, no property of its configuration "
                + "or code, no env: secret of " + source + ")");
        List<String> missing = config.requiredVariables().stream().filter(v -> !env.containsKey(v)).toList();
        assertEquals(List.of(), missing, FILE + " " + service + " lacks variables that its application*.yml needs");
        if (service.equals("users-service")) {
            Set<String> passwords = envReferences(plans, true);
            assertFalse(passwords.isEmpty(), source + "'s users name no env: password");
            passwords.forEach(p -> assertTrue(env.containsKey(p), FILE + " users-service does not set " + p
                    + ", the password " + source + " gives a user"));
        }
        env.forEach((name, value) -> {
            Matcher m = ENDPOINT.matcher(value);
            if (m.matches() && !Set.of("localhost", "127.0.0.1").contains(m.group(1))) {
                assertTrue(all.has(m.group(1)), FILE + " " + service + ": " + name + " points at " + m.group(1)
                        + ", which is no service of " + FILE);
            }
        });

        int port = config.port(env);
        assertTrue(containerPorts(s).contains(port), FILE + " " + service + " does not publish its port " + port
                + " (micronaut.server.port); ports " + containerPorts(s));
        assertEquals(List.of(), config.healthEndpointProblems(env));
        JsonNode test = s.path("healthcheck").path("test");
        assertFalse(test.isMissingNode(), FILE + " " + service + " has no healthcheck");
        List<String> words = new ArrayList<>();
        if (test.isArray()) {
            test.forEach(w -> words.add(w.asText()));
        } else {
            words.add(test.asText());
        }
        String command = String.join(" ", words);
        String path = config.healthPath("readiness", env);
        assertTrue(command.contains(path + " ") || command.contains(path + "\"") || command.endsWith(path),
                FILE + " " + service + "'s healthcheck does not ask " + path + ": " + command);
        assertTrue(Pattern.compile("(?<![0-9])" + port + "(?![0-9])").matcher(command).find(),
                FILE + " " + service + "'s healthcheck does not ask port " + port + ": " + command);
    }

    @Test
    void anchorsAliasesAndMergeKeysAreResolved() throws IOException {
        JsonNode n = YamlAnchors.read(String.join("\n", "base: &base {a: 1, b: 2}", "more: &more {c: 3}",
                "one:", "  <<: *base", "  b: 20", "two:", "  <<: [*more, *base]", "  a: 10", "list: [*more]", ""));
        assertEquals("{\"a\":\"1\",\"b\":\"20\"}", n.path("one").toString());
        assertEquals("{\"c\":\"3\",\"a\":\"10\",\"b\":\"2\"}", n.path("two").toString());
        assertEquals("[{\"c\":\"3\"}]", n.path("list").toString());
        assertThrows(IOException.class, () -> YamlAnchors.read("a: *nowhere\n"));
    }

    @Test
    void aVariableTheServiceDoesNotReadIsSeen() throws IOException {
        // the compose file's check, on a service that sets the local stack's datasource where it has none
        JsonNode s = YamlAnchors.read(String.join("\n", "x-env: &env", "  MICRONAUT_ENVIRONMENTS: local",
                "  DBREFRESH_DATASOURCE_URL: jdbc:postgresql://postgres:5432/dbrefresh", "environment:", "  <<: *env",
                "  PORT: \"8084\"", ""));
        Map<String, String> env = environment(s);
        ServiceConfig notifier = ServiceConfig.load(ROOT, "notifier-service", env.get(ServiceConfig.ENVIRONMENTS));
        assertEquals(List.of("DBREFRESH_DATASOURCE_URL"), env.keySet().stream().filter(v -> !notifier.reads(v)).toList());
        assertEquals(8084, notifier.port(env));
    }
}
