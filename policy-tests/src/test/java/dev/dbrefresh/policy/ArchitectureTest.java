package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.dbrefresh.testsupport.SourceText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The module layout of docs/architecture.md, checked on the compiled main classes ({@code <module>/target/classes},
 * built by {@code -am}) with ArchUnit and on the poms and sources:
 * <ul>
 *   <li>the services and the platform (service-runtime, engine-api, shared-contracts) use no engine's code: no
 *       RDS/DocumentDB/KMS/EC2 SDK, no MongoDB or MySQL driver, no in-process emulator, no DynamoDB control-plane
 *       call (backups, restores, table deletes and tags), no engine module's classes, and no {@code pg_dump} or
 *       {@code pg_restore} command in their code;</li>
 *   <li>a module depends on an engine module only where it hosts it: it consumes a step SPI that engine implements,
 *       or uses the engine's classes;</li>
 *   <li>only the messaging layer's {@code EventPublisher} calls SNS Publish;</li>
 *   <li>the platform holds at most a third of all main code (the test-only module test-support not counted);</li>
 *   <li>every container test ({@code @ContainerTest}, compiled test classes) shares an abstract behaviour class with a
 *       subclass that runs here, or says with {@code @RequiresRealServer} why none can;</li>
 *   <li>test-support is a test-scope dependency only, and uses no dbrefresh module (so any module may use it).</li>
 * </ul>
 */
class ArchitectureTest {

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();

    /** The modules that hold no engine code: the four services and the platform. */
    static final List<String> ENGINE_FREE = List.of("snapshot-service", "cluster-service", "users-service",
            "notifier-service", "service-runtime", "engine-api", "shared-contracts");

    /** Modules whose main code exists for the tests of others: depended on at test scope only. */
    static final Set<String> TEST_ONLY = Set.of("test-support");

    /** Packages only engine modules (and the local stack, for its emulators) may use. */
    static final List<String> ENGINE_PACKAGES = List.of("software.amazon.awssdk.services.rds",
            "software.amazon.awssdk.services.docdb", "software.amazon.awssdk.services.kms",
            "software.amazon.awssdk.services.ec2", "software.amazon.awssdk.services.backup", "com.mongodb", "org.bson",
            "com.mysql", "org.elasticmq", "com.amazonaws.services.dynamodbv2", "dev.dbrefresh.engine.postgres",
            "dev.dbrefresh.engine.rds", "dev.dbrefresh.engine.dynamodb", "dev.dbrefresh.engine.mongodb",
            "dev.dbrefresh.local");

    /**
     * DynamoDB's control plane as the dynamodb engine uses it (DynamoDB API reference: CreateBackup,
     * RestoreTableFromBackup, ...); the platform's data-plane calls (GetItem, PutItem, UpdateItem, Query, Scan) and
     * the health check's DescribeTable are not in it.
     */
    static final Set<String> DYNAMODB_CONTROL_PLANE = Set.of("createBackup", "deleteBackup", "describeBackup",
            "listBackups", "restoreTableFromBackup", "restoreTableToPointInTime", "describeContinuousBackups",
            "updateContinuousBackups", "deleteTable", "tagResource", "untagResource", "listTagsOfResource",
            "updateTimeToLive", "describeTimeToLive", "updateTable");

    private static final Map<String, JavaClasses> IMPORTED = new java.util.concurrent.ConcurrentHashMap<>();

    static JavaClasses classes(String module) {
        return IMPORTED.computeIfAbsent(module, m -> {
            Path dir = ROOT.resolve(m).resolve("target/classes");
            assertTrue(Files.isDirectory(dir), dir + " is missing: build with -am");
            return new ClassFileImporter().importPath(dir);
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service",
            "service-runtime", "engine-api", "shared-contracts"})
    void servicesAndPlatformUseNoEngineCode(String module) {
        List<String> violations = new ArrayList<>();
        for (JavaClass c : classes(module)) {
            c.getDirectDependenciesFromSelf().forEach(d -> {
                String target = d.getTargetClass().getName();
                if (ENGINE_PACKAGES.stream().anyMatch(p -> target.startsWith(p + "."))) {
                    violations.add(c.getName() + " -> " + target);
                }
            });
            for (JavaMethodCall call : c.getMethodCallsFromSelf()) {
                if (call.getTargetOwner().getName().equals("software.amazon.awssdk.services.dynamodb.DynamoDbClient")
                        && DYNAMODB_CONTROL_PLANE.contains(call.getName())) {
                    violations.add(c.getName() + " calls DynamoDbClient." + call.getName());
                }
            }
        }
        assertTrue(violations.isEmpty(), module + " uses engine code; move it into its engine module:\n  "
                + String.join("\n  ", new TreeSet<>(violations)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service",
            "service-runtime", "engine-api", "shared-contracts"})
    void servicesAndPlatformRunNoPostgresClientTool(String module) throws IOException {
        Pattern tool = Pattern.compile("\"[^\"\\n]*\\bpg_(dump|restore|dumpall)\\b");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String code = SourceText.withoutComments(Files.readString(f));
                Matcher m = tool.matcher(code);
                while (m.find()) {
                    found.add(ROOT.relativize(f) + ": " + m.group());
                }
            }
        }
        assertTrue(found.isEmpty(), module + " runs PostgreSQL client tools; that is engine-postgres' job:\n  "
                + String.join("\n  ", found));
    }

