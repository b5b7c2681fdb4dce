package org.dino4j.core.target;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CenteringSharpeningTest {

    private static final float[] T = {1, 2, 3, 0, -1, 0.5f, 2, 2, -2, 4, 0, 1};
    /** Column means of T as [3, 4]. */
    private static final double[] MEAN = {-2 / 3.0, 6.5 / 3, 5 / 3.0, 1};

    @Test
    void probabilitiesAreSoftmaxOfCentredLogitsOverTemperature() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            float[] c = {0.5f, -0.25f, 1, 0};
            targets.setCenter(c);
            double temperature = 0.5;
            try (NDManager step = owner.newSubManager()) {
                float[] q = targets.probabilities(step.create(T, new Shape(3, 4)), temperature).toFloatArray();
                for (int r = 0; r < 3; r++) {
                    double[] e = new double[4];
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        e[k] = Math.exp((T[r * 4 + k] - c[k]) / temperature);
                        sum += e[k];
                    }
                    for (int k = 0; k < 4; k++) {
                        assertEquals(e[k] / sum, q[r * 4 + k], 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void stateChangesOnlyInUpdate() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            assertArrayEquals(new float[4], targets.centerValues(), "starts at zeros");
            try (NDManager step = owner.newSubManager()) {
                NDArray t = step.create(T, new Shape(3, 4));
                float[] q1 = targets.probabilities(t, 0.04).toFloatArray();
                float[] q2 = targets.probabilities(t, 0.04).toFloatArray();
                assertArrayEquals(q1, q2);
                assertArrayEquals(new float[4], targets.centerValues(), "probabilities leave the centre alone");
                targets.update(t);
                float[] after = targets.centerValues();
                // c = 0.9 * 0 + 0.1 * column means
                for (int k = 0; k < 4; k++) {
                    assertEquals(0.1 * MEAN[k], after[k], 1e-6);
                }
                float[] q3 = targets.probabilities(t, 0.04).toFloatArray();
                assertFalse(java.util.Arrays.equals(q1, q3), "the next step uses the new centre");
                targets.update(t);
                for (int k = 0; k < 4; k++) {
                    assertEquals(0.9 * after[k] + 0.1 * MEAN[k], targets.centerValues()[k], 1e-6);
                }
            }
        }
    }

    @Test
    void targetsCarryNoGradientAndRowsSumToOne() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            try (NDManager step = owner.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray t = step.create(T, new Shape(3, 4));
                t.setRequiresGradient(true);
                NDArray q = targets.probabilities(t.mul(2), 0.1);
                assertFalse(q.hasGradient(), "targets are detached from the teacher");
                float[] sums = q.sum(new int[] {-1}).toFloatArray();
                for (float s : sums) {
                    assertEquals(1f, s, 1e-6f);
                }
            }
        }
    }

    @Test
    void multiDimensionalLogitsAverageOverAllRows() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4, 0.5);
            try (NDManager step = owner.newSubManager()) {
                NDArray t = step.create(T, new Shape(1, 3, 4));
                assertEquals(new Shape(1, 3, 4), targets.probabilities(t, 1).getShape());
                targets.update(t);
                for (int k = 0; k < 4; k++) {
                    assertEquals(0.5 * MEAN[k], targets.centerValues()[k], 1e-6);
                }
            }
        }
    }

    @Test
    void stepsInSubManagersLeaveNothingInTheOwner() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            int before = owner.getManagedArrays().size();
            NDArray centre = targets.center();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = owner.newSubManager()) {
                    NDArray t = step.create(T, new Shape(3, 4));
                    targets.probabilities(t, 0.04);
                    targets.update(t);
                }
            }
            assertEquals(before, owner.getManagedArrays().size());
            assertSame(centre, targets.center(), "updated in place");
            assertEquals(owner, targets.center().getManager());
            assertTrue(targets.center().abs().sum().getFloat() > 0);
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            NDArray wrongK = owner.zeros(new Shape(2, 3));
            assertEquals("teacher logits must have K = 4 columns (the centre's size), got shape (2, 3)",
                    assertThrows(IllegalArgumentException.class,
                            () -> targets.probabilities(wrongK, 0.04)).getMessage());
            assertEquals("teacher logits must have K = 4 columns (the centre's size), got shape (2, 3)",
                    assertThrows(IllegalArgumentException.class, () -> targets.update(wrongK)).getMessage());
            assertEquals("teacher logits are empty (shape (0, 4)); expected at least one row",
                    assertThrows(IllegalArgumentException.class,
                            () -> targets.update(owner.zeros(new Shape(0, 4)))).getMessage());
            assertEquals("teacher temperature must be a positive number, got 0.0",
                    assertThrows(IllegalArgumentException.class,
                            () -> targets.probabilities(owner.zeros(new Shape(2, 4)), 0)).getMessage());
            assertEquals("the centre needs K = 4 values, got 3",
                    assertThrows(IllegalArgumentException.class,
                            () -> targets.setCenter(new float[3])).getMessage());
            assertEquals("centre momentum must be in [0, 1] (official 0.9), got 1.5",
                    assertThrows(IllegalArgumentException.class,
                            () -> new CenteringSharpening(owner, 4, 1.5)).getMessage());
            assertEquals("numPrototypes K must be positive, got 0",
                    assertThrows(IllegalArgumentException.class,
                            () -> new CenteringSharpening(owner, 0)).getMessage());
        }
    }
}
