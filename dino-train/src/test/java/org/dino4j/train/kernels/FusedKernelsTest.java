package org.dino4j.train.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.nn.Kernels;
import org.junit.jupiter.api.Test;

/** The fused kernels compute the reference's function, with gradients, in float32 and bfloat16. */
class FusedKernelsTest {

    private static final FusedKernels FP32 = new FusedKernels(FusedKernels.Precision.FP32);
    private static final FusedKernels BF16 = new FusedKernels(FusedKernels.Precision.BF16);

    private static float maxAbs(NDArray a) {
        return a.abs().max().getFloat();
    }

    /** Output and input gradients of {@code f} (loss: sum of the output times a fixed weight). */
    private static List<NDArray> valueAndGradients(NDManager m, Function<NDArray[], NDArray> f, NDArray... inputs) {
        List<NDArray> out = new ArrayList<>();
        NDArray[] copies = new NDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            copies[i] = inputs[i].duplicate();
            copies[i].setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = f.apply(copies);
            NDArray w = m.arange((float) y.size()).mul(0.37f).sin().reshape(y.getShape());
            gc.backward(y.mul(w).sum());
            out.add(y);
        }
        for (NDArray c : copies) {
            out.add(c.getGradient().duplicate());
        }
        return out;
    }

    private static void assertClose(List<NDArray> expected, List<NDArray> actual, float relTol, String what) {
        for (int i = 0; i < expected.size(); i++) {
            NDArray e = expected.get(i);
            NDArray a = actual.get(i);
            assertEquals(e.getShape(), a.getShape(), what + " #" + i);
            assertEquals(DataType.FLOAT32, a.getDataType(), what + " #" + i + " returns float32");
            float err = maxAbs(e.sub(a)) / maxAbs(e);
            assertTrue(err <= relTol, what + " #" + i + ": relative error " + err + " > " + relTol);
        }
    }

    @Test
    void attentionMatchesTheReferenceWithGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            for (Shape s : new Shape[] {new Shape(4, 3, 65, 64), new Shape(6, 2, 17, 16), new Shape(2, 1, 5, 48)}) {
                NDArray q = m.randomNormal(s);
                NDArray k = m.randomNormal(s);
                NDArray v = m.randomNormal(s);
                float scale = (float) Math.pow(s.get(3), -0.5);
                Function<NDArray[], NDArray> ref = a -> Kernels.REFERENCE.attention(a[0], a[1], a[2], scale);
                List<NDArray> expected = valueAndGradients(m, ref, q, k, v);
                assertClose(expected, valueAndGradients(m, a -> FP32.attention(a[0], a[1], a[2], scale), q, k, v),
                        2e-6f, "fp32 attention " + s);
                // the attention core stays float32 in the bf16 kernels
                assertClose(expected, valueAndGradients(m, a -> BF16.attention(a[0], a[1], a[2], scale), q, k, v),
                        2e-6f, "bf16 kernels' attention " + s);
            }
        }
    }

    @Test
    void linearMatchesTheReferenceWithGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(4);
            NDArray x = m.randomNormal(new Shape(2, 33, 48));
            NDArray w = m.randomNormal(new Shape(144, 48)).mul(0.1f);
            NDArray b = m.randomNormal(new Shape(144));
            List<NDArray> expected = valueAndGradients(m, a -> Kernels.REFERENCE.linear(a[0], a[1], a[2]), x, w, b);
            assertClose(expected, valueAndGradients(m, a -> FP32.linear(a[0], a[1], a[2]), x, w, b), 0f, "fp32");
            assertClose(expected, valueAndGradients(m, a -> BF16.linear(a[0], a[1], a[2]), x, w, b), 2e-2f, "bf16");
            List<NDArray> noBias = valueAndGradients(m, a -> Kernels.REFERENCE.linear(a[0], a[1], null), x, w);
            assertClose(noBias, valueAndGradients(m, a -> BF16.linear(a[0], a[1], null), x, w), 2e-2f,
                    "bf16 without bias");
        }
    }

    @Test
    void mlpMatchesTheReferenceWithGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray x = m.randomNormal(new Shape(2, 33, 48));
            NDArray w1 = m.randomNormal(new Shape(192, 48)).mul(0.1f);
            NDArray b1 = m.randomNormal(new Shape(192)).mul(0.1f);
            NDArray w2 = m.randomNormal(new Shape(48, 192)).mul(0.1f);
            NDArray b2 = m.randomNormal(new Shape(48));
            List<NDArray> expected = valueAndGradients(m,
                    a -> Kernels.REFERENCE.linear(Activation.gelu(Kernels.REFERENCE.linear(a[0], a[1], a[2])), a[3],
                            a[4]), x, w1, b1, w2, b2);
            assertClose(expected, valueAndGradients(m, a -> Kernels.REFERENCE.mlp(a[0], a[1], a[2], a[3], a[4]),
                    x, w1, b1, w2, b2), 0f, "reference");
            assertClose(expected, valueAndGradients(m, a -> FP32.mlp(a[0], a[1], a[2], a[3], a[4]),
                    x, w1, b1, w2, b2), 0f, "fp32");
            // bfloat16 keeps 8 bits of mantissa: the hidden activation and both products are rounded to it
            assertClose(expected, valueAndGradients(m, a -> BF16.mlp(a[0], a[1], a[2], a[3], a[4]),
                    x, w1, b1, w2, b2), 3e-2f, "bf16");
            try (NDManager step = m.newSubManager()) {
                NDArray xs = step.randomNormal(new Shape(2, 3, 48));
                assertSame(step, BF16.mlp(xs, w1, b1, w2, b2).getManager());
            }
        }
    }

    @Test
    void resultsBelongToTheFirstOperandsManager() {
        try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
            NDArray q = step.randomNormal(new Shape(1, 1, 4, 8));
            NDArray w = m.randomNormal(new Shape(3, 8));
            assertSame(step, BF16.attention(q, q, q, 0.5f).getManager());
            assertSame(step, BF16.linear(q, w, null).getManager());
            // a long-lived operand whose name DJL would read as structure ("blocks.0...") goes in as an unnamed view
            // owned by the call's scope: nothing accumulates in the long-lived manager, call after call
            NDArray named = m.randomNormal(new Shape(3, 8));
            named.setName("blocks.0.attn.qkv.weight");
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager call = m.newSubManager()) {
                    NDArray x = call.randomNormal(new Shape(2, 8));
                    assertEquals(new Shape(2, 3), BF16.linear(x, named, null).getShape());
                }
            }
            // (the count includes sub-managers' arrays: the closed call scopes took theirs with them)
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    @Test
    void aVitWithFusedKernelsMatchesTheReferenceAndTrainsEveryParameter() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2)
                    .setNumHeads(3).optImageSize(32).build();
            vit.initializeWeights(m, 7);
            NDArray x = m.randomNormal(new Shape(3, 3, 32, 32));
            NDArray ref = vit.forward(x, false, null).tokens();
            assertEquals("fused", vit.useKernels(FP32).kernels().name());
            assertTrue(maxAbs(ref.sub(vit.forward(x, false, null).tokens())) < 2e-5f, "fp32 fused ViT");
            vit.useKernels(BF16);
            assertTrue(maxAbs(ref.sub(vit.forward(x, false, null).tokens())) < 0.1f, "bf16 fused ViT");
            // the attention maps still come from the explicit attention, identical to the reference's
            NDArray attention = vit.forwardWithAttention(x).lastSelfAttention();
            assertNotNull(attention);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(vit.forward(x, true, new SplittableRandom(1)).cls().square().sum());
            }
            for (Map.Entry<String, Parameter> e : vit.parameters().entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                assertTrue(maxAbs(g) > 0, "gradient reaches " + e.getKey());
            }
        }
    }

    @Test
    void aSourceTheEngineRejectsSaysWhatToDo() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> KernelModule.of("  def broken(self, x: Tensor) -> Tensor:\n    return torch.nope(x)\n", m));
            assertTrue(e.getMessage().contains("run.kernels: reference"), e.getMessage());
        }
    }
}
