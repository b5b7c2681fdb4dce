package org.dino4j.core.io;

import java.util.List;
import java.util.Map;

/**
 * An instance of a Python class that is not a container, tensor or number (such as {@code argparse.Namespace}),
 * read as plain data: nothing is executed. A pickle builds such an object by calling the class with arguments
 * and then setting its state; both are kept here.
 *
 * <p>A class referenced but never called is represented the same way, with no arguments and no state.
 *
 * @param className the qualified name, e.g. {@code argparse.Namespace}
 * @param args the constructor arguments (empty for most classes), unmodifiable
 * @param state the state set by pickle's BUILD (for most classes the attribute dict), or null
 */
public record PythonObject(String className, List<Object> args, Object state) {

    /** Copies the arguments into an unmodifiable list. */
    public PythonObject {
        args = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(args));
    }

    /**
     * The attributes (the state when it is a dict with string keys, as for {@code argparse.Namespace}).
     *
     * @return the attribute map, or an empty map if the state is not a dict
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> attributes() {
        if (state instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
            return (Map<String, Object>) m;
        }
        return Map.of();
    }
}
