package dev.dbrefresh.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The manifests of {@code k8s/}: every resource file the kustomization lists, each YAML document read into its
 * Kubernetes API type (fabric8's kubernetes-model, the types of the Kubernetes OpenAPI schema) strictly: a field
 * the type does not have, a value of the wrong type or a kind the model does not know fails instead of landing in
 * the model's {@code additionalProperties}, which is where fabric8 puts them otherwise (its types carry a
 * {@code @JsonAnySetter}, so {@code FAIL_ON_UNKNOWN_PROPERTIES} alone would not fail).
 *
 * <p>The one kind that is no Kubernetes API type, KEDA's {@code ScaledObject}, is checked against the fields of
 * KEDA's v2 documentation ({@link #SCALED_OBJECT_FIELDS}, {@link #SQS_TRIGGER_METADATA}).
 */
final class K8sManifests {

    /** The directory, relative to the repository root. */
    static final String DIR = "k8s";

    /** KEDA's ScaledObject: apiVersion and kind, the one custom resource the manifests may hold. */
    static final String SCALED_OBJECT = "keda.sh/v1alpha1/ScaledObject";

    /**
     * The fields of a ScaledObject (keda.sh/docs/latest/reference/scaledobject-spec), by path below
     * {@code spec}; a path ending in {@code .*} takes any fields (the HPA behavior, a trigger's auth reference).
     */
    static final Set<String> SCALED_OBJECT_FIELDS = Set.of("scaleTargetRef", "scaleTargetRef.name",
            "scaleTargetRef.apiVersion", "scaleTargetRef.kind", "scaleTargetRef.envSourceContainerName",
            "pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount",
            "maxReplicaCount", "fallback", "fallback.*", "advanced", "advanced.restoreToOriginalReplicaCount",
            "advanced.horizontalPodAutoscalerConfig", "advanced.horizontalPodAutoscalerConfig.name",
            "advanced.horizontalPodAutoscalerConfig.behavior", "advanced.horizontalPodAutoscalerConfig.behavior.*",
            "advanced.scalingModifiers", "advanced.scalingModifiers.*", "triggers", "triggers.type",
            "triggers.name", "triggers.metadata", "triggers.useCachedMetrics", "triggers.metricType",
            "triggers.authenticationRef", "triggers.authenticationRef.*");

    /** The metadata of KEDA's {@code aws-sqs-queue} trigger (keda.sh/docs/latest/scalers/aws-sqs). */
    static final Set<String> SQS_TRIGGER_METADATA = Set.of("queueURL", "queueURLFromEnv", "queueLength",
            "activationQueueLength", "awsRegion", "awsEndpoint", "identityOwner", "scaleOnInFlight", "scaleOnDelayed");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper STRICT = strictMapper();
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---[ \\t]*$");

    /**
     * One document of a manifest file.
     *
     * @param file     the file, relative to the repository root
     * @param index    the document's position in the file, from 0
     * @param text     the document's text, with its comments
     * @param tree     the document as YAML read it
     * @param resource the document as its Kubernetes type ({@link GenericKubernetesResource} for a ScaledObject)
     */
    record Document(String file, int index, String text, JsonNode tree, HasMetadata resource) {

        /** @return e.g. {@code k8s/cluster-service.yaml #2 (Service cluster-service)} */
        String where() {
            return file + " #" + (index + 1) + " (" + resource.getKind() + " " + resource.getMetadata().getName() + ")";
        }
    }

    private K8sManifests() {
    }

