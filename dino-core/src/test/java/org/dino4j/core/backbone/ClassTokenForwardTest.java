package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Backbone#forwardClassToken}: a ViT whose last block computes the CLS token alone gives the CLS features of
 * the full forward, and the same gradients for every parameter (the key bias's is zero both ways, up to rounding),
 * with the same stochastic-depth draws in both modes.
 */
class ClassTokenForwardTest {

    @Test
    void clsFeaturesEqualTheFullForwardInEvaluation() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyVits.builder().optRegisterTokens(2).optLayerScale(0.5).build();
            vit.initializeWeights(m, 3);
            for (Shape shape : new Shape[] {new Shape(3, 3, 32, 32), new Shape(2, 3, 16, 24)}) {
                NDArray images = m.randomNormal(shape);
                BackboneOutput full = vit.forward(images);
                BackboneOutput cls = vit.forwardClassToken(images, false, null);
                assertEquals(new Shape(shape.get(0), 48), cls.cls().getShape());
                TinyVits.assertClose(full.cls().toFloatArray(), cls.cls().toFloatArray(), "cls of " + shape);
                assertNull(cls.tokens());
                assertNull(cls.patchTokens());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StochasticDepth.Mode.class)
    void trainingGivesTheSameFeaturesDrawsAndGradients(StochasticDepth.Mode mode) {
        try (NDManager m = NDManager.newBaseManager()) {
            // two copies of one model, so that each pass accumulates gradients of its own
            VisionTransformer vit = TinyVits.builder().optDropPathRate(0.5).optDropPathUniform(true)
                    .optDropPathMode(mode).optLayerScale(0.1).optRegisterTokens(2).build();
            vit.initializeWeights(m, 7);
            VisionTransformer twin = TinyVits.builder().optDropPathRate(0.5).optDropPathUniform(true)
                    .optDropPathMode(mode).optLayerScale(0.1).optRegisterTokens(2).build();
            twin.initializeWeights(m, 7);
            NDArray images = m.randomNormal(new Shape(6, 3, 32, 32));
            NDArray weights = m.randomNormal(new Shape(6, 48));

            Map<String, float[]> fullGradients;
            float[] fullCls;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                NDArray cls = vit.forward(images, true, new SplittableRandom(11)).cls();
                fullCls = cls.toFloatArray();
                gc.backward(cls.mul(weights).sum());
                fullGradients = TinyVits.gradients(vit, step);
            }
            Map<String, float[]> clsGradients;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                NDArray cls = twin.forwardClassToken(images, true, new SplittableRandom(11)).cls();
                TinyVits.assertClose(fullCls, cls.toFloatArray(), "cls");
                gc.backward(cls.mul(weights).sum());
                clsGradients = TinyVits.gradients(twin, step);
            }
            assertEquals(fullGradients.keySet(), clsGradients.keySet());
            for (String name : fullGradients.keySet()) {
                TinyVits.assertClose(fullGradients.get(name), clsGradients.get(name), "gradient of " + name);
            }
            // the drop path did drop something: another stream gives other features
            try (NDManager step = m.newSubManager()) {
                float[] other = twin.forwardClassToken(images, true, new SplittableRandom(12)).cls().toFloatArray();
                assertFalse(Arrays.equals(fullCls, other));
            }
        }
    }

    @Test
    void aQkvWithoutBiasGivesTheSameFeaturesAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyVits.builder().optQkvBias(false).build();
            vit.initializeWeights(m, 5);
            VisionTransformer twin = TinyVits.builder().optQkvBias(false).build();
            twin.initializeWeights(m, 5);
            NDArray images = m.randomNormal(new Shape(3, 3, 32, 32));
            Map<String, float[]> full;
            float[] fullCls;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                NDArray cls = vit.forward(images, true, null).cls();
                fullCls = cls.toFloatArray();
                gc.backward(cls.sum());
                full = TinyVits.gradients(vit, step);
            }
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                NDArray cls = twin.forwardClassToken(images, true, null).cls();
                TinyVits.assertClose(fullCls, cls.toFloatArray(), "cls");
                gc.backward(cls.sum());
                Map<String, float[]> alone = TinyVits.gradients(twin, step);
                for (String name : full.keySet()) {
                    TinyVits.assertClose(full.get(name), alone.get(name), "gradient of " + name);
                }
            }
        }
    }

    @Test
    void trainingWithDropPathNeedsAGenerator() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyVits.builder().optDropPathRate(0.1).build();
            vit.initializeWeights(m, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vit.forwardClassToken(m.zeros(new Shape(1, 3, 32, 32)), true, null));
            assertTrue(e.getMessage().startsWith("training with drop path rate 0.1 needs a SplittableRandom"),
                    e.getMessage());
        }
    }

    @Test
    void aBackboneWithoutTokensRunsItsFullForward() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet resnet = new ResNet(18, 3);
            resnet.initializeWeights(m, 2);
            NDArray images = m.randomNormal(new Shape(2, 3, 32, 32));
            TinyVits.assertClose(resnet.forward(images).cls().toFloatArray(),
                    resnet.forwardClassToken(images, false, null).cls().toFloatArray(), "resnet features");
        }
    }
}
