package org.dino4j.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorArchive;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.train.optim.AdamW;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The full state of a DINO run in one atomically written file: student and teacher (parameters and buffers, official
 * names under {@code student/} and {@code teacher/}), AdamW moments and per-parameter step counts, the teacher centres,
 * the position in training and the resolved configuration. All randomness of a run is derived from the seed and the
 * position (epoch, sample, iteration), so the position is the whole random state.
 */
public final class TrainingCheckpoint {

    /** File name of the latest checkpoint in a run directory. */
    public static final String LATEST = "checkpoint.zip";

    /**
     * Where training stands.
     *
     * @param epoch the epoch to continue with (0-based)
     * @param batchInEpoch the first batch of that epoch still to run
     * @param iteration the next global iteration
     */
    public record Position(int epoch, int batchInEpoch, long iteration) {}

    private TrainingCheckpoint() {}

    /**
     * Writes a checkpoint atomically (a crash while writing leaves the previous file intact).
     *
     * @param file target file
     * @param student student network
     * @param teacher teacher network
     * @param optimizer the optimiser
     * @param targets the teacher-target methods by role ({@code cls}, {@code patch}); centres are saved
     * @param position where training continues
     * @param resolvedConfigYaml the run's resolved configuration
     * @param provenance versions and other facts stored as metadata
     * @throws IOException if writing fails
     */
    public static void save(Path file, DinoBlock student, DinoBlock teacher, AdamW optimizer,
                            Map<String, TeacherTargets> targets, Position position, String resolvedConfigYaml,
                            Map<String, String> provenance) throws IOException {
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        student.stateDict().forEach((k, p) -> tensors.put("student/" + k, p.getArray()));
        teacher.stateDict().forEach((k, p) -> tensors.put("teacher/" + k, p.getArray()));
        JsonObject steps = new JsonObject();
        for (Map.Entry<String, AdamW.State> e : optimizer.states().entrySet()) {
            tensors.put("optimizer/exp_avg/" + e.getKey(), e.getValue().expAvg());
            tensors.put("optimizer/exp_avg_sq/" + e.getKey(), e.getValue().expAvgSq());
            steps.addProperty(e.getKey(), e.getValue().step());
        }
        targets.forEach((role, t) -> {
            if (t instanceof CenteringSharpening c) {
                tensors.put("center/" + role, c.center());
            }
        });
        JsonObject meta = new JsonObject();
        meta.addProperty("epoch", position.epoch());
        meta.addProperty("batch_in_epoch", position.batchInEpoch());
        meta.addProperty("iteration", position.iteration());
        meta.add("optimizer_steps", steps);
        meta.addProperty("resolved_config", resolvedConfigYaml);
        JsonObject prov = new JsonObject();
        provenance.forEach(prov::addProperty);
        meta.add("provenance", prov);
        TensorArchive.write(file, tensors, meta);
    }

    /**
     * Restores a checkpoint into freshly built components of the same architecture.
     *
     * @param file checkpoint file
     * @param student student network (initialised)
     * @param teacher teacher network (initialised)
     * @param optimizer optimiser over the student's trainable parameters
     * @param targets the teacher-target methods by role, as saved
     * @param scratch a manager for temporary arrays
     * @return the position to continue from
     * @throws IOException if the file is unreadable or does not match the architecture (the message names what)
     */
    public static Position restore(Path file, DinoBlock student, DinoBlock teacher, AdamW optimizer,
                                   Map<String, TeacherTargets> targets, NDManager scratch) throws IOException {
        TensorArchive.Content c = TensorArchive.read(file);
        try (NDManager tmp = scratch.newSubManager()) {
            try {
                student.loadStateDict(part(c, "student/", tmp), true);
                teacher.loadStateDict(part(c, "teacher/", tmp), true);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " does not fit this model: " + e.getMessage(), e);
            }
        }
        JsonObject steps = c.metadata().getAsJsonObject("optimizer_steps");
        for (String name : optimizer.states().keySet()) {
            TensorArchive.Tensor m = c.tensor("optimizer/exp_avg/" + name);
            TensorArchive.Tensor v = c.tensor("optimizer/exp_avg_sq/" + name);
            optimizer.setState(name, m.data(), v.data(), steps.get(name).getAsLong());
        }
        for (Map.Entry<String, TeacherTargets> e : targets.entrySet()) {
            if (e.getValue() instanceof CenteringSharpening cs) {
                cs.setCenter(c.tensor("center/" + e.getKey()).data());
            }
        }
        JsonObject meta = c.metadata();
        return new Position(meta.get("epoch").getAsInt(), meta.get("batch_in_epoch").getAsInt(),
                meta.get("iteration").getAsLong());
    }

    /** The resolved configuration stored in a checkpoint. */
    public static String resolvedConfig(Path file) throws IOException {
        return TensorArchive.read(file).metadata().get("resolved_config").getAsString();
    }

    private static Map<String, NDArray> part(TensorArchive.Content c, String prefix, NDManager m) {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        c.tensors().forEach((k, t) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), t.toNDArray(m));
            }
        });
        return out;
    }

}
