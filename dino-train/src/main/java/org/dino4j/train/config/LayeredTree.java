package org.dino4j.train.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.Map;

/**
 * The YAML tree built by layering documents, remembering for every key path which layer set it, so that an error
 * about a value can name the file (or {@code --set} override) to fix.
 *
 * <p>Mappings merge key by key; any other value (scalar, list, null) replaces what was there, as in the DINOv2
 * config layering.
 */
final class LayeredTree {

    private final ObjectNode root = JsonNodeFactory.instance.objectNode();
    /** Dotted key path -> the layer that last set it. */
    private final Map<String, String> origins = new HashMap<>();

    /** The merged tree (not a copy). */
    ObjectNode root() {
        return root;
    }

    /**
     * Layers a whole document over the tree.
     *
     * @param document a top-level mapping
     * @param source how to name the document in messages (its path)
     */
    void merge(ObjectNode document, String source) {
        mergeInto(root, "", document, source);
    }

    /**
     * Layers one value at a dotted key path, creating the mappings on the way.
     *
     * @param dottedKey e.g. {@code optim.lr}
     * @param value the parsed value
     * @param source how to name the override in messages
     */
    void set(String dottedKey, JsonNode value, String source) {
        String[] parts = dottedKey.split("\\.");
        ObjectNode node = root;
        String path = "";
        for (int i = 0; i < parts.length - 1; i++) {
            path = join(path, parts[i]);
            JsonNode child = node.get(parts[i]);
            if (child == null || !child.isObject()) {
                forget(path);
                child = node.putObject(parts[i]);
                origins.put(path, source);
            }
            node = (ObjectNode) child;
        }
        ObjectNode single = JsonNodeFactory.instance.objectNode();
        single.set(parts[parts.length - 1], value);
        mergeInto(node, path, single, source);
    }

    /**
     * The layer that set {@code path}, or the nearest enclosing key that has one.
     *
     * @param path dotted key path, list elements as {@code key[i]}
     */
    String sourceOf(String path) {
        String p = path;
        while (!p.isEmpty()) {
            String source = origins.get(p);
            if (source != null) {
                return source;
            }
            p = p.substring(0, Math.max(0, Math.max(p.lastIndexOf('.'), p.lastIndexOf('['))));
        }
        return ConfigLoader.DEFAULTS_SOURCE;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private void mergeInto(ObjectNode target, String path, ObjectNode layer, String source) {
        for (Map.Entry<String, JsonNode> e : layer.properties()) {
            String key = e.getKey();
            String childPath = join(path, key);
            JsonNode value = e.getValue();
            JsonNode existing = target.get(key);
            if (value.isObject() && existing != null && existing.isObject()) {
                mergeInto((ObjectNode) existing, childPath, (ObjectNode) value, source);
            } else {
                forget(childPath);
                target.set(key, value.deepCopy());
                record(childPath, value, source);
            }
        }
    }

    private void record(String path, JsonNode value, String source) {
        origins.put(path, source);
        if (value.isObject()) {
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                record(join(path, e.getKey()), e.getValue(), source);
            }
        }
    }

    /** Drops the origins of a replaced value and everything under it. */
    private void forget(String path) {
        origins.keySet().removeIf(k -> k.equals(path) || k.startsWith(path + "."));
    }
}
