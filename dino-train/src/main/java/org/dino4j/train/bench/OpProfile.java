package org.dino4j.train.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The engine's operator profile of some training steps, summed by operator: the engine's profiler (DJL's
 * {@code JniUtils.startProfile}, PyTorch's autograd profiler) writes a Chrome trace of every operator call, forward
 * and backward; this reads it and charges each call its self time (its duration minus that of the calls nested in
 * it on the same thread), so that the totals add up to the profiled time without double counting.
 *
 * @param ops operators by decreasing self time
 * @param steps the number of steps profiled
 */
public record OpProfile(List<Op> ops, int steps) {

    /**
     * One operator's share.
     *
     * @param name the operator ({@code aten::addmm}, {@code LinearBackward0}, ...)
     * @param calls calls per step
     * @param selfMillis self time per step, in milliseconds
     */
    public record Op(String name, double calls, double selfMillis) {}

    /** Total self time per step, in milliseconds. */
    public double totalMillis() {
        return ops.stream().mapToDouble(Op::selfMillis).sum();
    }

    /**
     * Reads a trace.
     *
     * @param trace the Chrome trace JSON the profiler wrote
     * @param steps how many steps it covers
     * @return the per-operator totals, per step
     * @throws IOException if the file cannot be read or is not a trace
     */
    public static OpProfile read(Path trace, int steps) throws IOException {
        JsonElement root;
        try (Reader r = Files.newBufferedReader(trace, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(r);
        } catch (RuntimeException e) {
            throw new IOException(trace + " is not a Chrome trace: " + e.getMessage(), e);
        }
        JsonArray events = root.isJsonArray() ? root.getAsJsonArray()
                : root.getAsJsonObject().getAsJsonArray("traceEvents");
        if (events == null) {
            throw new IOException(trace + " has no trace events");
        }
        record Call(String name, long tid, double start, double end) {}
        List<Call> calls = new ArrayList<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("ph") || !"X".equals(o.get("ph").getAsString()) || !o.has("dur")) {
                continue;
            }
            double ts = o.get("ts").getAsDouble();
            calls.add(new Call(o.get("name").getAsString(), o.has("tid") ? o.get("tid").getAsLong() : 0, ts,
                    ts + o.get("dur").getAsDouble()));
        }
        calls.sort(Comparator.comparingLong(Call::tid).thenComparingDouble(Call::start)
                .thenComparing(Comparator.comparingDouble(Call::end).reversed()));
        Map<String, double[]> byName = new HashMap<>();
        Deque<Call> open = new ArrayDeque<>();
        Map<Call, Double> childTime = new HashMap<>();
        long tid = Long.MIN_VALUE;
        for (Call c : calls) {
            if (c.tid() != tid) {
                open.clear();
                tid = c.tid();
            }
            while (!open.isEmpty() && open.peek().end() <= c.start()) {
                open.pop();
            }
            if (!open.isEmpty()) {
                childTime.merge(open.peek(), c.end() - c.start(), Double::sum);
            }
            open.push(c);
        }
        for (Call c : calls) {
            double self = (c.end() - c.start()) - childTime.getOrDefault(c, 0.0);
            double[] acc = byName.computeIfAbsent(c.name(), k -> new double[2]);
            acc[0] += 1;
            acc[1] += Math.max(0, self);
        }
        List<Op> ops = new ArrayList<>();
        byName.forEach((n, a) -> ops.add(new Op(n, a[0] / steps, a[1] / 1000.0 / steps)));
        ops.sort(Comparator.comparingDouble(Op::selfMillis).reversed());
        return new OpProfile(List.copyOf(ops), steps);
    }

    /**
     * A table of the heaviest operators.
     *
     * @param top how many rows
     * @return the table, one operator per line
     */
    public String format(int top) {
        StringBuilder sb = new StringBuilder();
        double total = totalMillis();
        sb.append(String.format(Locale.ROOT, "operator self time per step (%d steps profiled, %.1f ms per step in"
                + " operators):%n", steps, total));
        sb.append(String.format(Locale.ROOT, "  %8s %6s %8s  %s%n", "ms", "%", "calls", "operator"));
        for (int i = 0; i < Math.min(top, ops.size()); i++) {
            Op o = ops.get(i);
            sb.append(String.format(Locale.ROOT, "  %8.2f %5.1f%% %8.1f  %s%n", o.selfMillis(),
                    100 * o.selfMillis() / total, o.calls(), o.name()));
        }
        return sb.toString();
    }
}
