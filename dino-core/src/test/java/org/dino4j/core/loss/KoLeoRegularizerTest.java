package org.dino4j.core.loss;

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

class KoLeoRegularizerTest {

    @Test
    void lossAndNeighboursMatchOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_koleo");
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray x = fixture.load(step, "inputs/x");
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            ParityAssert.assertMatches(fixture, "expected/loss", koleo.forward(x).reshape(1));
            long[] nn = koleo.nearestNeighbours(x).toLongArray();
            int[] expected = fixture.ints("debug/nn_index");
            assertEquals(expected.length, nn.length);
            for (int i = 0; i < nn.length; i++) {
                assertEquals(expected[i], nn[i], "neighbour of row " + i);
            }
        }
    }

    @Test
    void gradientFlowsIntoTheFeaturesAndMatchesFiniteDifferences() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray x = step.randomNormal(new Shape(5, 4)).toType(DataType.FLOAT64, false);
            x.setRequiresGradient(true);
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            double[] grad;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(koleo.forward(x));
                grad = x.getGradient().toDoubleArray();
            }
            double[] v = x.toDoubleArray();
            double h = 1e-6;
            for (int i = 0; i < v.length; i++) {
                double[] plus = v.clone();
                double[] minus = v.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (koleo.forward(step.create(plus, new Shape(5, 4))).getDouble()
                        - koleo.forward(step.create(minus, new Shape(5, 4))).getDouble()) / (2 * h);
                assertEquals(fd, grad[i], 1e-5, "d loss / d x[" + i + "]");
            }
            assertTrue(java.util.Arrays.stream(grad).anyMatch(g -> g != 0));
        }
    }

    @Test
    void tiesGoToTheFirstIndexAndDuplicatesStayFinite() {
        try (NDManager step = NDManager.newBaseManager()) {
            // Rows 1 and 2 point the same way (duplicates after normalisation) and are equally close to rows 0 and 3.
            NDArray x = step.create(new float[] {1, 0, 0, 1, 0, 2, -1, 0}, new Shape(4, 2));
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            assertArrayEquals(new long[] {1, 2, 1, 1}, koleo.nearestNeighbours(x).toLongArray());
            float loss = koleo.forward(x).getFloat();
            assertFalse(Float.isNaN(loss) || Float.isInfinite(loss), "duplicates give distance eps, not 0: " + loss);
        }
    }

    @Test
    void perCropSumsTheCrops() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray x = step.randomNormal(new Shape(6, 4));
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            float expected = koleo.forward(x.get("0:3")).getFloat() + koleo.forward(x.get("3:6")).getFloat();
            assertEquals(expected, koleo.forwardPerCrop(x, 2).getFloat(), 1e-6f);
        }
    }

    @Test
    void aBatchOfOneIsRejected() {
        try (NDManager step = NDManager.newBaseManager()) {
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            assertEquals("KoLeo needs at least 2 samples to find nearest neighbours, got batch size 1; use a batch of "
                            + "at least 2 images (per process and global crop) or set the KoLeo weight to 0",
                    assertThrows(IllegalArgumentException.class,
                            () -> koleo.forward(step.ones(new Shape(1, 8)))).getMessage());
            assertEquals("KoLeo needs at least 2 samples to find nearest neighbours, got batch size 1 per crop "
                            + "(2 rows in 2 crops); use a batch of at least 2 images (per process and global crop) or "
                            + "set the KoLeo weight to 0",
                    assertThrows(IllegalArgumentException.class,
                            () -> koleo.forwardPerCrop(step.ones(new Shape(2, 8)), 2)).getMessage());
        }
    }

    @Test
    void badShapesAreNamed() {
        try (NDManager step = NDManager.newBaseManager()) {
            KoLeoRegularizer koleo = new KoLeoRegularizer();
            assertEquals("expected KoLeo features [n, D], got shape (4)",
                    assertThrows(IllegalArgumentException.class,
                            () -> koleo.forward(step.ones(new Shape(4)))).getMessage());
            assertEquals("expected KoLeo features [nCrops*B, D] with nCrops = 2, got shape (5, 3)",
                    assertThrows(IllegalArgumentException.class,
                            () -> koleo.forwardPerCrop(step.ones(new Shape(5, 3)), 2)).getMessage());
            assertEquals("numCrops must be >= 1 (dinov2: 2 global crops), got 0",
                    assertThrows(IllegalArgumentException.class,
                            () -> koleo.forwardPerCrop(step.ones(new Shape(4, 3)), 0)).getMessage());
        }
    }
}
