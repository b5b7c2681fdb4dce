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
 * <p>The profiler also records the input shapes of every call, from which {@link #productFlops} counts the matrix
 * products the steps actually ran: the check of the analytic count ({@code TrainingFlops}) against the engine. Counted
 * are {@code mm}, {@code addmm}, {@code bmm} and {@code baddbmm} (2 M K N each), the fused attention ({@code 4 B
 * heads Tq Tk d} forward; its backward as two forwards, the convention of the analytic count, although the kernel
 * recomputes the scores) and convolutions (forward from the input and weight shapes with the stride equal to the
 * kernel, the patch embedding's, so a ResNet's counts are not comparable; backward as two forwards). Composite
 * operators ({@code matmul}, {@code linear}) are not counted themselves: their products appear as the calls above.
 *
 * @param ops operators by decreasing self time
 * @param steps the number of steps profiled
 * @param productFlops floating-point operations of the matrix products per step, from the recorded shapes (0 when
 *     the trace has no shapes)
 */
public record OpProfile(List<Op> ops, int steps, double productFlops) {

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
        double flops = 0;
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("ph") || !"X".equals(o.get("ph").getAsString()) || !o.has("dur")) {
                continue;
            }
            if (o.has("shape") && o.get("shape").isJsonArray()) {
                flops += productFlops(o.get("name").getAsString(), shapes(o.getAsJsonArray("shape")));
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
        return new OpProfile(List.copyOf(ops), steps, flops / steps);
    }

    /**
     * The floating-point operations of one operator call's matrix products, from its input shapes (see the class
     * comment for what counts).
     *
     * @param op the operator name, as the profiler records it
     * @param inputs the shapes of its inputs in order (empty arrays for non-tensor arguments)
     * @return the count, 0 for operators that are not counted
     */
    public static double productFlops(String op, List<long[]> inputs) {
        switch (op) {
            case "aten::mm":
                return mm(at(inputs, 0), at(inputs, 1));
            case "aten::addmm":
                return mm(at(inputs, 1), at(inputs, 2));
            case "aten::bmm":
            case "aten::baddbmm": {
                long[] a = at(inputs, op.equals("aten::bmm") ? 0 : 1);
                long[] b = at(inputs, op.equals("aten::bmm") ? 1 : 2);
                return a.length == 3 && b.length == 3 ? 2.0 * a[0] * a[1] * a[2] * b[2] : 0;
            }
            case "aten::_scaled_dot_product_flash_attention_for_cpu":
                return attention(at(inputs, 0), at(inputs, 1));
            case "aten::_scaled_dot_product_flash_attention_for_cpu_backward":
                // inputs: grad_out, q, k, v, ...
                return 2 * attention(at(inputs, 1), at(inputs, 2));
            case "aten::convolution":
                return convolution(at(inputs, 0), at(inputs, 1));
            case "aten::convolution_backward":
                // inputs: grad_out, input, weight, ...
                return 2 * convolution(at(inputs, 1), at(inputs, 2));
            default:
                return 0;
        }
    }

    private static long[] at(List<long[]> inputs, int i) {
        return i < inputs.size() ? inputs.get(i) : new long[0];
    }

    private static double mm(long[] a, long[] b) {
        return a.length == 2 && b.length == 2 ? 2.0 * a[0] * a[1] * b[1] : 0;
    }

    // q [B, heads, Tq, d], k [B, heads, Tk, d]: q k^T and the weights times v
    private static double attention(long[] q, long[] k) {
        return q.length == 4 && k.length == 4 ? 4.0 * q[0] * q[1] * q[2] * k[2] * q[3] : 0;
    }

    // input [B, C, H, W], weight [O, C, kh, kw], stride = kernel: (H / kh) (W / kw) outputs of C kh kw products each
    private static double convolution(long[] input, long[] weight) {
        if (input.length != 4 || weight.length != 4 || weight[2] == 0 || weight[3] == 0) {
            return 0;
        }
        long outputs = (input[2] / weight[2]) * (input[3] / weight[3]);
        return 2.0 * input[0] * weight[0] * weight[1] * weight[2] * weight[3] * outputs;
    }

    private static List<long[]> shapes(JsonArray array) {
        List<long[]> out = new ArrayList<>(array.size());
        for (JsonElement e : array) {
            if (!e.isJsonArray()) {
                out.add(new long[0]);
                continue;
            }
            JsonArray dims = e.getAsJsonArray();
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).getAsLong();
            }
            out.add(shape);
        }
        return out;
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
