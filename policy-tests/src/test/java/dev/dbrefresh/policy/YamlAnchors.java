package dev.dbrefresh.policy;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a YAML document with jackson-dataformat-yaml into a tree, resolving what Docker Compose files use and
 * Jackson's tree reader leaves as text: anchors ({@code &name}), aliases ({@code *name}) and merge keys
 * ({@code <<: *name} or {@code <<: [*a, *b]}; the mapping's own keys win over merged ones, an earlier alias of a
 * list over a later one, as in YAML 1.1's merge key type).
 */
final class YamlAnchors {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final YAMLParser parser;
    private final Map<String, JsonNode> anchors = new HashMap<>();

    private YamlAnchors(YAMLParser parser) {
        this.parser = parser;
    }

    /**
     * @param text one YAML document
     * @return its tree, aliases replaced by copies of what their anchors name and merge keys merged
     * @throws IOException when it does not parse, or an alias names no earlier anchor
     */
    static JsonNode read(String text) throws IOException {
        try (YAMLParser p = (YAMLParser) FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return F.missingNode();
            }
            return new YamlAnchors(p).value();
        }
    }

    private JsonNode value() throws IOException {
        if (parser.isCurrentAlias()) {
            String name = parser.getText();
            JsonNode target = anchors.get(name);
            if (target == null) {
                throw new IOException("alias *" + name + " names no earlier anchor (line "
                        + parser.currentLocation().getLineNr() + ")");
            }
            return target.deepCopy();
        }
        String anchor = parser.getObjectId();
        JsonNode node;
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            node = object();
        } else if (token == JsonToken.START_ARRAY) {
            ArrayNode array = F.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                array.add(value());
            }
            node = array;
        } else if (token == JsonToken.VALUE_NULL) {
            node = F.nullNode();
        } else {
            node = TextNode.valueOf(parser.getText());
        }
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    private ObjectNode object() throws IOException {
        ObjectNode own = F.objectNode();
        ObjectNode merged = F.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            parser.nextToken();
            JsonNode v = value();
            if (key.equals("<<")) {
                for (JsonNode source : v.isArray() ? v : F.arrayNode().add(v)) {
                    if (!source.isObject()) {
                        throw new IOException("a merge key (<<) takes a mapping or a list of mappings, got " + source);
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext();) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!merged.has(e.getKey())) {
                            merged.set(e.getKey(), e.getValue());
                        }
                    }
                }
            } else {
                own.set(key, v);
            }
        }
        ObjectNode out = merged;
        own.fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
        return out;
    }
}
