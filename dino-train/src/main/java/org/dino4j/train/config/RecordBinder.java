package org.dino4j.train.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Binds a merged YAML tree into configuration records by reflection: keys are the snake_case names of the record
 * components, constraints come from {@link Range}, {@link Size} and {@link Nullable}, enums are matched by
 * {@link ConfigName}. Every error names the key path and the layer the value came from.
 */
final class RecordBinder {

    private final LayeredTree tree;

    RecordBinder(LayeredTree tree) {
        this.tree = tree;
    }

    /**
     * @param type the record to build
     * @param node its mapping (or list, for an {@link AsList} record)
     * @param path dotted key path of {@code node} ("" for the root)
     */
    <T> T bindRecord(Class<T> type, JsonNode node, String path) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        if (type.isAnnotationPresent(AsList.class)) {
            if (!node.isArray() || node.size() != components.length) {
                throw badValue(path, node, describeRecord(type));
            }
            for (int i = 0; i < components.length; i++) {
                args[i] = bindValue(components[i], components[i].getGenericType(), node.get(i), path + "[" + i + "]");
            }
        } else {
            if (!node.isObject()) {
                throw badValue(path, node, describeRecord(type));
            }
            Set<String> valid = keys(type);
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!valid.contains(name)) {
                    throw unknownKey(path, name, valid);
                }
            }
            for (int i = 0; i < components.length; i++) {
                String key = snakeCase(components[i].getName());
                String childPath = LayeredTree.join(path, key);
                JsonNode child = node.get(key);
                if (child == null) {
                    throw new ConfigException("Missing key '" + childPath + "' in " + tree.sourceOf(path) + "; expected "
                            + describe(components[i], components[i].getGenericType()));
                }
                args[i] = bindValue(components[i], components[i].getGenericType(), child, childPath);
            }
        }
        return construct(type, components, args, node, path);
    }

    private Object bindValue(RecordComponent rc, Type type, JsonNode node, String path) {
        Class<?> raw = rawClass(type);
        if (node.isNull()) {
            if (rc.isAnnotationPresent(Nullable.class) && !List.class.isAssignableFrom(rawClass(rc.getGenericType()))) {
                return null;
            }
            throw badValue(path, node, describe(rc, type));
        }
        if (raw == int.class || raw == Integer.class) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw badValue(path, node, describe(rc, type));
            }
            return checkRange(rc, type, node.intValue(), node, path);
        }
        if (raw == long.class || raw == Long.class) {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw badValue(path, node, describe(rc, type));
            }
            return checkRange(rc, type, node.longValue(), node, path);
        }
        if (raw == double.class || raw == Double.class) {
            if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
                throw badValue(path, node, describe(rc, type));
            }
            return checkRange(rc, type, node.doubleValue(), node, path);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!node.isBoolean()) {
                throw badValue(path, node, describe(rc, type));
            }
            return node.booleanValue();
        }
        if (raw == String.class) {
            if (!node.isTextual()) {
                throw badValue(path, node, describe(rc, type));
            }
            return node.textValue();
        }
        if (raw == Path.class) {
            if (!node.isTextual() || node.textValue().isEmpty()) {
                throw badValue(path, node, describe(rc, type));
            }
            try {
                return Path.of(node.textValue());
            } catch (InvalidPathException e) {
                throw badValue(path, node, describe(rc, type) + " (" + e.getReason() + ")");
            }
        }
        if (raw.isEnum()) {
            if (node.isTextual()) {
                for (Object constant : raw.getEnumConstants()) {
                    if (((ConfigName) constant).configName().equals(node.textValue())) {
                        return constant;
                    }
                }
            }
            throw badValue(path, node, describe(rc, type));
        }
        if (List.class.isAssignableFrom(raw)) {
            Size size = rc.getAnnotation(Size.class);
            if (!node.isArray() || (size != null && (node.size() < size.min() || node.size() > size.max()))) {
                throw badValue(path, node, describe(rc, type));
            }
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> values = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                values.add(bindValue(rc, element, node.get(i), path + "[" + i + "]"));
            }
            return List.copyOf(values);
        }
        if (raw.isRecord()) {
            return bindRecord(raw, node, path);
        }
        throw new IllegalStateException("configuration component " + path + " has unsupported type " + type);
    }

    private Object checkRange(RecordComponent rc, Type type, Number value, JsonNode node, String path) {
        Range range = rc.getAnnotation(Range.class);
        if (range != null) {
            double v = value.doubleValue();
            boolean aboveMin = range.minExclusive() ? v > range.min() : v >= range.min();
            boolean belowMax = range.maxExclusive() ? v < range.max() : v <= range.max();
            if (!aboveMin || !belowMax) {
                throw badValue(path, node, describe(rc, type));
            }
        }
        return value;
    }

    private <T> T construct(Class<T> type, RecordComponent[] components, Object[] args, JsonNode node, String path) {
        try {
            Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            Constructor<T> constructor = type.getDeclaredConstructor(types);
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                throw new ConfigException("Bad value for '" + path + "' in " + tree.sourceOf(path) + ": " + show(node)
                        + "; " + e.getCause().getMessage(), e.getCause());
            }
            throw new IllegalStateException("cannot build " + type.getSimpleName() + " for '" + path + "'", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName() + " for '" + path + "'", e);
        }
    }

    private ConfigException badValue(String path, JsonNode node, String expected) {
        return new ConfigException("Bad value for '" + path + "' in " + tree.sourceOf(path) + ": " + show(node)
                + "; expected " + expected);
    }

    private ConfigException unknownKey(String path, String name, Set<String> valid) {
        String keyPath = LayeredTree.join(path, name);
        String where = path.isEmpty() ? "valid top-level keys: " : "valid keys in '" + path + "': ";
        return new ConfigException("Unknown key '" + keyPath + "' in " + tree.sourceOf(keyPath) + "; " + where + valid);
    }

    /** What a component accepts, for "expected ..." in messages: "an integer >= 2", "one of [ema, ...]". */
    static String describe(RecordComponent rc, Type type) {
        Class<?> raw = rawClass(type);
        String text;
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            text = "an integer" + rangeText(rc);
        } else if (raw == double.class || raw == Double.class) {
            text = "a number" + rangeText(rc);
        } else if (raw == boolean.class || raw == Boolean.class) {
            text = "true or false";
        } else if (raw == String.class) {
            text = "a string";
        } else if (raw == Path.class) {
            text = "a path";
        } else if (raw.isEnum()) {
            text = "one of " + Arrays.stream(raw.getEnumConstants()).map(c -> ((ConfigName) c).configName())
                    .sorted().collect(Collectors.toList());
        } else if (List.class.isAssignableFrom(raw)) {
            Size size = rc.getAnnotation(Size.class);
            String count = "a list of ";
            if (size != null && size.min() == size.max()) {
                count = "a list of " + size.min() + " ";
            } else if (size != null && size.min() > 0 && size.max() == Integer.MAX_VALUE) {
                count = "a list of at least " + size.min() + " ";
            } else if (size != null) {
                count = "a list of " + size.min() + " to " + size.max() + " ";
            }
            Class<?> element = rawClass(((ParameterizedType) type).getActualTypeArguments()[0]);
            String plural = element == Integer.class || element == Long.class ? "integers"
                    : element == Double.class ? "numbers" : element == Path.class ? "paths" : "strings";
            return count + plural + rangeText(rc);
        } else if (raw.isRecord()) {
            text = describeRecord(raw);
        } else {
            text = raw.getSimpleName();
        }
        return rc.isAnnotationPresent(Nullable.class) ? text + " or null" : text;
    }

    private static String describeRecord(Class<?> type) {
        List<String> names = Arrays.stream(type.getRecordComponents()).map(c -> snakeCase(c.getName()))
                .collect(Collectors.toList());
        if (type.isAnnotationPresent(AsList.class)) {
            return "a list " + names;
        }
        return "a mapping with keys " + new TreeSet<>(names);
    }

    private static String rangeText(RecordComponent rc) {
        Range r = rc.getAnnotation(Range.class);
        if (r == null) {
            return "";
        }
        boolean hasMin = r.min() != Double.NEGATIVE_INFINITY;
        boolean hasMax = r.max() != Double.POSITIVE_INFINITY;
        if (hasMin && hasMax) {
            return " in " + (r.minExclusive() ? "(" : "[") + number(r.min()) + ", " + number(r.max())
                    + (r.maxExclusive() ? ")" : "]");
        }
        if (hasMin) {
            return (r.minExclusive() ? " > " : " >= ") + number(r.min());
        }
        if (hasMax) {
            return (r.maxExclusive() ? " < " : " <= ") + number(r.max());
        }
        return "";
    }

    private static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** A value as the user wrote it, for messages: strings quoted, lists with spaces. */
    static String show(JsonNode node) {
        if (node.isTextual()) {
            return "'" + node.textValue() + "'";
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(show(n)));
            return "[" + String.join(", ", items) + "]";
        }
        return node.toString();
    }

    /** The YAML keys of a record, sorted. */
    static Set<String> keys(Class<?> type) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            keys.add(snakeCase(c.getName()));
        }
        return keys;
    }

    /** {@code dropPathRate} -> {@code drop_path_rate}. */
    static String snakeCase(String camelCase) {
        return camelCase.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported configuration type " + type);
    }
}
