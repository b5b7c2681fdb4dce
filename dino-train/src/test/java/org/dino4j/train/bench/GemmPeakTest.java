package org.dino4j.train.bench;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmPeakTest {

    @Test
    void timesEveryProductAndFreesItsArrays() {
        try (NDManager root = NDManager.newBaseManager()) {
            GemmPeak g = GemmPeak.measure(root, 64, 3);

            assertEquals(64, g.size());
            assertEquals(3, g.gflops().length);
            for (double r : g.gflops()) {
                assertTrue(r > 0 && Double.isFinite(r), "rate " + r);
            }
            assertEquals(Stats.median(g.gflops()), g.medianGflops());
            assertEquals(java.util.Arrays.stream(g.gflops()).max().orElseThrow(), g.bestGflops());
            assertTrue(g.bestGflops() >= g.medianGflops());
            assertEquals(0, root.getManagedArrays().size());
        }
    }

    @Test
    void badSizesAreRefused() {
        try (NDManager root = NDManager.newBaseManager()) {
            assertEquals("the GEMM size must be >= 1, got 0",
                    assertThrows(IllegalArgumentException.class, () -> GemmPeak.measure(root, 0, 3)).getMessage());
            assertEquals("the GEMM repeats must be >= 1, got 0",
                    assertThrows(IllegalArgumentException.class, () -> GemmPeak.measure(root, 8, 0)).getMessage());
        }
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertEquals(3.0, Stats.median(new double[] {5, 3, 1}));
        assertTrue(Double.isNaN(Stats.median(new double[0])));
    }
}