    @Test
    void onlyTheMessagingLayerPublishesToSns() {
        List<String> callers = new ArrayList<>();
        for (String module : modules()) {
            for (JavaClass c : classes(module)) {
                for (JavaMethodCall call : c.getMethodCallsFromSelf()) {
                    if (call.getTargetOwner().getName().equals("software.amazon.awssdk.services.sns.SnsClient")
                            && call.getName().startsWith("publish")
                            && !c.getName().startsWith("dev.dbrefresh.runtime.messaging.EventPublisher")) {
                        callers.add(module + ": " + c.getName());
                    }
                }
            }
        }
        assertTrue(callers.isEmpty(), "SNS Publish outside EventPublisher.publishToTopic: " + callers);
    }

    @Test
    void aModuleDependsOnAnEngineOnlyWhereItHostsIt() {
        Map<String, Set<String>> unjustified = new TreeMap<>();
        for (String module : modules()) {
            for (String engine : directEngineDependencies(module)) {
                JavaClasses mine = classes(module);
                Set<String> consumed = consumedSpis(module);
                JavaClasses theirs = classes(engine);
                Set<String> engineClasses = new TreeSet<>();
                theirs.forEach(c -> engineClasses.add(c.getName()));
                boolean usesItsClasses = mine.stream().anyMatch(c -> c.getDirectDependenciesFromSelf().stream()
                        .anyMatch(d -> engineClasses.contains(d.getTargetClass().getName())));
                boolean implementsWhatItConsumes = theirs.stream().anyMatch(c -> c.getAllRawInterfaces().stream()
                        .anyMatch(i -> consumed.contains(i.getName())));
                if (!usesItsClasses && !implementsWhatItConsumes) {
                    unjustified.computeIfAbsent(module, k -> new TreeSet<>()).add(engine);
                }
            }
        }
        assertTrue(unjustified.isEmpty(), "modules that depend on an engine they neither host nor use: " + unjustified);
    }

