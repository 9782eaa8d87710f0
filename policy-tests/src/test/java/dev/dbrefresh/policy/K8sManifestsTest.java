package dev.dbrefresh.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.math.BigDecimal;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests of {@code k8s/} read strictly into the Kubernetes API types ({@link K8sManifests}) and checked
 * against what they deploy: each Deployment's port, probe paths and environment variables against the service's
 * {@code application*.yml} in the environment the Deployment selects ({@link ServiceConfig}); the ServiceAccount's
 * IRSA role, the topic, the queue the ScaledObject watches and the tables against the CloudFormation template
 * {@value InfraTemplate#FILE}; the memory requests and limits against the resident memory measured for the service
 * (the figure in the comment beside them, and docs/aws.md's table).
 */
class K8sManifestsTest {

    private static final Path ROOT = Path.of(System.getProperty("dbrefresh.root", "..")).toAbsolutePath().normalize();

    /** The IRSA annotation of a ServiceAccount (EKS pod identity webhook). */
    static final String ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

    /** How much more than the measured peak resident memory a memory limit must allow. */
    static final double LIMIT_OVER_MEASURED = 1.5;

    /** The figure a Deployment's comment gives, e.g. {@code Measured peak RSS: 271 MiB}. */
    static final Pattern MEASURED = Pattern.compile("Measured peak RSS: (\\d+) MiB");

    /** The resident memory after start that a Deployment's comment gives, e.g. {@code After start: VmRSS 253 MiB}. */
    static final Pattern AFTER_START = Pattern.compile("After start: VmRSS (\\d+) MiB");

    private static final Pattern DOCS_MEMORY_ROW = Pattern.compile(
            "(?m)^\\| `([a-z-]+)` \\| (\\d+) MiB \\| (\\d+) MiB \\| `([0-9A-Za-z]+)` \\| `([0-9A-Za-z]+)` \\|$");

    private static List<K8sManifests.Document> documents() {
        return K8sManifests.load(ROOT);
    }

    private static JsonNode template() throws IOException {
        return InfraTemplateTest.committed().get("Resources");
    }

    private static Container container(Deployment d, String service) {
        List<Container> named = d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(service)).toList();
        assertEquals(1, named.size(), "Deployment " + service + " must have one container named " + service);
        return named.get(0);
    }

    /** The container's variables with a literal value; one taken from elsewhere ({@code valueFrom}) maps to "". */
    private static Map<String, String> env(Container c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (EnvVar v : c.getEnv()) {
            assertTrue(out.put(v.getName(), v.getValue() == null ? "" : v.getValue()) == null,
                    c.getName() + " sets " + v.getName() + " twice");
        }
        return out;
    }

    private static ServiceConfig config(String where, Map<String, String> env, String service) {
        String environment = env.get(ServiceConfig.ENVIRONMENTS);
        assertNotNull(environment, where + " does not set " + ServiceConfig.ENVIRONMENTS);
        return ServiceConfig.load(ROOT, service, environment);
    }

    private static Set<String> templateNames(JsonNode resources, String type, String property) {
        Set<String> out = new TreeSet<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                out.add(e.getValue().path("Properties").path(property).asText());
            }
        });
        return out;
    }

    /** @return the port number a probe or Service names: a number, or the name of one of the container's ports */
    private static int resolve(IntOrString port, Container c, String what) {
        assertNotNull(port, what + " names no port");
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError(what + " names the port " + port.getStrVal()
                        + ", which container " + c.getName() + " does not have"));
    }

    private static void assertProbe(Probe probe, String path, int port, Container c, String what) {
        assertNotNull(probe, c.getName() + " has no " + what);
        HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, c.getName() + "'s " + what + " is no httpGet probe");
        assertEquals(path, get.getPath(), c.getName() + "'s " + what + " path (the service's health endpoint)");
        assertEquals(port, resolve(get.getPort(), c, c.getName() + "'s " + what), c.getName() + "'s " + what
                + " port (micronaut.server.port)");
    }

    @Test
    void everyManifestReadsStrictlyIntoItsKubernetesTypes() {
        List<K8sManifests.Document> docs = documents();
        for (String service : InfraTemplate.SERVICES) {
            List<String> kinds = docs.stream().filter(d -> d.file().equals(K8sManifests.DIR + "/" + service + ".yaml"))
                    .map(d -> d.resource().getKind()).toList();
            assertEquals(List.of("ServiceAccount", "Deployment", "Service", "ScaledObject"), kinds,
                    K8sManifests.DIR + "/" + service + ".yaml's documents");
        }
        assertEquals(1, docs.stream().filter(d -> d.resource().getKind().equals("Namespace")).count(), "namespaces");
    }

    @Test
    void theKustomizationListsEveryManifestAndTheImagesOfTheDeployments() throws IOException {
        JsonNode k = K8sManifests.kustomization(ROOT);
        Set<String> listed = new TreeSet<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = new TreeSet<>();
        try (Stream<Path> list = Files.list(ROOT.resolve(K8sManifests.DIR))) {
            list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                    .filter(n -> !n.startsWith("kustomization.")).forEach(files::add);
        }
        assertEquals(files, listed, "k8s/kustomization.yaml's resources are not the manifests in k8s/");

        String namespace = k.path("namespace").asText();
        Set<String> images = new TreeSet<>();
        k.path("images").forEach(i -> images.add(i.path("name").asText()));
        Set<String> used = new TreeSet<>();
        for (K8sManifests.Document d : documents()) {
            HasMetadata r = d.resource();
            if (!r.getKind().equals("Namespace")) {
                assertEquals(namespace, r.getMetadata().getNamespace(), d.where() + ": namespace");
            } else {
                assertEquals(namespace, r.getMetadata().getName(), d.where() + ": the kustomization's namespace");
            }
            if (r instanceof Deployment dep) {
                dep.getSpec().getTemplate().getSpec().getContainers().forEach(c -> used.add(c.getImage().split(":")[0]));
            }
        }
        assertEquals(used, images, "k8s/kustomization.yaml's images are not those of the Deployments");
    }

    @Test
    void everyReferenceBetweenTheManifestsResolves() {
        List<K8sManifests.Document> docs = documents();
        List<Deployment> deployments = docs.stream().map(K8sManifests.Document::resource)
                .filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        assertEquals(new TreeSet<>(InfraTemplate.SERVICES), new TreeSet<>(deployments.stream()
                .map(d -> d.getMetadata().getName()).toList()), "the Deployments of k8s/ are not the four services");
        for (Deployment d : deployments) {
            String name = d.getMetadata().getName();
            Map<String, String> pod = d.getSpec().getTemplate().getMetadata().getLabels();
            d.getSpec().getSelector().getMatchLabels().forEach((key, value) -> assertEquals(value, pod.get(key),
                    "Deployment " + name + ": the selector's " + key + " is not the pod template's label"));
            PodSpec spec = d.getSpec().getTemplate().getSpec();
            K8sManifests.one(docs, ServiceAccount.class, spec.getServiceAccountName());
            Set<String> volumes = new TreeSet<>();
            for (Volume v : spec.getVolumes()) {
                volumes.add(v.getName());
                if (v.getConfigMap() != null) {
                    K8sManifests.one(docs, ConfigMap.class, v.getConfigMap().getName());
                }
                if (v.getPersistentVolumeClaim() != null) {
                    K8sManifests.one(docs, PersistentVolumeClaim.class, v.getPersistentVolumeClaim().getClaimName());
                }
            }
            for (Container c : spec.getContainers()) {
                for (VolumeMount m : c.getVolumeMounts()) {
                    assertTrue(volumes.contains(m.getName()), "Deployment " + name + " mounts the volume " + m.getName()
                            + ", which its pod does not have");
                }
            }
        }
        for (K8sManifests.Document doc : docs) {
            if (doc.resource() instanceof Service s) {
                Map<String, String> selector = s.getSpec().getSelector();
                List<Deployment> selected = deployments.stream().filter(d -> d.getSpec().getTemplate().getMetadata()
                        .getLabels().entrySet().containsAll(selector.entrySet())).toList();
                assertEquals(1, selected.size(), doc.where() + " selects the pods of " + selected.size()
                        + " Deployments, expected one");
                Container c = selected.get(0).getSpec().getTemplate().getSpec().getContainers().get(0);
                s.getSpec().getPorts().forEach(p -> resolve(p.getTargetPort(), c, doc.where() + "'s targetPort"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theDeploymentsPortProbesAndVariablesAreTheServicesConfiguration(String service) throws IOException {
        List<K8sManifests.Document> docs = documents();
        Deployment d = K8sManifests.one(docs, Deployment.class, service);
        Container c = container(d, service);
        Map<String, String> env = env(c);
        ServiceConfig config = config("Deployment " + service, env, service);
        assertEquals("aws", config.environment(), "Deployment " + service + ": " + ServiceConfig.ENVIRONMENTS
                + " (k8s/ runs the services on EKS)");

        List<String> unread = env.keySet().stream().filter(v -> !config.reads(v)).toList();
        assertEquals(List.of(), unread, "Deployment " + service + " sets variables that " + service
                + " does not read in the aws environment (no placeholder of its application*.yml, no property of its"
                + " configuration or code)");
        List<String> missing = config.requiredVariables().stream().filter(v -> !env.containsKey(v)).toList();
        assertEquals(List.of(), missing, "Deployment " + service + " lacks variables that " + service
                + "'s application*.yml needs (placeholders without a default)");
        assertTrue(env.containsKey("AWS_REGION"), "Deployment " + service + " must set AWS_REGION: the region of the "
                + "topic, queues and tables (the aws configuration's default is us-east-1)");

        int port = config.port(env);
        List<Integer> ports = c.getPorts().stream().map(ContainerPort::getContainerPort).toList();
        assertEquals(List.of(port), ports, "Deployment " + service + ": the container's ports (micronaut.server.port is "
                + port + ")");
        assertEquals(List.of(), config.healthEndpointProblems(env));
        assertProbe(c.getLivenessProbe(), config.healthPath("liveness", env), port, c, "livenessProbe");
        assertProbe(c.getReadinessProbe(), config.healthPath("readiness", env), port, c, "readinessProbe");
        assertProbe(c.getStartupProbe(), config.healthPath("liveness", env), port, c, "startupProbe");
        Service svc = K8sManifests.one(docs, Service.class, service);
        svc.getSpec().getPorts().forEach(p -> assertEquals(port, resolve(p.getTargetPort(), c, "Service " + service),
                "Service " + service + "'s targetPort is not the container's port"));

        JsonNode resources = template();
        String topic = config.require("dbrefresh.messaging.topic-arn", env);
        Set<String> topics = templateNames(resources, "AWS::SNS::Topic", "TopicName");
        assertTrue(topics.stream().anyMatch(t -> topic.equals("arn:aws:sns:REGION:ACCOUNT_ID:" + t)),
                "Deployment " + service + ": the topic " + topic + " is not the template's " + topics);
        String queue = config.require("dbrefresh.messaging.queue", env);
        assertTrue(templateNames(resources, "AWS::SQS::Queue", "QueueName").contains(queue),
                service + "'s queue " + queue + " is not a queue of " + InfraTemplate.FILE);
        Set<String> tables = templateNames(resources, "AWS::DynamoDB::Table", "TableName");
        config.tables(env).forEach((property, table) -> assertTrue(tables.contains(table), "Deployment " + service
                + ": " + property + " is " + table + ", not a table of " + InfraTemplate.FILE + " " + tables));

        String plansFile = config.require("dbrefresh.plans-file", env);
        Path plans = Path.of(plansFile);
        assertTrue(plans.isAbsolute(), "Deployment " + service + ": dbrefresh.plans-file is " + plansFile
                + ", not an absolute path into the plans' ConfigMap");
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> plans.getParent().equals(Path.of(m.getMountPath())))
                .findFirst().orElseThrow(() -> new AssertionError("Deployment " + service + ": nothing is mounted at "
                        + plans.getParent() + ", where dbrefresh.plans-file " + plansFile + " is"));
        Volume volume = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertNotNull(volume.getConfigMap(), "Deployment " + service + ": the plans file's volume is no ConfigMap");
        ConfigMap plansMap = K8sManifests.one(docs, ConfigMap.class, volume.getConfigMap().getName());
        assertTrue(plansMap.getData().containsKey(plans.getFileName().toString()), "ConfigMap "
                + plansMap.getMetadata().getName() + " has no key " + plans.getFileName() + " (dbrefresh.plans-file)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theServiceAccountIsAnnotatedWithTheTemplatesRoleThatTrustsIt(String service) throws IOException {
        List<K8sManifests.Document> docs = documents();
        Deployment d = K8sManifests.one(docs, Deployment.class, service);
        ServiceAccount sa = K8sManifests.one(docs, ServiceAccount.class, d.getSpec().getTemplate().getSpec()
                .getServiceAccountName());
        String subject = "system:serviceaccount:" + sa.getMetadata().getNamespace() + ":" + sa.getMetadata().getName();
        List<String> trusting = new ArrayList<>();
        template().fields().forEachRemaining(e -> {
            JsonNode r = e.getValue();
            if (r.path("Type").asText().equals("AWS::IAM::Role")
                    && r.path("Properties").path("AssumeRolePolicyDocument").toString().contains("\\\"" + subject + "\\\"")) {
                trusting.add(r.path("Properties").path("RoleName").asText());
            }
        });
        assertEquals(1, trusting.size(), InfraTemplate.FILE + " must have one role whose trust policy names " + subject
                + ", found " + trusting);
        assertEquals("arn:aws:iam::ACCOUNT_ID:role/" + trusting.get(0), sa.getMetadata().getAnnotations()
                .get(ROLE_ANNOTATION), "ServiceAccount " + sa.getMetadata().getName() + "'s " + ROLE_ANNOTATION
                + " is not the role of " + InfraTemplate.FILE + " that trusts it");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theScaledObjectScalesTheDeploymentOnTheServicesQueue(String service) throws IOException {
        List<K8sManifests.Document> docs = documents();
        Deployment d = K8sManifests.one(docs, Deployment.class, service);
        Map<String, String> env = env(container(d, service));
        ServiceConfig config = config("Deployment " + service, env, service);
        JsonNode spec = K8sManifests.scaledObject(docs, service).tree().path("spec");
        assertEquals(service, spec.path("scaleTargetRef").path("name").asText(), "ScaledObject " + service
                + " scales another Deployment");
        assertEquals(1, spec.path("triggers").size(), "ScaledObject " + service + ": one trigger");
        JsonNode trigger = spec.path("triggers").get(0);
        assertEquals("aws-sqs-queue", trigger.path("type").asText());
        String queue = config.require("dbrefresh.messaging.queue", env);
        assertEquals("https://sqs.REGION.amazonaws.com/ACCOUNT_ID/" + queue, trigger.path("metadata").path("queueURL")
                .asText(), "ScaledObject " + service + " watches another queue than " + service + "'s " + queue);
        assertTrue(templateNames(template(), "AWS::SQS::Queue", "QueueName").contains(queue), queue);
        assertEquals(env.get("AWS_REGION"), trigger.path("metadata").path("awsRegion").asText(),
                "ScaledObject " + service + "'s awsRegion is not the Deployment's AWS_REGION");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snapshot-service", "cluster-service", "users-service", "notifier-service"})
    void theMemoryRequestAndLimitFollowTheMeasuredResidentMemory(String service) throws IOException {
        List<K8sManifests.Document> docs = documents();
        K8sManifests.Document doc = docs.stream().filter(x -> x.resource() instanceof Deployment
                && x.resource().getMetadata().getName().equals(service)).findFirst().orElseThrow();
        Matcher m = MEASURED.matcher(doc.text());
        assertTrue(m.find(), doc.where() + " has no comment \"Measured peak RSS: <n> MiB\" beside its resources");
        String mib = m.group(1);
        long measured = Long.parseLong(mib) * 1024 * 1024;
        assertFalse(m.find(), doc.where() + " gives more than one measured figure");

        Container c = container((Deployment) doc.resource(), service);
        Map<String, Quantity> requests = c.getResources().getRequests();
        Map<String, Quantity> limits = c.getResources().getLimits();
        assertNotNull(requests.get("cpu"), doc.where() + " requests no cpu");
        Quantity request = requests.get("memory");
        Quantity limit = limits.get("memory");
        assertNotNull(request, doc.where() + " requests no memory");
        assertNotNull(limit, doc.where() + " sets no memory limit");
        BigDecimal req = request.getNumericalAmount();
        BigDecimal lim = limit.getNumericalAmount();
        assertTrue(req.compareTo(BigDecimal.valueOf(measured)) >= 0, doc.where() + ": the memory request " + request
                + " is below the measured peak RSS " + mib + " MiB");
        assertTrue(lim.compareTo(BigDecimal.valueOf(measured * LIMIT_OVER_MEASURED)) >= 0, doc.where()
                + ": the memory limit " + limit + " is below " + LIMIT_OVER_MEASURED + " x the measured peak RSS "
                + mib + " MiB");
        assertTrue(lim.compareTo(req) >= 0, doc.where() + ": the memory limit is below the request");

        String aws = Files.readString(ROOT.resolve("docs/aws.md"));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        Matcher row = DOCS_MEMORY_ROW.matcher(aws);
        while (row.find()) {
            rows.put(row.group(1), List.of(row.group(2), row.group(3), row.group(4), row.group(5)));
        }
        Matcher start = AFTER_START.matcher(doc.text());
        assertTrue(start.find(), doc.where() + " has no comment \"After start: VmRSS <n> MiB\" beside its resources");
        assertTrue(Long.parseLong(start.group(1)) <= Long.parseLong(mib), doc.where() + ": the figure after start is "
                + "above the peak");
        assertEquals(List.of(start.group(1), mib, request.toString(), limit.toString()), rows.get(service),
                "docs/aws.md's memory table row for " + service + " (after start and peak in MiB, request, limit) is not "
                        + doc.where() + "'s");
    }

    @Test
    void thePlansOfTheConfigMapAreValidPlans() throws IOException {
        ConfigMap plans = K8sManifests.one(documents(), ConfigMap.class, "dbrefresh-plans");
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(plans.getData().get("plans.yml"));
        PlanCatalog catalog = PlanCatalog.parse(root, Path.of("/etc/dbrefresh"));
        assertFalse(catalog.all().isEmpty(), "ConfigMap dbrefresh-plans holds no plan");
    }

    @Test
    void theStrictReaderRejectsAnUnknownFieldAWrongTypeAndAnUnknownKind() {
        String deployment = String.join("\n", "apiVersion: apps/v1", "kind: Deployment", "metadata: {name: x}",
                "spec:", "  replicas: 1", "  template:", "    spec:", "      containers:", "        - name: x",
                "          image: x:1", "");
        assertEquals("x", K8sManifests.parse("ok.yaml", deployment).get(0).resource().getMetadata().getName());
        IllegalStateException typo = assertThrows(IllegalStateException.class,
                () -> K8sManifests.parse("typo.yaml", deployment.replace("image:", "imagee:")));
        assertTrue(typo.getMessage().contains("imagee") && typo.getMessage()
                .contains("spec.template.spec.containers[0].imagee"), typo.getMessage());
        assertThrows(IllegalStateException.class,
                () -> K8sManifests.parse("type.yaml", deployment.replace("replicas: 1", "replicas: one")));
        assertThrows(IllegalStateException.class,
                () -> K8sManifests.parse("kind.yaml", deployment.replace("kind: Deployment", "kind: Deploymnt")));
        assertThrows(IllegalStateException.class, () -> K8sManifests.parse("meta.yaml",
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x, anotations: {a: b}}\n"));
        String scaled = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\n"
                + "spec:\n  scaleTargetRef: {name: x}\n  triggers:\n    - type: aws-sqs-queue\n"
                + "      metadata: {queueURL: q, awsRegion: r}\n";
        assertEquals(1, K8sManifests.parse("scaled.yaml", scaled).size());
        assertThrows(IllegalStateException.class,
                () -> K8sManifests.parse("scaled.yaml", scaled.replace("scaleTargetRef", "scaleTarget")));
        assertThrows(IllegalStateException.class,
                () -> K8sManifests.parse("scaled.yaml", scaled.replace("queueURL", "queueUrl")));
    }

    @Test
    void theServiceConfigurationSeesWhatTheYamlAndTheCodeRead() {
        ServiceConfig aws = ServiceConfig.load(ROOT, "cluster-service", "aws");
        assertTrue(aws.reads("PORT") && aws.reads("AWS_REGION") && aws.reads("DBREFRESH_TOPIC_ARN"));
        // a property of the YAML and one the code reads with @Value, set through Micronaut's variable mapping
        assertTrue(aws.reads("DBREFRESH_PARAMETERS_BACKEND") && aws.reads("DBREFRESH_TABLES_AUDIT"));
        assertFalse(aws.reads("DBREFRESH_DATASOURCE_URL") || aws.reads("DBREFRESH_TOPIC"),
                "the aws environment has no datasource, and no property dbrefresh.topic");
        assertEquals(Set.of("DBREFRESH_TOPIC_ARN"), aws.requiredVariables());
        assertEquals(8082, aws.port(Map.of()));
        assertEquals(9000, aws.port(Map.of("PORT", "9000")));
        assertEquals(9001, aws.port(Map.of("MICRONAUT_SERVER_PORT", "9001")));
        assertEquals("/health/readiness", aws.healthPath("readiness", Map.of()));
        assertEquals("/api/health/liveness", aws.healthPath("liveness", Map.of("MICRONAUT_SERVER_CONTEXT_PATH", "/api")));
        assertEquals("dbrefresh-audit", aws.tables(Map.of()).get("dbrefresh.tables.audit"));
        assertEquals("other", aws.tables(Map.of("DBREFRESH_TABLES_AUDIT", "other")).get("dbrefresh.tables.audit"));
        assertTrue(ServiceConfig.load(ROOT, "cluster-service", "local").reads("DBREFRESH_DATASOURCE_URL"));
        assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(ROOT, "cluster-service", "prod"));
        assertEquals("dbrefresh-cluster", aws.require("dbrefresh.messaging.queue", Map.of()));
    }
}
