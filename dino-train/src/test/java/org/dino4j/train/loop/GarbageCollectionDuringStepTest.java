package org.dino4j.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.masking.BlockMaskGenerator;
import org.dino4j.core.schedule.CosineSchedule;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.train.config.ObjectiveMethod;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.objective.KoLeoTerm;
import org.dino4j.train.objective.LossTerm;
import org.dino4j.train.objective.Objective;
import org.dino4j.train.objective.StepOutputs;
import org.dino4j.train.objective.WeightedTerm;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.ParameterGroups;
import org.dino4j.train.teacher.EmaTeacher;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A garbage collection between the forward and the backward pass must not change a step. Numbers in arithmetic on
 * differentiable arrays (temperatures, loss weights, the attention scale, eps) are kept by autograd for the backward
 * pass; if they lived in memory that the collector may free (DJL's {@code x.mul(number)}), the gradients would
 * depend on when the JVM happened to collect.
 */
class GarbageCollectionDuringStepTest {

    /** Collects garbage once the loss is complete, just before the step's backward pass. */
    private static final class CollectBeforeBackward implements LossTerm {
        @Override
        public NDArray compute(StepOutputs o) {
            return o.studentCls().getManager().zeros(new Shape());
        }

        @Override
        public void afterStep(StepOutputs o) {
            System.gc();
            try {
                Thread.sleep(50); // the reference handler frees released direct buffers asynchronously
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static MultiCropNetwork net(double dropPath) {
        return new MultiCropNetwork(
                VisionTransformer.builder().setPatchSize(4).setEmbedDim(32).setDepth(2).setNumHeads(2)
                        .optImageSize(16).optDropPathRate(dropPath).optMaskToken(true).build(),
                DinoHead.builder().setInDim(32).setOutDim(64).optHiddenDim(32).optBottleneckDim(16).build(),
                DinoHead.builder().setInDim(32).setOutDim(64).optHiddenDim(32).optBottleneckDim(16).build());
    }

    /** Three DINOv2 steps (iBOT, Sinkhorn-Knopp, KoLeo); returns the losses and the student's final weights. */
    private static Map<String, float[]> train(boolean collect) {
        try (NDManager root = NDManager.newBaseManager()) {
            MultiCropNetwork s = net(0.1);
            MultiCropNetwork t = net(0);
            s.initializeWeights(root, 1);
            t.initializeWeights(root, 1);
            t.stateDict().values().forEach(p -> p.freeze(true));
            TrainingSchedules sch = new TrainingSchedules(CosineSchedule.fromEpochs(1e-3, 1e-6, 2, 10, 1, 0),
                    CosineSchedule.fromEpochs(0.04, 0.4, 2, 10), CosineSchedule.fromEpochs(0.996, 1, 2, 10),
                    new TeacherTemperatureSchedule(0.04, 0.04, 0, 2));
            List<WeightedTerm> terms = new ArrayList<>(List.of(new WeightedTerm("koleo", new KoLeoTerm(), 0.1)));
            if (collect) {
                terms.add(new WeightedTerm("gc", new CollectBeforeBackward(), 1.0));
            }
            BlockMaskGenerator masks = BlockMaskGenerator.builder().setGrid(4, 4).optMaskRatio(0.1, 0.5)
                    .optMaskedShare(0.5).build();
            Objective objective = new Objective(ObjectiveMethod.DINOV2, 0.1, new SinkhornKnopp(), new SinkhornKnopp(),
                    1.0, masks, terms);
            Map<String, float[]> out = new LinkedHashMap<>();
            try (AdamW adam = new AdamW(ParameterGroups.of(s.trainableParameters()), 0.9, 0.999, 1e-8, root)) {
                DinoStep step = new DinoStep(s, t, objective, adam, new EmaTeacher(sch.momentum()), sch, 2, 3.0, 0,
                        5L);
                float[] losses = new float[3];
                for (int it = 0; it < losses.length; it++) {
                    try (NDManager scope = root.newSubManager()) {
                        losses[it] = (float) step.run(crops(scope, it), it, 0, new SplittableRandom(it), scope).loss();
                    }
                }
                out.put("losses", losses);
                s.stateDict().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
            }
            return out;
        }
    }

    private static List<NDArray> crops(NDManager scope, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<NDArray> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int size = c < 2 ? 16 : 8;
            float[] d = new float[4 * 3 * size * size];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) r.nextGaussian();
            }
            out.add(scope.create(d, new Shape(4, 3, size, size)));
        }
        return out;
    }

    @Test
    void collectingBeforeBackwardChangesNothing() {
        Map<String, float[]> plain = train(false);
        Map<String, float[]> collected = train(true);
        assertEquals(plain.keySet(), collected.keySet());
        for (String k : plain.keySet()) {
            assertArrayEquals(plain.get(k), collected.get(k), 0f, k);
        }
    }
}