    /**
     * Maven's nearest-wins mediation: a service that declares at test scope an artifact one of its engine modules
     * needs at compile scope takes it out of the service's jar (its tests pass, the jar fails with
     * {@code NoClassDefFoundError}, as {@code kms} did in snapshot-service).
     */
    @Test
    void noServiceDemotesWhatItsEnginesNeedToTestScope() throws IOException {
        Pattern dep = Pattern.compile("<dependency>\\s*(?:<!--.*?-->\\s*)?<groupId>([\\w.-]+)</groupId>\\s*"
                + "<artifactId>([\\w.-]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL);
        Map<String, Set<String>> demoted = new TreeMap<>();
        for (String module : modules()) {
            Set<String> testScoped = new TreeSet<>();
            Matcher m = dep.matcher(Files.readString(ROOT.resolve(module).resolve("pom.xml")));
            while (m.find()) {
                if (m.group(3).contains("<scope>test</scope>") && !m.group(3).contains("<type>")) {
                    testScoped.add(m.group(1) + ":" + m.group(2));
                }
            }
            for (String engine : directEngineDependencies(module)) {
                Matcher e = dep.matcher(Files.readString(ROOT.resolve(engine).resolve("pom.xml")));
                while (e.find()) {
                    String ga = e.group(1) + ":" + e.group(2);
                    if (!e.group(3).contains("<scope>") && testScoped.contains(ga)) {
                        demoted.computeIfAbsent(module, k -> new TreeSet<>()).add(ga + " (needed by " + engine + ")");
                    }
                }
            }
        }
        assertTrue(demoted.isEmpty(), "test-scoped dependencies that take an engine's runtime dependency out of the"
                + " jar; remove them (the engine brings them): " + demoted);
    }

    @Test
    void thePlatformHoldsAtMostAThirdOfMainCode() throws IOException {
        long platform = 0;
        long all = 0;
        Map<String, Long> byModule = new TreeMap<>();
        for (String module : modules()) {
            if (TEST_ONLY.contains(module)) {
                continue;
            }
            long lines = mainLines(module);
            byModule.put(module, lines);
            all += lines;
            if (module.equals("service-runtime") || module.equals("engine-api")) {
                platform += lines;
            }
        }
        assertTrue(platform * 3 <= all, "the platform (service-runtime, engine-api) holds " + platform + " of " + all
                + " main lines, more than a third: " + byModule);
    }

    /**
     * test-support brings Testcontainers and test helpers: at compile scope it would ship in a service's jar. It
     * names no dbrefresh module, so shared-contracts (built first) can use it too.
     */
    @Test
    void testSupportIsATestScopeDependencyOfOtherModulesOnly() throws IOException {
        Pattern dep = Pattern.compile("<dependency>\\s*(?:<!--.*?-->\\s*)?<groupId>dev\\.dbrefresh</groupId>\\s*"
                + "<artifactId>([\\w-]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL);
        Map<String, String> wrong = new TreeMap<>();
        List<String> users = new ArrayList<>();
        for (String module : modules()) {
            Matcher m = dep.matcher(Files.readString(ROOT.resolve(module).resolve("pom.xml")));
            while (m.find()) {
                if (TEST_ONLY.contains(module)) {
                    wrong.put(module, "depends on " + m.group(1));
                } else if (TEST_ONLY.contains(m.group(1))) {
                    users.add(module);
                    if (!m.group(2).contains("<scope>test</scope>")) {
                        wrong.put(module, "names " + m.group(1) + " outside test scope");
                    }
                }
            }
        }
        assertTrue(users.contains("shared-contracts") && users.contains("engine-mongodb"), "users of test-support: " + users);
        assertTrue(wrong.isEmpty(), "test-support must be a test-scope leaf: " + wrong);
    }

    @Test
    void everyContainerTestHasATwinThatRunsHere_orSaysWhyNot() {
        String container = "dev.dbrefresh.testsupport.ContainerTest";
        List<String> found = new ArrayList<>();
        List<String> alone = new ArrayList<>();
        for (String module : modules()) {
            Path dir = ROOT.resolve(module).resolve("target/test-classes");
            if (!Files.isDirectory(dir)) {
                continue;
            }
            JavaClasses tests = new ClassFileImporter().importPath(dir);
            for (JavaClass c : tests) {
                if (!c.isAnnotatedWith(container) || c.getModifiers().contains(
                        com.tngtech.archunit.core.domain.JavaModifier.ABSTRACT) || c.isNestedClass()) {
                    continue;
                }
                found.add(module + ": " + c.getSimpleName());
                JavaClass behaviour = c.getRawSuperclass().orElse(null);
                boolean twin = behaviour != null && behaviour.getModifiers().contains(
                        com.tngtech.archunit.core.domain.JavaModifier.ABSTRACT) && tests.stream().anyMatch(o ->
                        o != c && o.getRawSuperclass().map(behaviour::equals).orElse(false) && !o.isAnnotatedWith(container));
                if (!twin && !c.isAnnotatedWith("dev.dbrefresh.testsupport.RequiresRealServer")) {
                    alone.add(module + ": " + c.getName());
                }
            }
        }
        assertTrue(found.size() >= 4, "container tests found (build the engines' tests with -am): " + found);
        assertTrue(alone.isEmpty(), "container tests with no subclass of their behaviour class that runs here, and no"
                + " @RequiresRealServer reason: " + alone);
    }

    /** The step SPIs of engine-api that a module's own classes use (a {@code *Step} taking a list of them). */
    private static Set<String> consumedSpis(String module) {
        Set<String> spis = new TreeSet<>();
        classes(module).forEach(c -> c.getDirectDependenciesFromSelf().forEach(d -> {
            JavaClass t = d.getTargetClass();
            if (t.getPackageName().equals("dev.dbrefresh.engine.spi")) { // engine-api is not imported: a stub class
                spis.add(t.getName());
            }
        }));
        return spis;
    }

    /** @return the reactor's modules with main code, from the root pom */
    static List<String> modules() {
        try {
            Matcher m = Pattern.compile("<module>([\\w-]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
            List<String> modules = new ArrayList<>();
            while (m.find()) {
                if (Files.isDirectory(ROOT.resolve(m.group(1)).resolve("src/main/java"))) {
                    modules.add(m.group(1));
                }
            }
            return modules;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the engine modules a module's pom names at compile scope */
    static Set<String> directEngineDependencies(String module) {
        try {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            Matcher m = Pattern.compile("<dependency>\\s*(?:<!--.*?-->\\s*)?<groupId>dev\\.dbrefresh</groupId>\\s*"
                    + "<artifactId>(engine-(?!api)[\\w-]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL).matcher(pom);
            Set<String> engines = new TreeSet<>();
            while (m.find()) {
                if (!m.group(2).contains("<scope>")) {
                    engines.add(m.group(1));
                }
            }
            return engines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long mainLines(String module) throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            long lines = 0;
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                lines += Files.readAllLines(f).size();
            }
            return lines;
        }
    }
}
