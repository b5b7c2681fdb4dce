package org.dino4j.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.loss.DinoClsLoss;
import org.dino4j.core.schedule.CosineSchedule;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.testing.ParityAssert;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.ParameterGroups;
import org.dino4j.train.teacher.EmaTeacher;
import org.dino4j.train.teacher.PreviousEpochTeacher;
import org.dino4j.train.teacher.PreviousIterationTeacher;
import org.dino4j.train.teacher.TeacherUpdate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the training step beyond the official fixture: memory, non-finite losses, teacher variants. */
class DinoStepTest {

    private static MultiCropNetwork net(double dropPath, boolean packing) {
        return new MultiCropNetwork(
                VisionTransformer.builder().setPatchSize(4).setEmbedDim(32).setDepth(2).setNumHeads(2)
                        .optImageSize(16).optDropPathRate(dropPath).build(),
                DinoHead.builder().setInDim(32).setOutDim(64).optHiddenDim(32).optBottleneckDim(16).build(), null,
                packing);
    }

    private record Rig(MultiCropNetwork student, MultiCropNetwork teacher, DinoStep step, AdamW adam) {}

    private static Rig rig(NDManager root, TeacherUpdate update) {
        return rig(root, update, false);
    }

    private static Rig rig(NDManager root, TeacherUpdate update, boolean packing) {
        return rig(root, update, packing, 0.1, 1);
    }

    private static Rig rig(NDManager root, TeacherUpdate update, boolean packing, double dropPath, int parts) {
        MultiCropNetwork s = net(dropPath, packing);
        MultiCropNetwork t = net(0, packing);
        s.initializeWeights(root, 1);
        t.initializeWeights(root, 1);
        t.stateDict().values().forEach(p -> p.freeze(true));
        TrainingSchedules sch = new TrainingSchedules(CosineSchedule.fromEpochs(1e-3, 1e-6, 2, 10, 1, 0),
                CosineSchedule.fromEpochs(0.04, 0.4, 2, 10), CosineSchedule.fromEpochs(0.996, 1, 2, 10),
                new TeacherTemperatureSchedule(0.04, 0.04, 0, 2));
        AdamW adam = new AdamW(ParameterGroups.of(s.trainableParameters()), 0.9, 0.999, 1e-8, root);
        TeacherUpdate u = update != null ? update : new EmaTeacher(sch.momentum());
        DinoStep step = new DinoStep(s, t, new CenteringSharpening(root, 64, 0.9), new DinoClsLoss(), adam, u, sch,
                2, 3.0, 0).useBatchParts(parts);
        return new Rig(s, t, step, adam);
    }

