package org.dino4j.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.dino4j.core.schedule.CosineSchedule;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoStep;
import org.dino4j.train.kernels.KernelChoice;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.loop.TrainingSchedules;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.objective.Objective;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.ParameterGroups;
import org.dino4j.train.teacher.TeacherUpdate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training step of a configuration, assembled as {@code DinoTrainer} assembles it: the student and teacher of
 * the configured objective (mask token and iBOT head when iBOT is on), the teacher starting as a copy of the
 * student, the objective (DINO or DINOv2 loss assembly, teacher targets, iBOT, KoLeo, user terms), AdamW over the
 * student's trainable parameters, the configured teacher update, and {@link DinoStep}. So {@code dino bench
 * --config configs/dinov2.yaml} times the DINOv2 step.
 *
 * <p>Two things differ from a training run, neither of which changes the work a step does: the schedules span
 * {@code iterations} iterations without warm-up (their values, not their cost, depend on it), and
 * {@code model.init_from} is not applied (random weights cost the same).
 *
 * @param student the student network
 * @param teacher the teacher network (frozen)
 * @param objective the objective
 * @param optimizer AdamW over the student's trainable parameters; closed by {@link #close()}
 * @param step the training step
 * @param firstUnfrozenEpoch the first epoch in which the head's last layer is trained ({@code optim.freeze_last_layer})
 */
public record ConfiguredStep(MultiCropNetwork student, MultiCropNetwork teacher, Objective objective,
                             AdamW optimizer, DinoStep step, int firstUnfrozenEpoch) implements AutoCloseable {

    /** Global crops per image, as in DINO and DINOv2. */
    public static final int GLOBAL_CROPS = 2;

    /**
     * Builds the step.
     *
     * @param config the resolved configuration
     * @param iterations iterations the schedules span, {@code >= 1}
     * @param root the manager that owns the weights, optimiser state and teacher-target state
     * @return the step and its parts
     */
    public static ConfiguredStep build(DinoConfig config, int iterations, NDManager root) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        MultiCropNetwork student = ModelFactory.student(config.model(), config.objective());
        MultiCropNetwork teacher = ModelFactory.teacher(config.model(), config.objective());
        KernelChoice.apply(student, config.run());
        KernelChoice.apply(teacher, config.run());
        student.initializeWeights(root, config.seed());
        teacher.initializeWeights(root, config.seed());
        // as in training: the teacher starts as a copy of the student and never receives gradients
        Map<String, NDArray> values = new LinkedHashMap<>();
        student.stateDict().forEach((k, p) -> values.put(k, p.getArray()));
        teacher.loadStateDict(values, true);
        teacher.stateDict().values().forEach(p -> p.freeze(true));

        TrainingSchedules schedules = new TrainingSchedules(
                CosineSchedule.fromEpochs(config.optim().scaledLr(), config.optim().minLr(), 1, iterations),
                CosineSchedule.fromEpochs(config.optim().weightDecay(), config.optim().weightDecayEnd(), 1,
                        iterations),
                CosineSchedule.fromEpochs(config.teacher().momentum(), config.teacher().finalMomentum(), 1,
                        iterations),
                new TeacherTemperatureSchedule(config.loss().teacherTemp(), config.loss().teacherTemp(), 0, 1));
        Objective objective = Objective.of(config, student.backbone().embedDim(), root);
        AdamW optimizer = new AdamW(ParameterGroups.of(student.trainableParameters()),
                config.optim().betas().beta1(), config.optim().betas().beta2(), config.optim().eps(), root,
                KernelChoice.foreach(config.run()));
        TeacherUpdate teacherUpdate = TeacherUpdate.of(config.teacher().update(), schedules.momentum(),
                KernelChoice.foreach(config.run()));
        DinoStep step = new DinoStep(student, teacher, objective, optimizer, teacherUpdate, schedules, GLOBAL_CROPS,
                config.optim().clipGrad(), config.optim().freezeLastLayer(), config.seed())
                .useBatchParts(config.run().resolvedBatchParts(JniUtils.getNumThreads()));
        return new ConfiguredStep(student, teacher, objective, optimizer, step, config.optim().freezeLastLayer());
    }

    /** Frees the optimiser state (the networks belong to the root manager passed to {@link #build}). */
    @Override
    public void close() {
        step.close();
        optimizer.close();
    }
}