    /**
     * @return a mapper that reads fabric8's types with unknown properties failing
     */
    static ObjectMapper strictMapper() {
        SimpleModule strict = new SimpleModule("strict-kubernetes-model");
        strict.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                    BeanDeserializerBuilder builder) {
                Class<?> type = bean.getBeanClass();
                if (type.getName().startsWith("io.fabric8.kubernetes.api.model.")
                        && type != GenericKubernetesResource.class) {
                    builder.setAnySetter(null);
                    builder.setIgnoreUnknownProperties(false);
                }
                return builder;
            }
        });
        return new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .registerModule(strict);
    }

    /**
     * @param root the repository root
     * @return the kustomization file's content
     */
    static JsonNode kustomization(Path root) {
        return readTree(root.resolve(DIR).resolve("kustomization.yaml"));
    }

    /**
     * @param root the repository root
     * @return every document of every resource file of the kustomization, in its order
     * @throws IllegalStateException naming the file, the document and the field, when one does not read strictly
     */
    static List<Document> load(Path root) {
        List<Document> out = new ArrayList<>();
        for (JsonNode resource : kustomization(root).path("resources")) {
            String file = DIR + "/" + resource.asText();
            out.addAll(parse(file, read(root.resolve(file))));
        }
        return out;
    }

    /**
     * @param file the file's name, for messages
     * @param text the file's text: YAML documents separated by lines {@code ---}
     * @return its documents, each read into its Kubernetes type
     * @throws IllegalStateException when a document does not read strictly into its type
     */
    static List<Document> parse(String file, String text) {
        List<Document> out = new ArrayList<>();
        for (String part : DOCUMENT_SEPARATOR.split(text)) {
            int index = out.size();
            String where = file + " #" + (index + 1);
            JsonNode tree;
            try {
                tree = YAML.readTree(part);
            } catch (IOException e) {
                throw new IllegalStateException(where + " does not parse as YAML: " + e.getMessage(), e);
            }
            if (tree == null || tree.isNull() || tree.isMissingNode() || tree.isEmpty()) {
                continue;
            }
            HasMetadata resource;
            try {
                KubernetesResource read = STRICT.treeToValue(tree, KubernetesResource.class);
                if (!(read instanceof HasMetadata hm)) {
                    throw new IllegalStateException(where + " is a " + read.getClass().getSimpleName()
                            + ", not a resource with metadata");
                }
                resource = hm;
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(where + " does not read as its Kubernetes type: "
                        + e.getOriginalMessage() + " at " + path(e), e);
            }
            if (resource instanceof GenericKubernetesResource) {
                String type = resource.getApiVersion() + "/" + resource.getKind();
                if (!type.equals(SCALED_OBJECT)) {
                    throw new IllegalStateException(where + ": " + type + " is no type of the Kubernetes API "
                            + "(kubernetes-model) and not " + SCALED_OBJECT);
                }
                List<String> unknown = new ArrayList<>();
                unknownFields("", tree.path("spec"), SCALED_OBJECT_FIELDS, unknown);
                for (JsonNode trigger : tree.path("spec").path("triggers")) {
                    if (trigger.path("type").asText().equals("aws-sqs-queue")) {
                        trigger.path("metadata").fieldNames().forEachRemaining(f -> {
                            if (!SQS_TRIGGER_METADATA.contains(f)) {
                                unknown.add("triggers.metadata." + f);
                            }
                        });
                    }
                }
                tree.fieldNames().forEachRemaining(f -> {
                    if (!Set.of("apiVersion", "kind", "metadata", "spec").contains(f)) {
                        unknown.add(f);
                    }
                });
                if (!unknown.isEmpty()) {
                    throw new IllegalStateException(where + ": fields a ScaledObject does not have: spec." + unknown);
                }
            }
            out.add(new Document(file, index, part, tree, resource));
        }
        return out;
    }

    private static void unknownFields(String prefix, JsonNode node, Set<String> known, List<String> out) {
        if (node.isArray()) {
            node.forEach(n -> unknownFields(prefix, n, known, out));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (known.contains(prefix + ".*") || path.startsWith("triggers.metadata.")) {
                continue;
            }
            if (!known.contains(path)) {
                out.add(path);
                continue;
            }
            unknownFields(path, e.getValue(), known, out);
        }
    }

    private static String path(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
            StringBuilder out = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
                out.append(r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            return out.length() == 0 ? "(top)" : out.substring(out.charAt(0) == '.' ? 1 : 0);
        }
        return "(unknown)";
    }

    /**
     * @param documents the manifests' documents
     * @param type      a Kubernetes type
     * @param name      the resource's name
     * @param <T>       the type
     * @return the resource of that type and name
     * @throws IllegalStateException when there is none or more than one
     */
    static <T extends HasMetadata> T one(List<Document> documents, Class<T> type, String name) {
        List<T> found = documents.stream().map(Document::resource).filter(type::isInstance).map(type::cast)
                .filter(r -> name.equals(r.getMetadata().getName())).toList();
        if (found.size() != 1) {
            throw new IllegalStateException(DIR + "/ has " + found.size() + " " + type.getSimpleName() + " named " + name
                    + ", expected one");
        }
        return found.get(0);
    }

    /**
     * @param documents the manifests' documents
     * @param name      the ScaledObject's name
     * @return its document
     * @throws IllegalStateException when there is none or more than one
     */
    static Document scaledObject(List<Document> documents, String name) {
        List<Document> found = documents.stream().filter(d -> d.resource() instanceof GenericKubernetesResource
                && name.equals(d.resource().getMetadata().getName())).toList();
        if (found.size() != 1) {
            throw new IllegalStateException(DIR + "/ has " + found.size() + " ScaledObject named " + name
                    + ", expected one");
        }
        return found.get(0);
    }

    private static JsonNode readTree(Path file) {
        try {
            return YAML.readTree(read(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " does not parse as YAML", e);
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
