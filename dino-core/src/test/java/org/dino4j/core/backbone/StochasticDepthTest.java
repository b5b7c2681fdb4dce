package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StochasticDepthTest {

    @Test
    void identityInEvaluationAndAtRateZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(4, 3, 2));
            assertSame(x, new StochasticDepth(0.5).apply(x, false, null));
            assertSame(x, new StochasticDepth(0).apply(x, true, null));
        }
    }

    @Test
    void trainingZeroesWholeSamplesAndScalesSurvivorsBy1OverKeep() {
        double rate = 0.4;
        int batch = 32;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(1f, 2f, new Shape(batch, 5, 3));
            NDArray y = new StochasticDepth(rate).apply(x, true, new SplittableRandom(11));
            float[] xs = x.toFloatArray();
            float[] ys = y.toFloatArray();
            // the documented protocol: one nextDouble() u per sample, the sample survives iff u >= rate
            SplittableRandom expected = new SplittableRandom(11);
            int dropped = 0;
            for (int b = 0; b < batch; b++) {
                boolean keep = expected.nextDouble() >= rate;
                dropped += keep ? 0 : 1;
                for (int i = b * 15; i < (b + 1) * 15; i++) {
                    assertEquals(keep ? xs[i] / (1 - rate) : 0.0, ys[i], 1e-6, "sample " + b);
                }
            }
            assertTrue(dropped > 0 && dropped < batch, "some dropped, some kept: " + dropped);
            // same seed, same masks
            NDArray again = new StochasticDepth(rate).apply(x, true, new SplittableRandom(11));
            assertArrayEquals(ys, again.toFloatArray());
        }
    }

    @Test
    void trainingWithoutGeneratorFailsWithAClearMessage() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(2, 3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new StochasticDepth(0.1).apply(x, true, null));
            assertEquals("training with drop path rate 0.1 needs a SplittableRandom to draw the per-sample keep"
                    + " masks; pass one (e.g. new SplittableRandom(seed)), or use training = false for evaluation",
                    e.getMessage());
        }
    }

    @Test
    void ratesRiseLinearlyLikeTorchLinspace() {
        assertArrayEquals(new double[] {0.0, (double) 0.05f, (double) 0.1f},
                StochasticDepth.linearRates(0.1, 3));
        assertArrayEquals(new double[] {0.0}, StochasticDepth.linearRates(0.1, 1));
        double[] twelve = StochasticDepth.linearRates(0.1, 12);
        assertEquals(0.0, twelve[0]);
        assertEquals((double) 0.1f, twelve[11]);
        for (int i = 0; i < 12; i++) {
            assertEquals(0.1 * i / 11, twelve[i], 1e-8);
        }
        assertEquals("drop path rate must be in [0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new StochasticDepth(1.0)).getMessage());
    }
}
