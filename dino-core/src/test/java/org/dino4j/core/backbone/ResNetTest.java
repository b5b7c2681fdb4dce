package org.dino4j.core.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResNetTest {

    private static final String BN = "weight bias running_mean running_var num_batches_tracked";

    /** torchvision's resnet18().state_dict() keys without fc.*, written out by stage. */
    private static List<String> torchvisionResNet18Names() {
        List<String> names = new ArrayList<>();
        names.add("conv1.weight");
        bn(names, "bn1");
        String[] blocks = {
            "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1"};
        for (String b : blocks) {
            names.add(b + ".conv1.weight");
            bn(names, b + ".bn1");
            names.add(b + ".conv2.weight");
            bn(names, b + ".bn2");
            if (b.endsWith(".0") && !b.startsWith("layer1")) {
                names.add(b + ".downsample.0.weight");
                bn(names, b + ".downsample.1");
            }
        }
        return names;
    }

    private static void bn(List<String> names, String prefix) {
        for (String n : BN.split(" ")) {
            names.add(prefix + "." + n);
        }
    }

    @Test
    void stateDictNamesAreTorchvisions() {
        ResNet r18 = ResNet.resnet18();
        assertEquals(torchvisionResNet18Names(), new ArrayList<>(r18.stateDict().keySet()));
        assertEquals(120, r18.stateDict().size());
        Map<String, Parameter> r50 = ResNet.resnet50().stateDict();
        assertEquals(new Shape(64, 64, 1, 1), r50.get("layer1.0.conv1.weight").getShape());
        assertEquals(new Shape(64, 64, 3, 3), r50.get("layer1.0.conv2.weight").getShape());
        assertEquals(new Shape(256, 64, 1, 1), r50.get("layer1.0.conv3.weight").getShape());
        assertEquals(new Shape(256, 64, 1, 1), r50.get("layer1.0.downsample.0.weight").getShape());
        assertEquals(new Shape(2048, 1024, 1, 1), r50.get("layer4.0.downsample.0.weight").getShape());
        assertEquals(new Shape(), r50.get("layer4.2.bn3.num_batches_tracked").getShape());
        assertFalse(r50.containsKey("fc.weight"), "no classifier");
    }

    @Test
    void parameterCountsExcludeBuffers() {
        assertEquals(11_176_512L, ResNet.resnet18().parameterCount(true));
        assertEquals(23_508_032L, ResNet.resnet50().parameterCount(true));
        long r50 = ResNet.resnet50().parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
        assertEquals(23_508_032L, r50);
        assertEquals(512, ResNet.resnet18().embedDim());
        assertEquals(2048, ResNet.resnet50().embedDim());
        assertEquals("unsupported ResNet depth 20; use 18, 34, 50, 101 or 152",
                assertThrows(IllegalArgumentException.class, () -> new ResNet(20, 3)).getMessage());
    }

    @Test
    void pooledFeaturesHaveTheEmbeddingWidth() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet r50 = ResNet.resnet50();
            r50.initializeWeights(m, 1);
            BackboneOutput out = r50.forward(m.randomNormal(new Shape(2, 3, 32, 32)), false, null);
            assertEquals(new Shape(2, 2048), out.cls().getShape());
            assertNull(out.tokens());
            assertNull(out.patchTokens());
            ResNet r18 = ResNet.resnet18();
            r18.initializeWeights(m, 1);
            assertEquals(new Shape(3, 512), r18.forward(m.randomNormal(new Shape(3, 3, 48, 40))).cls().getShape());
            assertEquals("a ResNet has no self-attention; attention maps need a VisionTransformer backbone (use"
                    + " forward(images) for features)", assertThrows(UnsupportedOperationException.class,
                    () -> r18.forwardWithAttention(m.zeros(new Shape(1, 3, 32, 32)))).getMessage());
            assertEquals("images must be [B, 3, H, W], got shape (1, 1, 32, 32)", assertThrows(
                    IllegalArgumentException.class, () -> r18.forward(m.zeros(new Shape(1, 1, 32, 32)))).getMessage());
        }
    }

    @Test
    void initialisationIsTorchvisions() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet r18 = ResNet.resnet18();
            r18.initializeWeights(m, 2);
            Map<String, Parameter> sd = r18.stateDict();
            NDArray w = sd.get("layer3.0.conv1.weight").getArray(); // fan_out = 256 * 3 * 3
            double std = Math.sqrt(w.sub(w.mean()).square().mean().getFloat());
            assertEquals(Math.sqrt(2.0 / (256 * 9)), std, 0.02 * std);
            assertEquals(0, w.mean().getFloat(), 0.05 * std);
            assertEquals(1f, sd.get("layer3.0.bn2.weight").getArray().min().getFloat());
            assertEquals(0f, sd.get("layer3.0.bn2.bias").getArray().abs().max().getFloat());
            assertEquals(1f, sd.get("bn1.running_var").getArray().min().getFloat());
            assertEquals(0f, sd.get("bn1.num_batches_tracked").getArray().getFloat());
        }
    }

    @Test
    void batchNormTrainAndEvalModesMatchAHandComputedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm2d bn = new BatchNorm2d(2);
            bn.initializeWeights(m, 0);
            Map<String, Parameter> sd = bn.stateDict();
            sd.get("weight").getArray().set(new float[] {2f, 0.5f});
            sd.get("bias").getArray().set(new float[] {0.5f, -1f});
            // [B=2, C=2, 2, 2]: channel 0 holds 1..8 (sample 0: 1-4, sample 1: 5-8), channel 1 ten times that.
            float[] x = {1, 2, 3, 4, 10, 20, 30, 40, 5, 6, 7, 8, 50, 60, 70, 80};
            NDArray input = m.create(x, new Shape(2, 2, 2, 2));
            float[] train = bn.forward(input, true).toFloatArray();
            // per channel: n = 8, mean 4.5 (45), biased var 5.25 (525), unbiased 6 (600)
            double[] mean = {4.5, 45};
            double[] var = {5.25, 525};
            double[] gamma = {2, 0.5};
            double[] beta = {0.5, -1};
            for (int i = 0; i < x.length; i++) {
                int c = (i / 4) % 2;
                double expected = (x[i] - mean[c]) / Math.sqrt(var[c] + 1e-5) * gamma[c] + beta[c];
                assertEquals(expected, train[i], 1e-5, "train output " + i);
            }
            // running stats: 0.9 * old + 0.1 * batch, unbiased variance (to 1e-6 relative: DJL's momentum is
            // 1 - 0.9f = 0.100000024)
            assertArrayEquals(new float[] {0.45f, 4.5f}, sd.get("running_mean").getArray().toFloatArray(), 1e-6f);
            float[] runningVar = sd.get("running_var").getArray().toFloatArray();
            assertEquals(1.5, runningVar[0], 1.5e-6);
            assertEquals(60.9, runningVar[1], 60.9e-6);
            assertEquals(1f, sd.get("num_batches_tracked").getArray().getFloat());
            float[] eval = bn.forward(input, false).toFloatArray();
            double[] rm = {0.45, 4.5};
            double[] rv = {1.5, 60.9};
            for (int i = 0; i < x.length; i++) {
                int c = (i / 4) % 2;
                double expected = (x[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5) * gamma[c] + beta[c];
                assertEquals(expected, eval[i], 1e-5, "eval output " + i);
            }
            assertEquals(1f, sd.get("num_batches_tracked").getArray().getFloat(), "eval does not count");
            assertArrayEquals(new float[] {0.45f, 4.5f}, sd.get("running_mean").getArray().toFloatArray(), 1e-6f);
            assertEquals("BatchNorm2d in training mode needs more than one value per channel (B*H*W > 1), got input"
                    + " (1, 2, 1, 1); use a larger batch or evaluation mode", assertThrows(IllegalArgumentException.class,
                    () -> bn.forward(m.zeros(new Shape(1, 2, 1, 1)), true)).getMessage());
        }
    }

    @Test
    void everyParameterGetsAGradientAndStepsLeaveNothingInTheModelManager() {
        try (NDManager model = NDManager.newBaseManager()) {
            ResNet r18 = ResNet.resnet18();
            r18.initializeWeights(model, 3);
            int before = model.getManagedArrays().size();
            NDArray meanBuffer = r18.stateDict().get("layer2.0.downsample.1.running_mean").getArray();
            float[] meanBefore = meanBuffer.toFloatArray();
            try (NDManager step = model.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, 3, 32, 32));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray f = r18.forward(x, true, null).cls();
                    gc.backward(f.mul(step.randomNormal(f.getShape())).sum());
                }
                for (Map.Entry<String, Parameter> e : r18.trainableParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                }
                assertEquals(r18.parameters().keySet(), r18.trainableParameters().keySet(), "buffers are not trained");
            }
            assertEquals(before, model.getManagedArrays().size(), "per-step arrays leaked into the model manager");
            assertTrue(meanBuffer == r18.stateDict().get("layer2.0.downsample.1.running_mean").getArray(),
                    "buffers are updated in place");
            assertFalse(java.util.Arrays.equals(meanBefore, meanBuffer.toFloatArray()), "running mean moved");
            assertEquals(1f, r18.stateDict().get("layer4.1.bn2.num_batches_tracked").getArray().getFloat());
        }
    }
}
