package org.dino4j.core.interop;

import org.dino4j.core.io.TorchTensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A full DINO training checkpoint ({@code checkpoint.pth} of {@code main_dino.py}), with everything needed to
 * continue training: both networks, the optimizer state by parameter name, the epoch, the arguments and the centre.
 *
 * <p>Names are the MultiCropWrapper's ({@code backbone.*}, {@code head.*}); DDP's {@code module.} prefix of the
 * student is removed.
 *
 * @param student the student's tensors ({@code backbone.*}, {@code head.*}), in the file's order
 * @param teacher the teacher's tensors, same names
 * @param optimizerState the AdamW moments by student name (parameters that never took a step are absent; empty if
 *     the checkpoint has no optimizer state)
 * @param paramGroups the optimizer's parameter groups (DINO: regularised, then not regularised; empty if the
 *     checkpoint has no optimizer state)
 * @param epoch the number of finished epochs (training resumes at this epoch)
 * @param args the {@code argparse.Namespace} attributes ({@code arch}, {@code out_dim}, {@code lr}, ...); tuples
 *     are {@link org.dino4j.core.io.PythonTuple}s
 * @param center {@code dino_loss.center} {@code [1, K]}, or null if the checkpoint has no DINO loss state
 * @param fp16Scaler the AMP grad scaler's state ({@code scale}, ...), or null when training ran without fp16
 */
public record DinoTrainingCheckpoint(LinkedHashMap<String, TorchTensor> student,
                                     LinkedHashMap<String, TorchTensor> teacher,
                                     LinkedHashMap<String, AdamMoments> optimizerState,
                                     List<OptimizerParamGroup> paramGroups, int epoch, Map<String, Object> args,
                                     TorchTensor center, Map<String, Object> fp16Scaler) {

    /** Makes the collections unmodifiable. */
    public DinoTrainingCheckpoint {
        student = new LinkedHashMap<>(student);
        teacher = new LinkedHashMap<>(teacher);
        optimizerState = new LinkedHashMap<>(optimizerState);
        paramGroups = List.copyOf(paramGroups);
        args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }

    /** The student's backbone tensors, names without {@code backbone.}. */
    public LinkedHashMap<String, TorchTensor> studentBackbone() {
        return OfficialCheckpoints.withPrefix(student, "backbone.");
    }

    /** The student's head tensors, names without {@code head.}. */
    public LinkedHashMap<String, TorchTensor> studentHead() {
        return OfficialCheckpoints.withPrefix(student, "head.");
    }

    /** The teacher's backbone tensors, names without {@code backbone.}. */
    public LinkedHashMap<String, TorchTensor> teacherBackbone() {
        return OfficialCheckpoints.withPrefix(teacher, "backbone.");
    }

    /** The teacher's head tensors, names without {@code head.}. */
    public LinkedHashMap<String, TorchTensor> teacherHead() {
        return OfficialCheckpoints.withPrefix(teacher, "head.");
    }

    /** The student's tensors as read (defensive copy). */
    @Override
    public LinkedHashMap<String, TorchTensor> student() {
        return new LinkedHashMap<>(student);
    }

    /** The teacher's tensors as read (defensive copy). */
    @Override
    public LinkedHashMap<String, TorchTensor> teacher() {
        return new LinkedHashMap<>(teacher);
    }

    /** The optimizer moments by student name (defensive copy). */
    @Override
    public LinkedHashMap<String, AdamMoments> optimizerState() {
        return new LinkedHashMap<>(optimizerState);
    }
}
