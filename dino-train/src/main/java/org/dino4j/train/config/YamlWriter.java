package org.dino4j.train.config;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes configuration records as YAML in the layout of {@code default.yaml}: one key per line, sections indented by
 * two spaces, lists and {@link AsList} records in flow style ({@code [0.4, 1.0]}), strings double-quoted (so that a
 * path such as {@code no} or {@code 1e3} reads back as a string).
 */
final class YamlWriter {

    private YamlWriter() {}

    static String write(Record config) {
        StringBuilder out = new StringBuilder();
        writeRecord(out, config, "");
        return out.toString();
    }

    private static void writeRecord(StringBuilder out, Record record, String indent) {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            Object value = valueOf(c, record);
            out.append(indent).append(RecordBinder.snakeCase(c.getName())).append(':');
            if (value instanceof Record r && !r.getClass().isAnnotationPresent(AsList.class)) {
                out.append('\n');
                writeRecord(out, r, indent + "  ");
            } else {
                out.append(' ').append(scalar(value)).append('\n');
            }
        }
    }

    private static String scalar(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof ConfigName name) {
            return name.configName();
        }
        if (value instanceof String || value instanceof Path) {
            return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(value.toString())) + '"';
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>(list.size());
            for (Object item : list) {
                items.add(scalar(item));
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (value instanceof Record r) {
            List<String> items = new ArrayList<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                items.add(scalar(valueOf(c, r)));
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (value instanceof Double d) {
            return number(d);
        }
        return value.toString(); // Integer, Long, Boolean
    }

    /**
     * A double that reads back exactly (Double.toString's digits), in the style of default.yaml: 0.0005 rather than
     * 5.0E-4, 1.0e-6 for smaller magnitudes.
     */
    static String number(double v) {
        String text = Double.toString(v);
        if (text.contains("E") && Math.abs(v) >= 1e-4 && Math.abs(v) < 1e7) {
            return new BigDecimal(text).stripTrailingZeros().toPlainString();
        }
        return text.replace('E', 'e');
    }

    private static Object valueOf(RecordComponent c, Record record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + record.getClass().getSimpleName(), e);
        }
    }
}
