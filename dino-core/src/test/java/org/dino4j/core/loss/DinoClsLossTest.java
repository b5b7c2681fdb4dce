package org.dino4j.core.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DinoClsLossTest {

    private static final int B = 2;
    private static final int K = 5;

    /** The loss formula, written out in double: pairs (i, v != i), batch mean per pair, pair mean. */
    private static double reference(float[] s, float[] q, int nCrops, int nT, double ts) {
        double total = 0;
        int terms = 0;
        for (int i = 0; i < nT; i++) {
            for (int v = 0; v < nCrops; v++) {
                if (v == i) {
                    continue;
                }
                double pair = 0;
                for (int b = 0; b < B; b++) {
                    int sr = (v * B + b) * K;
                    int tr = (i * B + b) * K;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < K; k++) {
                        max = Math.max(max, s[sr + k] / ts);
                    }
                    double lse = 0;
                    for (int k = 0; k < K; k++) {
                        lse += Math.exp(s[sr + k] / ts - max);
                    }
                    lse = Math.log(lse) + max;
                    for (int k = 0; k < K; k++) {
                        pair -= q[tr + k] * (s[sr + k] / ts - lse);
                    }
                }
                total += pair / B;
                terms++;
            }
        }
        return total / terms;
    }

    private static float[] randomTargets(Random rng, int rows) {
        float[] q = new float[rows * K];
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int k = 0; k < K; k++) {
                q[r * K + k] = rng.nextFloat() + 0.01f;
                sum += q[r * K + k];
            }
            for (int k = 0; k < K; k++) {
                q[r * K + k] /= sum;
            }
        }
        return q;
    }

    private static float[] randomLogits(Random rng, int rows) {
        float[] s = new float[rows * K];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) rng.nextGaussian();
        }
        return s;
    }

    @Test
    void matchesTheFormulaAndSkipsSameViewPairs() {
        Random rng = new Random(7);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] crops : new int[][] {{4, 2}, {2, 2}, {5, 1}, {3, 3}}) {
                int nCrops = crops[0];
                int nT = crops[1];
                float[] s = randomLogits(rng, nCrops * B);
                float[] q = randomTargets(rng, nT * B);
                DinoClsLoss loss = new DinoClsLoss(0.1, nT);
                float value = loss.forward(m.create(s, new Shape(nCrops * B, K)), m.create(q, new Shape(nT * B, K)))
                        .getFloat();
                assertEquals(reference(s, q, nCrops, nT, 0.1), value, 1e-5, nCrops + " crops, " + nT + " teacher");
            }
            assertEquals(6, DinoClsLoss.numTerms(4, 2));
            assertEquals(18, DinoClsLoss.numTerms(10, 2));
        }
    }

    @Test
    void sameViewPairDoesNotContribute() {
        // With one teacher crop, student crop 0 is the same view as the teacher's only crop: it takes part in no
        // pair, so changing it changes nothing and it gets no gradient.
        Random rng = new Random(3);
        try (NDManager m = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            float[] s = randomLogits(rng, 3 * B);
            NDArray q = m.create(randomTargets(rng, B), new Shape(B, K));
            DinoClsLoss loss = new DinoClsLoss(0.1, 1);
            float before = loss.forward(m.create(s, new Shape(3 * B, K)), q).getFloat();
            float[] changed = s.clone();
            for (int i = 0; i < B * K; i++) {
                changed[i] = 10 * i;
            }
            NDArray student = m.create(changed, new Shape(3 * B, K));
            student.setRequiresGradient(true);
            NDArray after = loss.forward(student, q);
            assertEquals(before, after.getFloat(), 0f);
            gc.backward(after);
            NDArray g = student.getGradient();
            assertEquals(0f, g.get("0:" + B).abs().sum().getFloat(), "same-view crop");
            assertTrue(g.get(B + ":").abs().sum().getFloat() > 0, "other crops");
        }
    }

    @Test
    void gradientReachesEveryStudentCropAndNotTheTeacher() {
        Random rng = new Random(11);
        try (NDManager m = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray s = m.create(randomLogits(rng, 4 * B), new Shape(4 * B, K));
            NDArray teacher = m.create(randomLogits(rng, 2 * B), new Shape(2 * B, K));
            s.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            NDArray value = new DinoClsLoss().forward(s, teacher.softmax(-1));
            assertEquals(new Shape(), value.getShape(), "a scalar");
            gc.backward(value);
            NDArray g = s.getGradient();
            for (int row = 0; row < 4 * B; row++) {
                assertTrue(g.get(row).abs().sum().getFloat() > 0, "student row " + row);
            }
            assertEquals(0f, teacher.getGradient().abs().sum().getFloat(), "no gradient into the teacher");
            assertFalse(g.isNaN().any().getBoolean());
        }
    }

    @Test
    void softCrossEntropyPerRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.create(new float[] {0.25f, 0.75f, 1, 0}, new Shape(2, 2));
            NDArray logp = SoftCrossEntropy.logProbabilities(m.create(new float[] {0, 0, 1, 0}, new Shape(2, 2)), 1);
            float[] h = SoftCrossEntropy.perRow(q, logp).toFloatArray();
            assertEquals(Math.log(2), h[0], 1e-6);
            assertEquals(-(1 - Math.log(Math.E + 1)), h[1], 1e-6);
        }
    }

    @Test
    void badShapesAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            DinoClsLoss loss = new DinoClsLoss();
            assertEquals("expected student logits [nCrops*B, K] and teacher targets [nT*B, K] with the same K, got "
                            + "(8, 5) and (4, 6)",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.forward(m.zeros(new Shape(8, 5)), m.zeros(new Shape(4, 6)))).getMessage());
            assertEquals("teacher targets have 3 rows, expected a positive multiple of the 2 teacher crops (nT*B)",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.forward(m.zeros(new Shape(8, 5)), m.zeros(new Shape(3, 5)))).getMessage());
            assertEquals("student logits have 7 rows, expected nCrops*B with B = 2 (from 4 teacher rows / 2 teacher "
                            + "crops) and nCrops >= 2",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.forward(m.zeros(new Shape(7, 5)), m.zeros(new Shape(4, 5)))).getMessage());
            assertEquals("student logits have 2 rows, expected nCrops*B with B = 2 (from 4 teacher rows / 2 teacher "
                            + "crops) and nCrops >= 2",
                    assertThrows(IllegalArgumentException.class,
                            () -> loss.forward(m.zeros(new Shape(2, 5)), m.zeros(new Shape(4, 5)))).getMessage());
            assertEquals("student temperature must be a positive number (official 0.1), got -0.1",
                    assertThrows(IllegalArgumentException.class, () -> new DinoClsLoss(-0.1, 2)).getMessage());
            assertEquals("numTeacherCrops must be >= 1 (DINO: 2), got 0",
                    assertThrows(IllegalArgumentException.class, () -> new DinoClsLoss(0.1, 0)).getMessage());
        }
    }
}
