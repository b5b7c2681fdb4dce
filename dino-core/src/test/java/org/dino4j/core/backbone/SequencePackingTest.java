package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DINOv2's sequence packing ({@link PackedSequences}, {@link VisionTransformer#forwardPacked}): a packed pass over
 * crop groups of different resolutions gives each group what a pass over that group alone gives, values and
 * gradients, with and without stochastic depth.
 */
class SequencePackingTest {

    @Test
    void packAndUnpackRoundTripRowsInGroupOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(2 * 3 * 4f).reshape(2, 3, 4);
            NDArray b = m.arange(100f, 100 + 5 * 2 * 4f).reshape(5, 2, 4);
            PackedSequences p = PackedSequences.pack(List.of(a, b));
            assertEquals(new Shape(16, 4), p.tokens().getShape());
            assertEquals(List.of(new PackedSequences.Group(2, 3), new PackedSequences.Group(5, 2)), p.groups());
            assertArrayEquals(a.reshape(6, 4).toFloatArray(), p.tokens().get("0:6").toFloatArray());
            assertArrayEquals(b.reshape(10, 4).toFloatArray(), p.tokens().get("6:").toFloatArray());
            NDList back = p.unpack();
            assertTrue(back.get(0).contentEquals(a));
            assertTrue(back.get(1).contentEquals(b));
            NDList rows = p.splitRows(p.tokens().mul(2));
            assertEquals(new Shape(6, 4), rows.get(0).getShape());
            assertEquals(new Shape(10, 4), rows.get(1).getShape());
            // a single group is its own packing
            PackedSequences one = PackedSequences.pack(List.of(a));
            assertTrue(one.unpack().singletonOrThrow().contentEquals(a));
        }
    }

    @Test
    void badPackingsFailWithClearMessages() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.zeros(new Shape(2, 3, 4));
            IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                    () -> PackedSequences.pack(List.of(a, m.zeros(new Shape(2, 3, 5)))));
            assertEquals("sequences to pack must all be [B, T, 4], got (2, 3, 5)", width.getMessage());
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> PackedSequences.pack(List.of()));
            assertEquals("nothing to pack: give at least one [B, T, D] array", none.getMessage());
            IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                    () -> new PackedSequences(m.zeros(new Shape(7, 4)), List.of(new PackedSequences.Group(2, 3))));
            assertEquals("packed tokens must be [N, D] with N = 6 (the rows of groups [Group[batch=2, length=3]]),"
                    + " got (7, 4)", rows.getMessage());
        }
    }

    @Test
    void packedPassEqualsOnePassPerGroupInEvaluation() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyVits.builder().optRegisterTokens(2).optLayerScale(0.5).build();
            vit.initializeWeights(m, 3);
            List<NDArray> groups = List.of(m.randomNormal(new Shape(2, 3, 32, 32)),
                    m.randomNormal(new Shape(5, 3, 16, 16)), m.randomNormal(new Shape(3, 3, 24, 16)));
            List<BackboneOutput> packed = vit.forwardPacked(groups, null, false, null);
            assertEquals(3, packed.size());
            for (int g = 0; g < groups.size(); g++) {
                BackboneOutput alone = vit.forward(groups.get(g));
                BackboneOutput p = packed.get(g);
                assertEquals(alone.tokens().getShape(), p.tokens().getShape());
                assertClose(alone.tokens(), p.tokens(), "tokens of group " + g);
                assertClose(alone.cls(), p.cls(), "cls of group " + g);
                assertClose(alone.patchTokens(), p.patchTokens(), "patch tokens of group " + g);
                assertClose(alone.registerTokens(), p.registerTokens(), "registers of group " + g);
                assertClose(alone.preNormTokens(), p.preNormTokens(), "pre-norm tokens of group " + g);
            }
        }
    }

    @Test
    void packedTrainingStepEqualsOnePassPerGroupWithTheSameDropsAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two copies of one model, so that each pass accumulates gradients of its own
            VisionTransformer vit = TinyVits.builder().optDropPathRate(0.5).optMaskToken(true).build();
            vit.initializeWeights(m, 7);
            VisionTransformer twin = TinyVits.builder().optDropPathRate(0.5).optMaskToken(true).build();
            twin.initializeWeights(m, 7);
            List<NDArray> groups = List.of(m.randomNormal(new Shape(4, 3, 32, 32)),
                    m.randomNormal(new Shape(6, 3, 16, 16)));
            NDArray masks = m.randomUniform(0, 1, new Shape(4, 64)).gt(0.7);
            NDArray[] weights = {m.randomNormal(new Shape(4, 65, 48)), m.randomNormal(new Shape(6, 17, 48))};

            Map<String, float[]> alone;
            List<float[]> aloneTokens = new ArrayList<>();
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                NDArray loss = null;
                for (int g = 0; g < 2; g++) {
                    BackboneOutput out = vit.forward(groups.get(g), g == 0 ? masks : null, true,
                            new SplittableRandom(100 + g));
                    aloneTokens.add(out.tokens().toFloatArray());
                    NDArray l = out.tokens().mul(weights[g]).sum();
                    loss = loss == null ? l : loss.add(l);
                }
                gc.backward(loss);
                alone = TinyVits.gradients(vit, step);
            }
            Map<String, float[]> packed;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                List<BackboneOutput> outs = twin.forwardPacked(groups, masks, true,
                        List.of(new SplittableRandom(100), new SplittableRandom(101)));
                NDArray loss = null;
                for (int g = 0; g < 2; g++) {
                    TinyVits.assertClose(aloneTokens.get(g), outs.get(g).tokens().toFloatArray(),
                            "tokens of group " + g);
                    NDArray l = outs.get(g).tokens().mul(weights[g]).sum();
                    loss = loss == null ? l : loss.add(l);
                }
                gc.backward(loss);
                packed = TinyVits.gradients(twin, step);
            }
            assertEquals(alone.keySet(), packed.keySet());
            for (String name : alone.keySet()) {
                TinyVits.assertClose(alone.get(name), packed.get(name), "gradient of " + name);
            }
            // the drop path did drop something: another stream gives other tokens
            try (NDManager step = m.newSubManager()) {
                float[] other = vit.forwardPacked(groups, masks, true,
                        List.of(new SplittableRandom(1), new SplittableRandom(2))).get(1).tokens().toFloatArray();
                assertFalse(Arrays.equals(aloneTokens.get(1), other));
            }
        }
    }

    @Test
    void subsetStochasticDepthIsNotPackedInTraining() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyVits.builder().optDropPathRate(0.2).optDropPathMode(StochasticDepth.Mode.SUBSET)
                    .build();
            vit.initializeWeights(m, 1);
            assertFalse(vit.canPack(true));
            assertTrue(vit.canPack(false));
            List<NDArray> groups = List.of(m.zeros(new Shape(1, 3, 32, 32)), m.zeros(new Shape(1, 3, 16, 16)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> vit.forwardPacked(groups,
                    null, true, List.of(new SplittableRandom(1), new SplittableRandom(2))));
            assertEquals("this ViT trains with SUBSET stochastic depth, which runs each branch on a subset of each"
                    + " group's samples; forward the groups one by one", e.getMessage());
            VisionTransformer masking = TinyVits.builder().optDropPathRate(0.2).build();
            masking.initializeWeights(m, 1);
            IllegalArgumentException rngs = assertThrows(IllegalArgumentException.class,
                    () -> masking.forwardPacked(groups, null, true, List.of(new SplittableRandom(1))));
            assertEquals("training with drop path rate 0.2 needs one SplittableRandom per group (2), got 1",
                    rngs.getMessage());
        }
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        TinyVits.assertClose(expected.toFloatArray(), actual.toFloatArray(), what);
    }
}
