package dev.dbrefresh.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micronaut.core.util.EnvironmentProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One service's configuration as Micronaut resolves it in one environment, read from the sources (nothing is
 * started): {@code <service>/src/main/resources/application.yml} overlaid by {@code application-<environment>.yml},
 * and the properties the code of the service module and of the shared modules reads ({@code @Value("${p:default}")},
 * {@code @Requires(property = "p")}, the prefix of {@code @ConfigurationProperties}).
 *
 * <p>An environment variable reaches the service when the YAML names it in a placeholder ({@code ${PORT:8082}}),
 * when it is {@value #ENVIRONMENTS}, or when one of the property names Micronaut derives from it
 * ({@link EnvironmentProperties}: {@code AWS_ACCESS_KEY_ID} sets {@code aws.access-key-id}, among others) is a
 * property of the YAML or of the code, or when the logging configuration names it ({@code ${DBREFRESH_LOG_FORMAT:-TEXT}}
 * in the service's logback.xml or a shared module's logback file). Environment variables override the YAML files, as
 * in Micronaut.
 */
final class ServiceConfig {

    /** The variable Micronaut reads its active environments from. */
    static final String ENVIRONMENTS = "MICRONAUT_ENVIRONMENTS";

    /** The modules whose code ships in every service jar besides the service module. */
    static final List<String> SHARED_MODULES = List.of("service-runtime", "shared-contracts");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    private static final Pattern VALUE = Pattern.compile("@Value\\(\"\\$\\{([a-z][a-z0-9.-]*)(?::([^}\"]*))?}\"\\)");
    private static final Pattern REQUIRES = Pattern.compile("@Requires\\([^)]*property\\s*=\\s*\"([a-z][a-z0-9.-]*)\"");
    private static final Pattern CONFIGURATION = Pattern.compile("@ConfigurationProperties\\(\"([a-z][a-z0-9.-]*)\"\\)");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final EnvironmentProperties ENV_NAMES = EnvironmentProperties.empty();

    private final String service;
    private final String environment;
    private final Map<String, String> yaml;
    private final Map<String, String> placeholders;
    private final Map<String, String> codeDefaults;
    private final Set<String> codePrefixes;
    private final Set<String> loggingVariables;

    private ServiceConfig(String service, String environment, Map<String, String> yaml, Map<String, String> placeholders,
            Map<String, String> codeDefaults, Set<String> codePrefixes, Set<String> loggingVariables) {
        this.loggingVariables = loggingVariables;
        this.service = service;
        this.environment = environment;
        this.yaml = yaml;
        this.placeholders = placeholders;
        this.codeDefaults = codeDefaults;
        this.codePrefixes = codePrefixes;
    }

    /**
     * @param root        the repository root
     * @param service     the service module, e.g. {@code cluster-service}
     * @param environment the Micronaut environment, e.g. {@code aws}
     * @return the service's configuration in that environment
     * @throws IllegalArgumentException when the service has no {@code application-<environment>.yml}
     */
    static ServiceConfig load(Path root, String service, String environment) {
        Path resources = root.resolve(service).resolve("src/main/resources");
        Path overlay = resources.resolve("application-" + environment + ".yml");
        if (!Files.isRegularFile(overlay)) {
            throw new IllegalArgumentException(service + " has no " + root.relativize(overlay) + ": "
                    + ENVIRONMENTS + "=" + environment + " selects no configuration of its own");
        }
        Map<String, String> yaml = new TreeMap<>();
        Map<String, String> placeholders = new TreeMap<>();
        for (Path file : List.of(resources.resolve("application.yml"), overlay)) {
            String text = read(file);
            try {
                flatten("", YAML.readTree(text), yaml);
            } catch (IOException e) {
                throw new UncheckedIOException(file + " does not parse as YAML", e);
            }
            Matcher m = PLACEHOLDER.matcher(text);
            while (m.find()) {
                placeholders.merge(m.group(1), m.group(2) == null ? "" : "default",
                        (a, b) -> a.isEmpty() || b.isEmpty() ? "" : a);
            }
        }
        Map<String, String> codeDefaults = new TreeMap<>();
        Set<String> prefixes = new TreeSet<>();
        for (String module : Stream.concat(Stream.of(service), SHARED_MODULES.stream()).toList()) {
            for (String source : sources(root.resolve(module).resolve("src/main/java"))) {
                Matcher v = VALUE.matcher(source);
                while (v.find()) {
                    codeDefaults.merge(v.group(1), v.group(2) == null ? "" : v.group(2), (a, b) -> a.isEmpty() ? b : a);
                }
                Matcher r = REQUIRES.matcher(source);
                while (r.find()) {
                    codeDefaults.putIfAbsent(r.group(1), "");
                }
                Matcher c = CONFIGURATION.matcher(source);
                while (c.find()) {
                    prefixes.add(c.group(1));
                }
            }
        }
        // Logback reads variables of its own (${VAR:-default}) when the service starts: its logback.xml and the
        // logback files of the shared modules that it includes (service-runtime's dbrefresh-logback.xml).
        Set<String> logging = new TreeSet<>();
        List<Path> logbackFiles = new java.util.ArrayList<>(List.of(resources.resolve("logback.xml")));
        for (String module : SHARED_MODULES) {
            Path shared = root.resolve(module).resolve("src/main/resources");
            if (Files.isDirectory(shared)) {
                try (Stream<Path> files = Files.list(shared)) {
                    files.filter(f -> f.getFileName().toString().contains("logback")).forEach(logbackFiles::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        for (Path file : logbackFiles) {
            if (Files.isRegularFile(file)) {
                Matcher m = PLACEHOLDER.matcher(read(file));
                while (m.find()) {
                    logging.add(m.group(1));
                }
            }
        }
        return new ServiceConfig(service, environment, yaml, placeholders, codeDefaults, prefixes, logging);
    }

    /** @return the service module's name */
    String service() {
        return service;
    }

    /** @return the Micronaut environment this configuration is for */
    String environment() {
        return environment;
    }

    /** @return the environment variables the YAML files name in placeholders */
    Set<String> placeholderVariables() {
        return placeholders.keySet();
    }

    /** @return the placeholder variables without a default: the service does not start without them */
    Set<String> requiredVariables() {
        Set<String> out = new TreeSet<>();
        placeholders.forEach((name, fallback) -> {
            if (fallback.isEmpty()) {
                out.add(name);
            }
        });
        return out;
    }

    /**
     * @param variable an environment variable's name
     * @return whether setting it changes anything in this service (see the class comment)
     */
    boolean reads(String variable) {
        return variable.equals(ENVIRONMENTS) || placeholders.containsKey(variable) || loggingVariables.contains(variable)
                || ENV_NAMES.findPropertyNamesForEnvironmentVariable(variable).stream().anyMatch(this::isProperty);
    }

    private boolean isProperty(String property) {
        return yaml.containsKey(property) || codeDefaults.containsKey(property)
                || codePrefixes.stream().anyMatch(p -> property.startsWith(p + "."));
    }

    /**
     * A property's value with the given environment: a variable that sets the property, else the YAML's value (the
     * environment's file over application.yml) with its placeholders resolved, else the code's default.
     *
     * @param property a property, e.g. {@code micronaut.server.port}
     * @param env      the service's environment variables
     * @return the value; empty when nothing sets it
     */
    Optional<String> value(String property, Map<String, String> env) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (ENV_NAMES.findPropertyNamesForEnvironmentVariable(e.getKey()).contains(property)) {
                return Optional.of(e.getValue());
            }
        }
        String raw = yaml.get(property);
        if (raw == null) {
            String fallback = codeDefaults.get(property);
            return fallback == null || fallback.isEmpty() ? Optional.empty() : Optional.of(fallback);
        }
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null && m.group(2) == null) {
                return Optional.empty();
            }
            if (value == null) {
                value = m.group(2).replaceAll("^`|`$", "");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return Optional.of(out.toString());
    }

    /**
     * @param property a property that must be set
     * @param env      the service's environment variables
     * @return its value
     * @throws IllegalStateException when nothing sets it
     */
    String require(String property, Map<String, String> env) {
        return value(property, env).orElseThrow(() -> new IllegalStateException(service + " (" + environment
                + "): nothing sets " + property + " with the environment " + env.keySet()));
    }

    /**
     * @param env the service's environment variables
     * @return the HTTP port ({@code micronaut.server.port}; Micronaut's default 8080 when unset)
     */
    int port(Map<String, String> env) {
        return Integer.parseInt(value("micronaut.server.port", env).orElse("8080"));
    }

    /**
     * The path of a health endpoint: Micronaut's {@code micronaut.server.context-path}, {@code endpoints.all.path}
     * (default {@code /}) and the health endpoint's id {@code health}, then {@code /liveness} or {@code /readiness}.
     *
     * @param probe {@code liveness} or {@code readiness}
     * @param env   the service's environment variables
     * @return e.g. {@code /health/readiness}
     */
    String healthPath(String probe, Map<String, String> env) {
        String context = value("micronaut.server.context-path", env).orElse("").replaceAll("/+$", "");
        String base = value("endpoints.all.path", env).orElse("/");
        return context + (base.endsWith("/") ? base : base + "/") + "health/" + probe;
    }

    /**
     * @param env the service's environment variables
     * @return why an unauthenticated probe cannot read the health endpoint; empty when it can
     */
    List<String> healthEndpointProblems(Map<String, String> env) {
        List<String> out = new java.util.ArrayList<>();
        if (!value("endpoints.health.enabled", env).orElse("true").equals("true")) {
            out.add(service + ": endpoints.health.enabled is not true");
        }
        if (!value("endpoints.health.sensitive", env).orElse("false").equals("false")) {
            out.add(service + ": endpoints.health.sensitive is not false (a probe has no credentials)");
        }
        return out;
    }

    /**
     * @param env the service's environment variables
     * @return the DynamoDB tables the code uses ({@code dbrefresh.tables.<x>}), by property
     */
    Map<String, String> tables(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        codeDefaults.keySet().stream().filter(p -> p.startsWith("dbrefresh.tables."))
                .forEach(p -> out.put(p, require(p, env)));
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else if (node.isArray()) {
            out.put(prefix, node.toString());
        } else if (!prefix.isEmpty()) {
            out.put(prefix, node.asText());
        }
    }

    private static List<String> sources(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().map(ServiceConfig::read).toList();
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
