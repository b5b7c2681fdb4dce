package org.dino4j.core.target;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkhornKnoppTest {

    @Test
    void clsTargetsMatchOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_dino_loss");
        double temperature = fixture.config().get("teacher_temp").getAsDouble();
        assertEquals(fixture.config().get("sinkhorn_iterations").getAsInt(), new SinkhornKnopp().iterations());
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray teacher = fixture.load(step, "inputs/teacher_logits");
            NDArray q = new SinkhornKnopp().probabilities(teacher, temperature);
            ParityAssert.assertMatches(fixture, "expected/sinkhorn_knopp_teacher", q);
        }
    }

    @Test
    void patchTargetsWithTheMaskedPatchCountMatchOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        double temperature = fixture.config().get("teacher_temp").getAsDouble();
        long nMasked = fixture.config().get("n_masked").getAsLong();
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray teacher = fixture.load(step, "inputs/teacher_masked_logits");
            NDArray q = new SinkhornKnopp().probabilities(teacher, temperature, nMasked);
            ParityAssert.assertMatches(fixture, "expected/sinkhorn_knopp_teacher", q);
            // B = the row count by default, which is the masked patch count here
            ParityAssert.assertMatches(fixture, "expected/sinkhorn_knopp_teacher",
                    new SinkhornKnopp().probabilities(teacher, temperature));
        }
    }

    @Test
    void maxSubtractionChangesOnlyRounding() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_dino_loss");
        double temperature = fixture.config().get("teacher_temp").getAsDouble();
        SinkhornKnopp stable = SinkhornKnopp.builder().optSubtractMax(true).build();
        assertTrue(stable.subtractsMax());
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray teacher = fixture.load(step, "inputs/teacher_logits");
            ParityAssert.assertMatches(fixture, "expected/sinkhorn_knopp_teacher",
                    stable.probabilities(teacher, temperature));
            // Shifted beyond float32's exp range (t / T > 140): the official form fails, the stabilised one gives
            // the unshifted targets, since a common shift of all logits cancels in the normalisation.
            NDArray shifted = teacher.add(10);
            assertThrows(IllegalStateException.class, () -> new SinkhornKnopp().probabilities(shifted, temperature));
            ParityAssert.assertMatches(fixture, "expected/sinkhorn_knopp_teacher",
                    stable.probabilities(shifted, temperature));
        }
    }

    @Test
    void rowsAreDistributionsAndPrototypesAreBalanced() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray t = step.randomNormal(new Shape(6, 5));
            NDArray q = SinkhornKnopp.builder().optIterations(50).build().probabilities(t, 0.5);
            assertEquals(new Shape(6, 5), q.getShape());
            for (float s : q.sum(new int[] {1}).toFloatArray()) {
                assertEquals(1f, s, 1e-5f);
            }
            // After many rounds each prototype gets B/K of the mass.
            for (float s : q.sum(new int[] {0}).toFloatArray()) {
                assertEquals(6 / 5f, s, 1e-3f);
            }
        }
    }

    @Test
    void explicitCountScalesTheColumnStepAndLeadingAxesAreKept() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray t = step.randomNormal(new Shape(2, 3, 4));
            SinkhornKnopp sk = new SinkhornKnopp();
            NDArray flat = sk.probabilities(t.reshape(6, 4), 0.1);
            NDArray nested = sk.probabilities(t, 0.1);
            assertEquals(new Shape(2, 3, 4), nested.getShape());
            assertArrayEquals(flat.toFloatArray(), nested.toFloatArray(), 0f);
            // The last column step and the final scaling by B cancel: B only affects rounding.
            assertArrayEquals(flat.toFloatArray(), sk.probabilities(t, 0.1, 12).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void statelessWithoutGradientAndFloat32() {
        try (NDManager step = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            SinkhornKnopp sk = new SinkhornKnopp();
            NDArray t = step.randomNormal(new Shape(4, 8));
            t.setRequiresGradient(true);
            NDArray q1 = sk.probabilities(t.mul(1), 0.07);
            assertFalse(q1.hasGradient(), "targets are detached from the teacher");
            sk.update(t);
            NDArray q2 = sk.probabilities(t.mul(1), 0.07);
            assertArrayEquals(q1.toFloatArray(), q2.toFloatArray(), 0f);
            assertEquals(DataType.FLOAT32, sk.probabilities(t.toType(DataType.FLOAT64, false), 0.07).getDataType());
        }
    }

    @Test
    void overflowFailsWithAClearMessage() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray t = step.create(new float[] {10, 0, 0, 1}, new Shape(2, 2));
            assertEquals("Sinkhorn-Knopp targets are not finite: teacher logits / T span [0.0, 250.0], but exp in "
                            + "float32 overflows above 88.72 and underflows to 0 below -103 (the official algorithm "
                            + "subtracts no maximum); use a weight-normalised head (logits in [-1, 1]), a higher "
                            + "teacher temperature, or optSubtractMax(true)",
                    assertThrows(IllegalStateException.class,
                            () -> new SinkhornKnopp().probabilities(t, 0.04)).getMessage());
            // Without the check the official algorithm hands NaN on.
            NDArray q = SinkhornKnopp.builder().optFiniteCheck(false).build().probabilities(t, 0.04);
            assertTrue(q.isNaN().any().getBoolean());
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager step = NDManager.newBaseManager()) {
            SinkhornKnopp sk = new SinkhornKnopp();
            NDArray t = step.zeros(new Shape(2, 4));
            assertEquals("teacher temperature must be a positive number, got 0.0",
                    assertThrows(IllegalArgumentException.class, () -> sk.probabilities(t, 0)).getMessage());
            assertEquals("the Sinkhorn-Knopp sample count B must be positive (the number of teacher rows, or of "
                            + "masked patches for iBOT), got 0",
                    assertThrows(IllegalArgumentException.class, () -> sk.probabilities(t, 0.1, 0)).getMessage());
            assertEquals("teacher logits must be a non-empty [rows, K] array, got shape (0, 4)",
                    assertThrows(IllegalArgumentException.class,
                            () -> sk.probabilities(step.zeros(new Shape(0, 4)), 0.1)).getMessage());
            assertEquals("Sinkhorn-Knopp needs at least 1 iteration (official 3), got 0",
                    assertThrows(IllegalArgumentException.class,
                            () -> SinkhornKnopp.builder().optIterations(0).build()).getMessage());
        }
    }
}
