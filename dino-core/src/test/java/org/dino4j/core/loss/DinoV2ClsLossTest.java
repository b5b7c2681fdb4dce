package org.dino4j.core.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DinoV2ClsLossTest {

    private static final long B = 3;
    private static final long K = 7;

    /** -mean_b sum_k q log_softmax(s / 0.1), one pair, in double on the host. */
    private static double pair(float[] s, float[] q, int sChunk, int qChunk, long rows) {
        double total = 0;
        for (int b = 0; b < rows; b++) {
            int so = (int) ((sChunk * rows + b) * K);
            int qo = (int) ((qChunk * rows + b) * K);
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < K; k++) {
                max = Math.max(max, s[so + k] / 0.1);
            }
            double z = 0;
            for (int k = 0; k < K; k++) {
                z += Math.exp(s[so + k] / 0.1 - max);
            }
            for (int k = 0; k < K; k++) {
                total -= q[qo + k] * (s[so + k] / 0.1 - max - Math.log(z));
            }
        }
        return total / rows;
    }

    @Test
    void everyPairCountsAndTheTermsAreScaled() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray global = step.randomNormal(new Shape(2 * B, K));
            NDArray local = step.randomNormal(new Shape(4 * B, K));
            NDArray q = step.randomUniform(0, 1, new Shape(2 * B, K));
            q = q.div(q.sum(new int[] {1}, true));
            float[] g = global.toFloatArray();
            float[] l = local.toFloatArray();
            float[] t = q.toFloatArray();
            double localRaw = 0;
            for (int v = 0; v < 4; v++) {
                for (int i = 0; i < 2; i++) {
                    localRaw += pair(l, t, v, i, B);
                }
            }
            double globalRaw = pair(g, t, 0, 0, 2 * B);
            DinoV2ClsLoss loss = new DinoV2ClsLoss();
            DinoV2ClsLoss.Terms terms = loss.forward(global, local, q);
            assertEquals(localRaw / 10, terms.localCrops().getFloat(), 1e-5);
            assertEquals(globalRaw * 2 / 10, terms.globalCrops().getFloat(), 1e-5);
            assertEquals(localRaw / 10 + globalRaw * 2 / 10, terms.sum().getFloat(), 1e-5);
            // The one global pair is the mean of the two position-aligned pairs (student A with the swapped teacher
            // slot A, which holds teacher crop B, and vice versa); no pair is skipped.
            assertEquals(pair(g, t, 0, 0, B) + pair(g, t, 1, 1, B), 2 * globalRaw, 1e-9);
        }
    }

    @Test
    void withoutLocalCropsOnlyTheGlobalTermRemains() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray global = step.randomNormal(new Shape(2 * B, K));
            NDArray q = global.softmax(-1);
            DinoV2ClsLoss loss = new DinoV2ClsLoss();
            DinoV2ClsLoss.Terms terms = loss.forward(global, q);
            assertEquals(0f, terms.localCrops().getFloat());
            assertEquals(new Shape(), terms.localCrops().getShape());
            assertEquals(loss.crossEntropySum(global, q, 2 * B).getFloat(), terms.globalCrops().getFloat(), 1e-6f);
        }
    }

    @Test
    void gradientsReachTheStudentOnlyAndNothingIsNaN() {
        try (NDManager step = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray global = step.randomNormal(new Shape(2 * B, K));
            NDArray local = step.randomNormal(new Shape(2 * B, K));
            NDArray teacher = step.randomNormal(new Shape(2 * B, K));
            global.setRequiresGradient(true);
            local.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            NDArray total = new DinoV2ClsLoss().forward(global, local, teacher.softmax(-1)).sum();
            assertEquals(new Shape(), total.getShape());
            assertFalse(Float.isNaN(total.getFloat()));
            gc.backward(total);
            assertTrue(global.getGradient().abs().sum().getFloat() > 0);
            assertTrue(local.getGradient().abs().sum().getFloat() > 0);
            assertEquals(0f, teacher.getGradient().abs().sum().getFloat(), "targets are constants");
        }
    }

    @Test
    void swapExchangesTheGlobalHalves() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray rows = step.arange(0f, 12f).reshape(4, 3);
            assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5},
                    DinoV2ClsLoss.swapGlobalCrops(rows).toFloatArray());
            assertEquals("expected teacher rows of the 2 global crops [2B, ...], got shape (3, 3)",
                    assertThrows(IllegalArgumentException.class,
                            () -> DinoV2ClsLoss.swapGlobalCrops(step.zeros(new Shape(3, 3)))).getMessage());
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager step = NDManager.newBaseManager()) {
            DinoV2ClsLoss loss = new DinoV2ClsLoss();
            NDArray q = step.ones(new Shape(6, 4));
            assertEquals("expected student local logits [nLocal*B, K] with B = 3 and K = 4 (from teacher targets "
                            + "(6, 4)), got (5, 4)",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.localLoss(step.ones(new Shape(5, 4)), q)).getMessage());
            assertEquals("expected student global logits of the teacher targets' shape (6, 4) ([2B, K]), got (6, 5)",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.globalLoss(step.ones(new Shape(6, 5)), q, 2)).getMessage());
            assertEquals("expected teacher targets of the 2 global crops [2B, K], got shape (5, 4)",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.globalLoss(step.ones(new Shape(5, 4)), step.ones(new Shape(5, 4)), 2))
                            .getMessage());
            assertEquals("the number of local crops must be >= 0, got -1",
                    assertThrows(IllegalArgumentException.class, () -> DinoV2ClsLoss.numTerms(-1)).getMessage());
            assertEquals("student temperature must be a positive number (official 0.1), got -0.1",
                    assertThrows(IllegalArgumentException.class, () -> new DinoV2ClsLoss(-0.1)).getMessage());
        }
    }
}
