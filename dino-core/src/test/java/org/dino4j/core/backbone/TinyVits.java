package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The small ViT and the comparisons that the tests of alternative forward passes share. */
final class TinyVits {

    /** Relative tolerance of two passes that differ by the rounding of their products. */
    static final float TOLERANCE = 2e-5f;

    private TinyVits() {}

    /** Patch 4, width 48, depth 3, 3 heads, trained at 32 x 32. */
    static VisionTransformer.Builder builder() {
        return VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(3).setNumHeads(3)
                .optImageSize(32);
    }

    /**
     * Every trainable parameter's gradient, copied to the JVM.
     *
     * @param vit the model after a backward pass
     * @param step the manager that frees the gradients' handles
     * @return the gradients by parameter name, in the model's order
     */
    static Map<String, float[]> gradients(VisionTransformer vit, NDManager step) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : vit.trainableParameters().entrySet()) {
            NDArray g = e.getValue().getArray().getGradient();
            g.attach(step);
            out.put(e.getKey(), g.toFloatArray());
        }
        return out;
    }

    /** Equal sizes, and every element within {@link #TOLERANCE} of the largest magnitude (at least 1). */
    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": sizes");
        float scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE * Math.max(1, scale), what + " at " + i);
        }
    }
}
