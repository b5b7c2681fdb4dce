package org.dino4j.train.report;

import org.dino4j.train.loop.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The history of a run as read back from its {@code metrics.jsonl}: the logged training steps and the k-NN
 * evaluations. A resumed run appends to the file and may repeat the steps between its last checkpoint and the
 * interruption; the later line wins, so every iteration and every evaluated epoch appears once, in order.
 *
 * @param steps logged training steps by increasing iteration
 * @param evaluations k-NN evaluations by increasing epoch
 */
public record MetricsHistory(List<TrainPoint> steps, List<EvalPoint> evaluations) {

    private static final Pattern KNN_KEY = Pattern.compile("knn_k(\\d+)_top1");

    /**
     * One logged training step (the last step of a logging window).
     *
     * @param iteration global iteration, 0-based
     * @param epoch epoch, 0-based
     * @param loss the DINO loss of this step
     * @param lr learning rate
     * @param weightDecay weight decay
     * @param momentum teacher momentum (NaN when the teacher update is not an EMA)
     * @param teacherTemperature teacher temperature
     * @param imagesPerSecond training throughput over the logging window
     */
    public record TrainPoint(long iteration, int epoch, double loss, double lr, double weightDecay, double momentum,
                             double teacherTemperature, double imagesPerSecond) {}

    /**
     * One k-NN evaluation.
     *
     * @param epoch the number of epochs trained before it (0 = random initialisation)
     * @param top1ByK top-1 accuracy in percent per k, in the order logged
     */
    public record EvalPoint(int epoch, Map<Integer, Double> top1ByK) {}

    /** Immutable copies. */
    public MetricsHistory {
        steps = List.copyOf(steps);
        evaluations = List.copyOf(evaluations);
    }

    /**
     * Reads {@code runDir/metrics.jsonl}; a run that has not logged anything yet has an empty history.
     *
     * @param runDir the run directory
     * @return the history
     * @throws IOException if the file exists but cannot be read or parsed
     */
    public static MetricsHistory read(Path runDir) throws IOException {
        Path file = runDir.resolve(MetricsLog.FILE);
        if (!Files.isRegularFile(file)) {
            return new MetricsHistory(List.of(), List.of());
        }
        List<Map<String, Object>> rows;
        try {
            rows = MetricsLog.read(file);
        } catch (IOException e) {
            throw new IOException(file + ": not a metrics file of one JSON object per line (" + e.getMessage() + ")",
                    e);
        }
        return of(rows);
    }

    /**
     * Builds the history from parsed lines of {@code metrics.jsonl}.
     *
     * @param rows one map per line, as {@link MetricsLog#read} returns them
     * @return the history
     */
    public static MetricsHistory of(List<Map<String, Object>> rows) {
        TreeMap<Long, TrainPoint> steps = new TreeMap<>();
        TreeMap<Integer, EvalPoint> evals = new TreeMap<>();
        for (Map<String, Object> r : rows) {
            Object type = r.get("type");
            if ("train".equals(type)) {
                TrainPoint p = new TrainPoint(longOf(r, "iteration"), (int) longOf(r, "epoch"), num(r, "loss"),
                        num(r, "lr"), num(r, "wd"), num(r, "momentum"), num(r, "teacher_temp"),
                        num(r, "images_per_s"));
                steps.put(p.iteration(), p);
            } else if ("eval".equals(type)) {
                Map<Integer, Double> acc = new TreeMap<>(Collections.reverseOrder());
                for (Map.Entry<String, Object> e : r.entrySet()) {
                    Matcher m = KNN_KEY.matcher(e.getKey());
                    if (m.matches() && e.getValue() instanceof Number n) {
                        acc.put(Integer.parseInt(m.group(1)), n.doubleValue());
                    }
                }
                int epoch = (int) longOf(r, "epoch");
                evals.put(epoch, new EvalPoint(epoch, Collections.unmodifiableMap(acc)));
            }
        }
        return new MetricsHistory(new ArrayList<>(steps.values()), new ArrayList<>(evals.values()));
    }

    /** The k values evaluated, largest first (k = 20 before k = 1, as the DINO paper's tables). */
    public List<Integer> ks() {
        TreeMap<Integer, Boolean> ks = new TreeMap<>(Collections.reverseOrder());
        evaluations.forEach(e -> e.top1ByK().keySet().forEach(k -> ks.put(k, true)));
        return new ArrayList<>(ks.keySet());
    }

    /** The evaluation of epoch 0 (the random-init backbone), if there was one. */
    public java.util.Optional<EvalPoint> initial() {
        return evaluations.stream().filter(e -> e.epoch() == 0).findFirst();
    }

    /** The evaluation after the most epochs, if there was one after training started. */
    public java.util.Optional<EvalPoint> latest() {
        return evaluations.isEmpty() || evaluations.get(evaluations.size() - 1).epoch() == 0
                ? java.util.Optional.empty() : java.util.Optional.of(evaluations.get(evaluations.size() - 1));
    }

    /**
     * The median training throughput over the logged windows. The first window is left out when there are others:
     * it includes the engine's warm-up.
     *
     * @return images per second, NaN without logged steps
     */
    public double medianImagesPerSecond() {
        double[] ips = steps.stream().mapToDouble(TrainPoint::imagesPerSecond).filter(Double::isFinite).toArray();
        if (ips.length == 0) {
            return Double.NaN;
        }
        if (ips.length > 1) {
            ips = Arrays.copyOfRange(ips, 1, ips.length);
        }
        Arrays.sort(ips);
        int n = ips.length;
        return n % 2 == 1 ? ips[n / 2] : (ips[n / 2 - 1] + ips[n / 2]) / 2;
    }

    /** The number of iterations trained, from the last logged step (0 without logged steps). */
    public long iterations() {
        return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).iteration() + 1;
    }

    private static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static long longOf(Map<String, Object> r, String key) {
        Object v = r.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("metrics line " + r + " has no numeric '" + key + "'");
        }
        return n.longValue();
    }
}