    private static List<NDArray> crops(NDManager scope, long seed, boolean nan) {
        SplittableRandom r = new SplittableRandom(seed);
        List<NDArray> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int size = c < 2 ? 16 : 8;
            float[] d = new float[4 * 3 * size * size];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) r.nextGaussian();
            }
            if (nan && c == 3) {
                d[5] = Float.NaN;
            }
            out.add(scope.create(d, new Shape(4, 3, size, size)));
        }
        return out;
    }

    @Test
    void stepsLeaveNoArraysBehind() {
        stepsLeaveNoArraysBehind(false, 1);
        stepsLeaveNoArraysBehind(true, 1);
        stepsLeaveNoArraysBehind(false, 2);
    }

    @Test
    void batchPartsTakeTheSameStepsAsTheWholeBatch() {
        try (NDManager root = NDManager.newBaseManager()) {
            sameSteps(root, rig(root, null, false, 0, 1), rig(root, null, false, 0, 2));
        }
    }

    @Test
    void batchPartsRefuseNonsense() {
        try (NDManager root = NDManager.newBaseManager()) {
            Rig rig = rig(root, null, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rig.step().useBatchParts(0));
            assertEquals("batch parts must be 1 (off) or more, got 0", e.getMessage());
            assertEquals(1, rig.step().batchParts());
            // a batch of 4 does not divide into 3 parts: the step runs whole, bit for bit as without parts
            rig.step().useBatchParts(3);
            Rig whole = rig(root, null);
            try (NDManager scope = root.newSubManager()) {
                double parted = rig.step().run(crops(scope, 0, false), 12, 0, new SplittableRandom(0), scope).loss();
                double plain = whole.step().run(crops(scope, 0, false), 12, 0, new SplittableRandom(0), scope).loss();
                assertEquals(plain, parted);
            }
            assertArrayEquals(whole.student().parameters().get("backbone.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray(), rig.student().parameters().get("backbone.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray());
            rig.step().close();
            assertEquals(1, rig.step().batchParts());
            rig.adam().close();
            whole.adam().close();
        }
    }

    /** Three steps of two rigs that differ only in how they run must give the same losses and weights. */
    private static void sameSteps(NDManager root, Rig apart, Rig packed) {
        for (int it = 10; it < 13; it++) {
            try (NDManager scope = root.newSubManager()) {
                double a = apart.step().run(crops(scope, it, false), it, 0, new SplittableRandom(it), scope).loss();
                double p = packed.step().run(crops(scope, it, false), it, 0, new SplittableRandom(it), scope)
                        .loss();
                assertEquals(a, p, 1e-5 * Math.abs(a), "loss at iteration " + it);
            }
        }
        // Rounding differs (other matrix-product sizes) and Adam turns the rounding noise of gradients that are
        // zero in exact arithmetic (the key bias: softmax ignores it) into steps of up to the learning rate, so
        // the weights agree to 1e-4, not to the last bits.
        ParityAssert.assertParametersClose(apart.student().parameters(), packed.student().parameters(), 1e-4f);
        apart.adam().close();
        packed.adam().close();
        apart.step().close();
        packed.step().close();
    }

    @Test
    void aPackedStudentTakesTheSameStepsAsOnePassPerResolution() {
        try (NDManager root = NDManager.newBaseManager()) {
            sameSteps(root, rig(root, null, false), rig(root, null, true));
        }
    }

    private static void stepsLeaveNoArraysBehind(boolean packing, int parts) {
        try (NDManager root = NDManager.newBaseManager()) {
            Rig rig = rig(root, null, packing, 0.1, parts);
            int before = -1;
            for (int it = 0; it < 6; it++) {
                try (NDManager scope = root.newSubManager()) {
                    rig.step().run(crops(scope, it, false), it, 0, new SplittableRandom(it), scope);
                }
                if (it == 1) {
                    before = root.getManagedArrays().size();
                }
            }
            assertEquals(before, root.getManagedArrays().size(), "native arrays alive must not grow with steps"
                    + (packing ? " (sequence packing)" : "") + (parts > 1 ? " (batch parts)" : ""));
            rig.step().close();
            rig.adam().close();
        }
    }

    @Test
    void nonFiniteLossStopsBeforeAnyUpdate() {
        try (NDManager root = NDManager.newBaseManager()) {
            Rig rig = rig(root, null);
            float[] before = rig.student().parameters().get("backbone.pos_embed").getArray().toFloatArray();
            try (NDManager scope = root.newSubManager()) {
                NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                        () -> rig.step().run(crops(scope, 0, true), 7, 3, new SplittableRandom(0), scope));
                assertTrue(e.getMessage().startsWith("loss is NaN at iteration 7 (epoch 3); training stopped before "
                        + "this step changed any weight. Likely causes:"), e.getMessage());
            }
            assertArrayEquals(before, rig.student().parameters().get("backbone.pos_embed").getArray().toFloatArray());
            rig.adam().close();
        }
    }

    @Test
    void teacherVariantsFollowTheStudentAsThePaperDescribes() {
        try (NDManager root = NDManager.newBaseManager()) {
            Rig epochCopy = rig(root, new PreviousEpochTeacher());
            float[] t0 = epochCopy.teacher().parameters().get("backbone.cls_token").getArray().toFloatArray();
            try (NDManager scope = root.newSubManager()) {
                epochCopy.step().run(crops(scope, 0, false), 0, 0, new SplittableRandom(0), scope);
            }
            assertArrayEquals(t0, epochCopy.teacher().parameters().get("backbone.cls_token").getArray().toFloatArray(),
                    "the previous-epoch teacher is unchanged within an epoch");
            new PreviousEpochTeacher().afterEpoch(epochCopy.student().parameters(), epochCopy.teacher().parameters(), 0);
            assertArrayEquals(epochCopy.student().parameters().get("backbone.cls_token").getArray().toFloatArray(),
                    epochCopy.teacher().parameters().get("backbone.cls_token").getArray().toFloatArray());
            epochCopy.adam().close();

            Rig iterCopy = rig(root, new PreviousIterationTeacher());
            float[] s0 = iterCopy.student().parameters().get("backbone.cls_token").getArray().toFloatArray();
            try (NDManager scope = root.newSubManager()) {
                // iteration 12: past the warm-up, whose first learning rate is 0
                iterCopy.step().run(crops(scope, 0, false), 12, 1, new SplittableRandom(0), scope);
            }
            float[] s1 = iterCopy.student().parameters().get("backbone.cls_token").getArray().toFloatArray();
            assertArrayEquals(s0, iterCopy.teacher().parameters().get("backbone.cls_token").getArray().toFloatArray(),
                    "after iteration t the teacher holds the student of iteration t (used at t + 1)");
            assertFalse(java.util.Arrays.equals(s0, s1), "the student moved");
            iterCopy.adam().close();
        }
    }
}
