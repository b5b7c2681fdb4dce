package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link Backbone} contract on a tiny ViT (patch 4, D 48, depth 2, 3 heads, trained size 32). */
class VisionTransformerContractTest {

    private static VisionTransformer tiny(double dropPath) {
        return VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2).setNumHeads(3)
                .optImageSize(32).optDropPathRate(dropPath).build();
    }

    private static boolean finite(NDArray a) {
        return !a.isNaN().any().getBoolean() && !a.isInfinite().any().getBoolean();
    }

    @Test
    void outputShapesForTrainedLocalAndNonSquareSizes() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0.1);
            vit.initializeWeights(m, 1);
            int[][] sizes = {{32, 32}, {16, 16}, {32, 24}, {24, 40}};
            for (int[] hw : sizes) {
                NDArray x = m.randomNormal(new Shape(3, 3, hw[0], hw[1]));
                long n = (long) (hw[0] / 4) * (hw[1] / 4);
                BackboneOutput out = vit.forwardWithAttention(x);
                assertEquals(new Shape(3, 1 + n, 48), out.tokens().getShape());
                assertEquals(new Shape(3, 48), out.cls().getShape());
                assertEquals(new Shape(3, n, 48), out.patchTokens().getShape());
                assertEquals(new Shape(3, 3, 1 + n, 1 + n), out.lastSelfAttention().getShape());
                assertTrue(finite(out.tokens()) && finite(out.lastSelfAttention()), "finite at " + hw[0] + "x" + hw[1]);
                // attention rows are probability distributions over keys
                float[] rowSums = out.lastSelfAttention().sum(new int[] {-1}).toFloatArray();
                for (float s : rowSums) {
                    assertEquals(1f, s, 1e-5f);
                }
                // cls and patchTokens are the two parts of tokens
                assertTrue(out.cls().contentEquals(out.tokens().get(":, 0")));
                assertTrue(out.patchTokens().contentEquals(out.tokens().get(":, 1:")));
                BackboneOutput train = vit.forward(x, true, new SplittableRandom(3));
                assertEquals(out.tokens().getShape(), train.tokens().getShape());
                assertNull(train.lastSelfAttention());
                assertTrue(finite(train.tokens()));
            }
            // the DJL entry point returns CLS features and patch tokens
            NDList djl = vit.forward(new ParameterStore(m, false), new NDList(m.zeros(new Shape(2, 3, 16, 32))), false);
            assertEquals(new Shape(2, 48), djl.get(0).getShape());
            assertEquals(new Shape(2, 32, 48), djl.get(1).getShape());
            assertArrayEquals(new Shape[] {new Shape(2, 48), new Shape(2, 32, 48)},
                    vit.getOutputShapes(new Shape[] {new Shape(2, 3, 16, 32)}));
        }
    }

    @Test
    void subsetStochasticDepthTrainsEveryParameterKeepsShapesAndLeavesEvaluationAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            // with DINOv2's LayerScale, which sits inside the branch that runs on the kept samples
            VisionTransformer mask = VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2)
                    .setNumHeads(3).optImageSize(32).optDropPathRate(0.5).optLayerScale(0.1).build();
            VisionTransformer subset = VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2)
                    .setNumHeads(3).optImageSize(32).optDropPathRate(0.5).optLayerScale(0.1)
                    .optDropPathMode(StochasticDepth.Mode.SUBSET).build();
            assertTrue(subset.trainableParameters().containsKey("blocks.1.ls1.gamma"));
            mask.initializeWeights(m, 4);
            subset.initializeWeights(m, 4);
            int before = m.getManagedArrays().size();
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(4, 3, 32, 32));
                assertArrayEquals(mask.forward(x).tokens().toFloatArray(), subset.forward(x).tokens().toFloatArray(),
                        "evaluation does not drop anything");
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    BackboneOutput out = subset.forward(x, true, new SplittableRandom(5));
                    assertEquals(new Shape(4, 65, 48), out.tokens().getShape());
                    assertTrue(finite(out.tokens()));
                    gc.backward(out.tokens().mul(step.randomNormal(out.tokens().getShape())).sum());
                }
                for (Map.Entry<String, Parameter> e : subset.trainableParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                }
            }
            assertEquals(before, m.getManagedArrays().size(), "nothing of the step stays in the model's manager");
        }
    }

    @Test
    void everyTrainableParameterReceivesAGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0.1);
            vit.initializeWeights(m, 2);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(4, 3, 32, 32));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    BackboneOutput out = vit.forward(x, true, new SplittableRandom(5));
                    // A random weighting: the plain sum of LayerNorm outputs has zero gradient at gamma = 1.
                    NDArray loss = out.tokens().mul(step.randomNormal(out.tokens().getShape())).sum();
                    gc.backward(loss);
                }
                for (Map.Entry<String, Parameter> e : vit.trainableParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                    assertTrue(finite(g), e.getKey());
                }
                assertEquals(vit.stateDict().keySet(), vit.trainableParameters().keySet());
            }
        }
    }

    @Test
    void gradientReachesPosEmbedThroughTheInterpolation() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0);
            vit.initializeWeights(m, 3);
            int b = 2;
            int d = 48;
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(b, 3, 16, 16));
                NDArray weights = step.randomNormal(new Shape(b, 17, d));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(vit.prepareTokens(x).mul(weights).sum());
                }
                NDArray g = vit.stateDict().get("pos_embed").getArray().getGradient();
                g.attach(step);
                // d loss / d pos_embed: the CLS row gets sum_b w[b, 0]; the patch rows get M^T sum_b w[b, 1:].
                float[] w = weights.sum(new int[] {0}).toFloatArray(); // [17, D]
                float[] map = PositionalEmbedding.interpolationMatrix(8, 4, 4); // [16, 64]
                float[] expected = new float[65 * d];
                System.arraycopy(w, 0, expected, 0, d);
                for (int o = 0; o < 16; o++) {
                    for (int i = 0; i < 64; i++) {
                        float mo = map[o * 64 + i];
                        for (int c = 0; c < d; c++) {
                            expected[(1 + i) * d + c] += mo * w[(1 + o) * d + c];
                        }
                    }
                }
                assertArrayEquals(expected, g.toFloatArray(), 1e-4f);
                // every trained position contributes to the 4x4 grid
                float[] rowNorms = g.abs().sum(new int[] {2}).toFloatArray();
                for (int r = 0; r < 65; r++) {
                    assertTrue(rowNorms[r] > 0, "row " + r + " of pos_embed got no gradient");
                }
            }
        }
    }

    @Test
    void stateDictRoundTripReproducesTheOutputExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer a = tiny(0.1);
            a.initializeWeights(m, 4);
            VisionTransformer b = tiny(0.1);
            b.initializeWeights(m, 99);
            Map<String, NDArray> copy = new LinkedHashMap<>();
            a.stateDict().forEach((k, p) -> copy.put(k, p.getArray().duplicate()));
            b.loadStateDict(copy, true);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 24));
            BackboneOutput oa = a.forwardWithAttention(x);
            BackboneOutput ob = b.forwardWithAttention(x);
            assertArrayEquals(oa.tokens().toFloatArray(), ob.tokens().toFloatArray(), 0f);
            assertArrayEquals(oa.lastSelfAttention().toFloatArray(), ob.lastSelfAttention().toFloatArray(), 0f);
            assertArrayEquals(a.forward(x, true, new SplittableRandom(1)).cls().toFloatArray(),
                    b.forward(x, true, new SplittableRandom(1)).cls().toFloatArray(), 0f);
        }
    }

    @Test
    void stochasticDepthIsSeededInTrainingAndOffInEvaluation() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0.5);
            vit.initializeWeights(m, 5);
            NDArray x = m.randomNormal(new Shape(8, 3, 32, 32));
            NDArray eval = vit.forward(x).tokens();
            assertTrue(eval.contentEquals(vit.forward(x, false, null).tokens()));
            NDArray t1 = vit.forward(x, true, new SplittableRandom(42)).tokens();
            NDArray t2 = vit.forward(x, true, new SplittableRandom(42)).tokens();
            NDArray t3 = vit.forward(x, true, new SplittableRandom(43)).tokens();
            assertTrue(t1.contentEquals(t2), "same seed, same masks");
            assertFalse(t1.contentEquals(eval), "drop path active in training");
            assertFalse(t1.contentEquals(t3), "another seed, other masks");

            // without drop path, training and evaluation agree and need no generator
            VisionTransformer plain = tiny(0);
            plain.initializeWeights(m, 5);
            assertTrue(plain.forward(x, true, null).tokens().contentEquals(plain.forward(x).tokens()));

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vit.forward(x, true, null));
            assertEquals("training with drop path rate 0.5 needs a SplittableRandom to draw the per-sample keep"
                    + " masks; pass one (e.g. new SplittableRandom(seed)), or use forward(images) for evaluation",
                    e.getMessage());
        }
    }

    @Test
    void seededInitialisationIsReproducibleAndOfficial() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer a = tiny(0);
            VisionTransformer b = tiny(0);
            VisionTransformer c = tiny(0);
            a.initializeWeights(m, 7);
            b.initializeWeights(m, 7);
            c.initializeWeights(m, 8);
            for (String name : a.stateDict().keySet()) {
                NDArray va = a.stateDict().get(name).getArray();
                assertTrue(va.contentEquals(b.stateDict().get(name).getArray()), name);
                float[] v = va.toFloatArray();
                if (name.startsWith("patch_embed.proj.")) {
                    double bound = 1 / Math.sqrt(3 * 4 * 4);
                    for (float f : v) {
                        assertTrue(Math.abs(f) <= bound, name + " within U(+-1/sqrt(fan_in))");
                    }
                    assertFalse(va.contentEquals(c.stateDict().get(name).getArray()), name + " depends on seed");
                } else if (name.endsWith("norm1.weight") || name.endsWith("norm2.weight") || name.equals("norm.weight")) {
                    assertEquals(v.length, va.eq(1f).sum().getLong(), name + " starts at 1");
                } else if (name.endsWith(".bias")) {
                    assertEquals(0f, va.abs().sum().getFloat(), name + " starts at 0");
                } else {
                    // trunc normal std 0.02: Linear weights, cls_token, pos_embed
                    double std = Math.sqrt(va.square().mean().getFloat());
                    if (v.length >= 1000) {
                        assertEquals(0.02, std, 0.002, name + " std");
                    }
                    assertTrue(va.abs().max().getFloat() < 0.2f, name);
                    assertFalse(va.contentEquals(c.stateDict().get(name).getArray()), name + " depends on seed");
                }
            }
        }
    }

    @Test
    void badImagesFailWithWhatWouldBeRight() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0);
            vit.initializeWeights(m, 0);
            assertEquals("images must be [B, C, H, W], got shape (3, 32, 32)",
                    assertThrows(IllegalArgumentException.class,
                            () -> vit.forward(m.zeros(new Shape(3, 32, 32)))).getMessage());
            assertEquals("images have 1 channels but the model expects 3 (shape (2, 1, 32, 32), expected [B, 3, H, W])",
                    assertThrows(IllegalArgumentException.class,
                            () -> vit.forward(m.zeros(new Shape(2, 1, 32, 32)))).getMessage());
            assertEquals("image size 30x32 (HxW) is not a multiple of the patch size 4; crop or resize to multiples"
                            + " of 4 (e.g. 28x32)",
                    assertThrows(IllegalArgumentException.class,
                            () -> vit.forward(m.zeros(new Shape(2, 3, 30, 32)))).getMessage());
        }
    }

    @Test
    void stepsInSubManagersLeaveNothingInTheModelManager() {
        try (NDManager model = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny(0.1);
            vit.initializeWeights(model, 6);
            int before = model.getManagedArrays().size();
            List<Shape> inputs = List.of(new Shape(2, 3, 32, 32), new Shape(2, 3, 16, 16), new Shape(2, 3, 32, 24));
            SplittableRandom rng = new SplittableRandom(0);
            for (Shape s : inputs) {
                try (NDManager step = model.newSubManager()) {
                    NDArray x = step.randomNormal(s);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        BackboneOutput out = vit.forward(x, true, rng);
                        gc.backward(out.cls().sum().add(out.patchTokens().square().mean()));
                    }
                    for (Parameter p : vit.trainableParameters().values()) {
                        p.getArray().getGradient().attach(step);
                    }
                    vit.forwardWithAttention(x);
                    vit.positionalEmbedding((int) s.get(2), (int) s.get(3), step);
                }
            }
            assertEquals(before, model.getManagedArrays().size(), "per-step arrays leaked into the model manager");
        }
    }
}
