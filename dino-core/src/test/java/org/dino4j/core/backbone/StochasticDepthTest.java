package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
        assertArrayEquals(new double[] {0.3, 0.3, 0.3}, StochasticDepth.rates(0.3, 3, true));
        assertArrayEquals(StochasticDepth.linearRates(0.3, 3), StochasticDepth.rates(0.3, 3, false));
        assertEquals("the stochastic-depth mode must not be null; use MASK (DINO) or SUBSET (DINOv2)",
                assertThrows(IllegalArgumentException.class, () -> new StochasticDepth(0.1, null)).getMessage());
    }

    @Test
    void subsetHasTheOfficialSizeDistinctAscendingIndicesAndFollowsTheSeed() {
        StochasticDepth sd = new StochasticDepth(0.35, StochasticDepth.Mode.SUBSET);
        long[] kept = sd.subset(10, new SplittableRandom(3));
        assertEquals(6, kept.length, "max(int(10 * 0.65), 1)");
        for (int i = 1; i < kept.length; i++) {
            assertTrue(kept[i - 1] < kept[i], "distinct and ascending: " + Arrays.toString(kept));
        }
        assertTrue(kept[0] >= 0 && kept[kept.length - 1] < 10);
        assertArrayEquals(kept, sd.subset(10, new SplittableRandom(3)));
        assertNotEquals(Arrays.toString(kept), Arrays.toString(sd.subset(10, new SplittableRandom(4))));
        // at least one sample always runs, as max(..., 1) in the official code
        assertEquals(1, new StochasticDepth(0.9, StochasticDepth.Mode.SUBSET).subset(3, new SplittableRandom(0)).length);
        // every sample is drawn equally often over many draws
        int[] counts = new int[8];
        SplittableRandom rng = new SplittableRandom(5);
        StochasticDepth half = new StochasticDepth(0.5, StochasticDepth.Mode.SUBSET);
        for (int t = 0; t < 4000; t++) {
            for (long k : half.subset(8, rng)) {
                counts[(int) k]++;
            }
        }
        for (int c : counts) {
            assertEquals(2000, c, 150, Arrays.toString(counts));
        }
    }

    @Test
    void subsetRunsTheBranchOnTheKeptSamplesOnlyAndMatchesTheMaskedFormula() {
        int batch = 6;
        double rate = 0.5;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(batch, 3, 4));
            NDArray w = m.randomNormal(new Shape(4, 4));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            List<Shape> seen = new ArrayList<>();
            UnaryOperator<NDArray> branch = in -> {
                seen.add(in.getShape());
                return in.matMul(w).tanh();
            };
            StochasticDepth sd = new StochasticDepth(rate, StochasticDepth.Mode.SUBSET);
            long[] kept = sd.subset(batch, new SplittableRandom(7));
            float[] ySubset;
            float[] gxSubset;
            float[] gwSubset;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = sd.addResidual(x, branch, true, new SplittableRandom(7));
                ySubset = y.toFloatArray();
                gc.backward(y.mul(y).sum());
                gxSubset = x.getGradient().toFloatArray();
                gwSubset = w.getGradient().toFloatArray();
            }
            assertEquals(List.of(new Shape(kept.length, 3, 4)), seen, "the branch saw only the kept samples");
            // the same update written with a mask: x + m * branch(x), m = B / subset on kept samples, 0 elsewhere
            float[] mask = new float[batch];
            for (long k : kept) {
                mask[(int) k] = (float) batch / kept.length;
            }
            NDArray maskArray = m.create(mask, new Shape(batch, 1, 1));
            x.getGradient().subi(x.getGradient());
            w.getGradient().subi(w.getGradient());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = x.add(x.matMul(w).tanh().mul(maskArray));
                assertArrayEquals(y.toFloatArray(), ySubset, 1e-5f);
                gc.backward(y.mul(y).sum());
                assertArrayEquals(x.getGradient().toFloatArray(), gxSubset, 1e-4f);
                assertArrayEquals(w.getGradient().toFloatArray(), gwSubset, 1e-4f);
            }
            // dropped samples pass through unchanged
            float[] xs = x.toFloatArray();
            for (int b = 0; b < batch; b++) {
                if (mask[b] == 0) {
                    for (int i = b * 12; i < (b + 1) * 12; i++) {
                        assertEquals(xs[i], ySubset[i], "sample " + b);
                    }
                }
            }
        }
    }

    @Test
    void subsetAddsTheWholeBranchInEvaluationAndAtRateZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(4, 2, 3));
            UnaryOperator<NDArray> branch = in -> in.mul(2);
            float[] expected = x.mul(3).toFloatArray();
            assertArrayEquals(expected, new StochasticDepth(0.5, StochasticDepth.Mode.SUBSET)
                    .addResidual(x, branch, false, null).toFloatArray(), 1e-6f);
            assertArrayEquals(expected, new StochasticDepth(0, StochasticDepth.Mode.SUBSET)
                    .addResidual(x, branch, true, null).toFloatArray(), 1e-6f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new StochasticDepth(0.2, StochasticDepth.Mode.SUBSET).addResidual(x, branch, true, null));
            assertEquals("training with drop path rate 0.2 needs a SplittableRandom to draw the samples that run each"
                    + " branch; pass one (e.g. new SplittableRandom(seed)), or use training = false for evaluation",
                    e.getMessage());
        }
    }

    @Test
    void maskModeAddResidualIsTheMaskedBranch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(8, 2, 3));
            StochasticDepth sd = new StochasticDepth(0.3);
            float[] viaAdd = sd.addResidual(x, in -> in.mul(2), true, new SplittableRandom(1)).toFloatArray();
            float[] direct = x.add(sd.apply(x.mul(2), true, new SplittableRandom(1))).toFloatArray();
            assertArrayEquals(direct, viaAdd);
        }
    }

    @Test
    void aBranchThatReadsMoreThanItUpdatesDrawsTheSameAndUpdatesTheBaseRows() {
        int batch = 6;
        try (NDManager m = NDManager.newBaseManager()) {
            // the base is the first token of each sample, the branch reads all three (the CLS-only last block)
            NDArray input = m.randomNormal(new Shape(batch, 3, 4));
            NDArray base = input.get(":, :1");
            List<Shape> seen = new ArrayList<>();
            UnaryOperator<NDArray> branch = in -> {
                seen.add(in.getShape());
                return in.sum(new int[] {1}, true).tanh();
            };
            StochasticDepth subset = new StochasticDepth(0.5, StochasticDepth.Mode.SUBSET);
            long[] kept = subset.subset(batch, new SplittableRandom(5));
            float[] out = subset.addResidual(base, input, branch, true, new SplittableRandom(5)).toFloatArray();
            assertEquals(List.of(new Shape(kept.length, 3, 4)), seen, "the branch read the kept samples' tokens");
            float[] b = base.toFloatArray();
            float[] full = input.sum(new int[] {1}, true).tanh().toFloatArray();
            float[] expected = b.clone();
            for (long k : kept) {
                for (int i = (int) k * 4; i < (k + 1) * 4; i++) {
                    expected[i] = b[i] + (float) batch / kept.length * full[i];
                }
            }
            assertArrayEquals(expected, out, 1e-5f);
            // masking draws one value per sample, as for the base alone
            StochasticDepth mask = new StochasticDepth(0.5);
            float[] masked = mask.addResidual(base, input, branch, true, new SplittableRandom(9)).toFloatArray();
            float[] direct = base.add(mask.apply(input.sum(new int[] {1}, true).tanh(), true,
                    new SplittableRandom(9))).toFloatArray();
            assertArrayEquals(direct, masked, 1e-6f);
        }
    }
}
