package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightNormLinearTest {

    @Test
    void forwardIsXTimesNormalisedWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightNormLinear layer = new WeightNormLinear(3, 2, false);
            layer.initializeWeights(m, 0);
            layer.weightG().getArray().set(new float[] {2f, 0.5f});
            layer.weightV().getArray().set(new float[] {3, 0, 4, 1, 2, 2});
            NDArray x = m.create(new float[] {1, 2, 3, -1, 0, 1}, new Shape(2, 3));
            // W = [[2*3/5, 0, 2*4/5], [0.5/3, 0.5*2/3, 0.5*2/3]]
            double[][] w = {{1.2, 0, 1.6}, {1 / 6.0, 1 / 3.0, 1 / 3.0}};
            float[] y = layer.forward(x).toFloatArray();
            float[] xs = x.toFloatArray();
            for (int r = 0; r < 2; r++) {
                for (int o = 0; o < 2; o++) {
                    double e = 0;
                    for (int i = 0; i < 3; i++) {
                        e += xs[r * 3 + i] * w[o][i];
                    }
                    assertEquals(e, y[r * 2 + o], 1e-6);
                }
            }
            float[] weff = layer.effectiveWeight(x).toFloatArray();
            assertArrayEquals(new float[] {1.2f, 0, 1.6f, 1 / 6f, 1 / 3f, 1 / 3f}, weff, 1e-6f);
        }
    }

    @Test
    void officialNamesInitAndFreezing() {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightNormLinear frozen = new WeightNormLinear(16, 8, true);
            frozen.initializeWeights(m, 3);
            assertEquals(List.of("weight_g", "weight_v"), List.copyOf(frozen.stateDict().keySet()));
            assertTrue(frozen.isNormFrozen());
            assertFalse(frozen.weightG().requiresGradient());
            assertTrue(frozen.weightV().requiresGradient());
            assertEquals(new Shape(8, 1), frozen.weightG().getArray().getShape());
            for (float g : frozen.weightG().getArray().toFloatArray()) {
                assertEquals(1f, g);
            }
            for (float v : frozen.weightV().getArray().toFloatArray()) {
                assertTrue(Math.abs(v) <= 0.25f, "PyTorch default init bound 1/sqrt(16)");
            }
            assertFalse(new WeightNormLinear(16, 8, false).isNormFrozen());
        }
    }
}
