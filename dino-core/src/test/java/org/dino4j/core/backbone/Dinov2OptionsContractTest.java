package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Contract of the DINOv2 options on a tiny ViT: gradients, initialisation, memory, validation. */
class Dinov2OptionsContractTest {

    private static VisionTransformer.Builder tiny() {
        return VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2).setNumHeads(3)
                .optImageSize(16).optRegisterTokens(3).optLayerScale(1e-5).optFfn(Ffn.SWIGLU).optMaskToken(true)
                .optDropPathRate(0.1);
    }

    @Test
    void everyParameterIncludingMaskTokenAndRegistersGetsAGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny().build();
            vit.initializeWeights(m, 3);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, 3, 16, 16));
                NDArray masks = step.randomUniform(0, 1, new Shape(2, 16)).lt(0.5);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    BackboneOutput out = vit.forward(x, masks, true, new SplittableRandom(1));
                    assertEquals(new Shape(2, 3, 48), out.registerTokens().getShape());
                    assertEquals(new Shape(2, 1 + 3 + 16, 48), out.preNormTokens().getShape());
                    gc.backward(out.tokens().mul(step.randomNormal(out.tokens().getShape())).sum());
                }
                for (Map.Entry<String, Parameter> e : vit.trainableParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                }
            }
        }
    }

    @Test
    void initialisationFollowsDinov2() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny().build();
            vit.initializeWeights(m, 4);
            Map<String, Parameter> sd = vit.stateDict();
            assertEquals(0f, sd.get("mask_token").getArray().abs().sum().getFloat());
            assertTrue(sd.get("register_tokens").getArray().abs().max().getFloat() < 1e-4f);
            assertEquals(1e-5f, sd.get("blocks.1.ls2.gamma").getArray().max().getFloat());
            assertEquals(new Shape(128 * 2, 48), sd.get("blocks.0.mlp.w12.weight").getShape());
            assertEquals(new Shape(48, 128), sd.get("blocks.0.mlp.w3.weight").getShape());
        }
    }

    @Test
    void maskedStepsLeaveNothingInTheModelManager() {
        try (NDManager model = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny().build();
            vit.initializeWeights(model, 5);
            int before = model.getManagedArrays().size();
            for (int i = 0; i < 2; i++) {
                try (NDManager step = model.newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(2, 3, 16, 24));
                    NDArray masks = step.zeros(new Shape(2, 24)).add(1);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(vit.forward(x, masks, true, new SplittableRandom(i)).cls().sum());
                    }
                    for (Parameter p : vit.trainableParameters().values()) {
                        p.getArray().getGradient().attach(step);
                    }
                }
            }
            assertEquals(before, model.getManagedArrays().size(), "per-step arrays leaked into the model manager");
        }
    }

    @Test
    void fullyMaskedImagesSeeOnlyTheMaskToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny().build();
            vit.initializeWeights(m, 6);
            NDArray a = m.randomNormal(new Shape(1, 3, 16, 16));
            NDArray b = m.randomNormal(new Shape(1, 3, 16, 16));
            NDArray all = m.ones(new Shape(1, 16));
            assertTrue(vit.forward(a, all, false, null).tokens()
                    .contentEquals(vit.forward(b, all, false, null).tokens()), "the image content is hidden");
            assertFalse(vit.forward(a).tokens().contentEquals(vit.forward(b).tokens()));
        }
    }

    private static void assertMessage(String expected, Executable build) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void badOptionsAndMasksFailWithWhatWouldBeRight() {
        assertMessage("number of register tokens must be 0 or more, got -1 (DINOv2 register models use 4)",
                () -> tiny().optRegisterTokens(-1).build());
        assertMessage("layer scale init must be 0 (no LayerScale) or a positive value, got -1.0 (DINOv2 trains with"
                + " 1e-5)", () -> tiny().optLayerScale(-1).build());
        assertMessage("ffn must be set (Ffn.MLP or Ffn.SWIGLU)", () -> tiny().optFfn(null).build());
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = tiny().build();
            vit.initializeWeights(m, 0);
            NDArray x = m.zeros(new Shape(2, 3, 16, 16));
            assertMessage("masks must be [B, N] = (2, 16) (one flag per patch, row-major), got (2, 15)",
                    () -> vit.forward(x, m.zeros(new Shape(2, 15)), false, null));
            VisionTransformer plain = tiny().optMaskToken(false).build();
            plain.initializeWeights(m, 0);
            assertEquals("this ViT has no mask token; build it with optMaskToken(true) to run masked forwards",
                    assertThrows(IllegalStateException.class,
                            () -> plain.forward(x, m.zeros(new Shape(2, 16)), false, null)).getMessage());
        }
    }
}
