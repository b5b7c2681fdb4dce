package org.dino4j.core.io;

import java.util.List;

/**
 * A Python tuple read from a pickle (lists are read as {@link List}s, so the two stay distinguishable).
 *
 * @param items the elements, unmodifiable
 */
public record PythonTuple(List<Object> items) {

    /** Copies the elements into an unmodifiable list (null elements allowed, as Python's None). */
    public PythonTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    /** The number of elements. */
    public int size() {
        return items.size();
    }

    /** One element. */
    public Object get(int index) {
        return items.get(index);
    }
}
