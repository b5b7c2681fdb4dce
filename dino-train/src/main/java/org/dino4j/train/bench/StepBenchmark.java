package org.dino4j.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.loss.DinoClsLoss;
import org.dino4j.core.schedule.CosineSchedule;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoStep;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.loop.TrainingSchedules;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.ParameterGroups;
import org.dino4j.train.teacher.EmaTeacher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times the full DINO training step of a configuration on synthetic crops (no data loading): teacher and student
 * forward, loss, backward, clipping, AdamW, EMA.
 */
public final class StepBenchmark {

    /**
     * The measurements.
     *
     * @param stepMillis every timed step, in milliseconds
     * @param medianMillis the median
     * @param imagesPerSecond batch size / median step time
     * @param liveArraysAfterWarmup native arrays alive in the run's manager after the warm-up
     * @param liveArraysAtEnd native arrays alive after the last step
     */
    public record Result(double[] stepMillis, double medianMillis, double imagesPerSecond, int liveArraysAfterWarmup,
                         int liveArraysAtEnd) {}

    private StepBenchmark() {}

    /**
     * Runs {@code warmup} untimed and {@code steps} timed iterations.
     *
     * @param config the configuration (model, crops, batch size, optimiser)
     * @param warmup untimed steps
     * @param steps timed steps
     * @return the timings
     */
    public static Result run(DinoConfig config, int warmup, int steps) {
        try (NDManager root = NDManager.newBaseManager()) {
            MultiCropNetwork student = ModelFactory.student(config.model());
            MultiCropNetwork teacher = ModelFactory.teacher(config.model());
            student.initializeWeights(root, config.seed());
            teacher.initializeWeights(root, config.seed());
            teacher.stateDict().values().forEach(p -> p.freeze(true));
            int total = warmup + steps;
            TrainingSchedules sch = new TrainingSchedules(
                    CosineSchedule.fromEpochs(config.optim().scaledLr(), config.optim().minLr(), 1, total),
                    CosineSchedule.fromEpochs(config.optim().weightDecay(), config.optim().weightDecayEnd(), 1, total),
                    CosineSchedule.fromEpochs(config.teacher().momentum(), config.teacher().finalMomentum(), 1, total),
                    new TeacherTemperatureSchedule(config.loss().teacherTemp(), config.loss().teacherTemp(), 0, 1));
            try (AdamW adam = new AdamW(ParameterGroups.of(student.trainableParameters()),
                    config.optim().betas().beta1(), config.optim().betas().beta2(), config.optim().eps(), root)) {
                DinoStep step = new DinoStep(student, teacher,
                        new CenteringSharpening(root, config.model().head().outDim(), config.loss().centerMomentum()),
                        new DinoClsLoss(config.loss().studentTemp(), 2), adam, new EmaTeacher(sch.momentum()), sch,
                        2, config.optim().clipGrad(), 0);
                int b = config.optim().batchSize();
                SplittableRandom rng = new SplittableRandom(config.seed());
                float[][] data = new float[2 + config.crops().localCount()][];
                for (int c = 0; c < data.length; c++) {
                    int s = c < 2 ? config.crops().globalSize() : config.crops().localSize();
                    data[c] = new float[b * 3 * s * s];
                    for (int i = 0; i < data[c].length; i++) {
                        data[c][i] = (float) rng.nextGaussian();
                    }
                }
                double[] ms = new double[steps];
                int afterWarmup = 0;
                for (int it = 0; it < total; it++) {
                    long t0 = System.nanoTime();
                    try (NDManager scope = root.newSubManager()) {
                        List<NDArray> crops = new ArrayList<>();
                        for (int c = 0; c < data.length; c++) {
                            int s = c < 2 ? config.crops().globalSize() : config.crops().localSize();
                            crops.add(scope.create(data[c], new Shape(b, 3, s, s)));
                        }
                        step.run(crops, it, 0, new SplittableRandom(it), scope);
                    }
                    if (it >= warmup) {
                        ms[it - warmup] = (System.nanoTime() - t0) / 1e6;
                    }
                    if (it == warmup - 1) {
                        afterWarmup = root.getManagedArrays().size();
                    }
                }
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
                return new Result(ms, median, b / (median / 1000), afterWarmup, root.getManagedArrays().size());
            }
        }
    }
}
