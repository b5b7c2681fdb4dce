package org.dino4j.train.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, {@code type: "train"} per logged step and {@code type: "eval"} per
 * evaluation. Lines are flushed as written, so a crash loses nothing already logged; a resumed run appends.
 */
public final class MetricsLog implements AutoCloseable {

    /** File name in the run directory. */
    public static final String FILE = "metrics.jsonl";

    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;

    /** Opens (appending) {@code runDir/metrics.jsonl}. */
    public MetricsLog(Path runDir) throws IOException {
        out = Files.newBufferedWriter(runDir.resolve(FILE), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Logs one training step. */
    public void train(StepResult r, double imagesPerSecond, double augmentImagesPerSecond) {
        ObjectNode o = json.createObjectNode();
        o.put("type", "train");
        o.put("epoch", r.epoch());
        o.put("iteration", r.iteration());
        o.put("loss", r.loss());
        o.put("lr", r.lr());
        o.put("wd", r.weightDecay());
        if (Double.isFinite(r.momentum())) {
            o.put("momentum", r.momentum());
        }
        o.put("teacher_temp", r.teacherTemperature());
        o.put("images_per_s", imagesPerSecond);
        o.put("augment_images_per_s", augmentImagesPerSecond);
        write(o);
    }

    /** Logs one evaluation: {@code knn_k<k>_top1} per k, in percent. */
    public void eval(int epoch, Map<Integer, Double> top1ByK) {
        ObjectNode o = json.createObjectNode();
        o.put("type", "eval");
        o.put("epoch", epoch);
        top1ByK.forEach((k, v) -> o.put("knn_k" + k + "_top1", v));
        write(o);
    }

    private void write(ObjectNode o) {
        try {
            out.write(json.writeValueAsString(o));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE, e);
        }
    }

    /** Reads every line of a metrics file (for reports and tests). */
    public static List<Map<String, Object>> read(Path file) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = m.readValue(line, Map.class);
                rows.add(row);
            }
        }
        return rows;
    }

    /** {@inheritDoc} */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
