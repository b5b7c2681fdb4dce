package org.dino4j.train.objective;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Named implementations of one extension point, found with {@link ServiceLoader}: a user adds a component by
 * implementing the provider interface and listing the class in {@code META-INF/services/<provider interface>}; the
 * YAML names it by {@link #names() its name}. Names are resolved once, when the configuration is loaded.
 *
 * @param <P> the provider type
 */
public final class Registry<P> {

    private final String what;
    private final TreeMap<String, P> byName = new TreeMap<>();

    private Registry(String what) {
        this.what = what;
    }

    /**
     * Loads every provider of {@code type} visible to the context class loader (or this class's loader).
     *
     * @param type the provider interface
     * @param nameOf the provider's name
     * @param what what the providers make, for messages ("loss term", "teacher-target method")
     * @param <P> the provider type
     * @return the registry
     * @throws IllegalStateException if two providers claim the same name
     */
    public static <P> Registry<P> load(Class<P> type, Function<P, String> nameOf, String what) {
        Registry<P> r = new Registry<>(what);
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        for (P p : ServiceLoader.load(type, cl != null ? cl : type.getClassLoader())) {
            String name = nameOf.apply(p);
            P previous = r.byName.putIfAbsent(name, p);
            if (previous != null && previous.getClass() != p.getClass()) {
                throw new IllegalStateException("two " + what + " providers are named '" + name + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return r;
    }

    /**
     * The provider of {@code name}.
     *
     * @param name a registered name
     * @param key the configuration key that named it, for the message
     * @return the provider
     * @throws IllegalArgumentException naming the unknown name and the sorted list of known names
     */
    public P get(String name, String key) {
        P p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("Unknown " + what + " '" + name + "' at " + key + "; known: " + names()
                    + " (register your own through META-INF/services, see docs/extending.md)");
        }
        return p;
    }

    /** Registered names, sorted. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    /** Every provider, by sorted name. */
    public List<P> providers() {
        return List.copyOf(byName.values());
    }
}
