package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ViT with DINOv2's options (registers, LayerScale, MLP / SwiGLU, mask token, both interpolation modes) against
 * the official {@code DinoVisionTransformer} (fixtures {@code checkpoints/dinov2_backbone[_swiglu]}).
 */
class Dinov2VisionTransformerParityTest {

    static TensorManifest fixture(String name) {
        return Fixtures.open("checkpoints/" + name);
    }

    /** The model the fixture's config describes. */
    static VisionTransformer model(TensorManifest fixture, PositionalEmbedding.Interpolation interpolation) {
        JsonObject c = fixture.config();
        return VisionTransformer.builder()
                .setPatchSize(c.get("patch_size").getAsInt())
                .setEmbedDim(c.get("embed_dim").getAsInt())
                .setDepth(c.get("depth").getAsInt())
                .setNumHeads(c.get("num_heads").getAsInt())
                .optImageSize(c.get("img_size").getAsInt())
                .optMlpRatio(c.get("mlp_ratio").getAsDouble())
                .optQkvBias(c.get("qkv_bias").getAsBoolean())
                .optLayerNormEps(c.get("layernorm_eps").getAsFloat())
                .optRegisterTokens(c.get("num_register_tokens").getAsInt())
                .optLayerScale(c.get("init_values").getAsDouble())
                .optFfn(c.get("ffn_layer").getAsString().equals("mlp") ? Ffn.MLP : Ffn.SWIGLU)
                .optMaskToken(true)
                .optInterpolation(interpolation)
                .build();
    }

    private static VisionTransformer loaded(TensorManifest fixture, PositionalEmbedding.Interpolation mode,
                                            NDManager m) throws IOException {
        VisionTransformer vit = model(fixture, mode);
        vit.initializeWeights(m, 0);
        vit.loadStateDict(fixture.loadRole(m, "params"), true);
        return vit;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dinov2_backbone", "dinov2_backbone_swiglu"})
    void stateDictNamesOrderAndShapesMatchTheOfficialModel(String name) {
        TensorManifest f = fixture(name);
        VisionTransformer vit = model(f, PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS);
        assertEquals(f.names("params"), new ArrayList<>(vit.stateDict().keySet()));
        for (String n : f.names("params")) {
            assertEquals(f.shape("params/" + n), vit.stateDict().get(n).getShape(), n);
        }
        int ffnHidden = f.config().get("ffn_hidden").getAsInt();
        assertEquals(ffnHidden, vit.config().ffnHidden(), "FFN hidden width");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dinov2_backbone", "dinov2_backbone_swiglu"})
    void forwardFeaturesMatchTheOfficialOutputs(String name) throws IOException {
        TensorManifest f = fixture(name);
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = loaded(f, PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS, m);
            NDArray x = f.load(m, "inputs/x");
            BackboneOutput out = vit.forward(x);
            ParityAssert.assertMatches(f, "expected/x_norm_clstoken", out.cls());
            ParityAssert.assertMatches(f, "expected/x_norm_regtokens", out.registerTokens());
            ParityAssert.assertMatches(f, "expected/x_norm_patchtokens", out.patchTokens());
            ParityAssert.assertMatches(f, "expected/x_prenorm", out.preNormTokens());
            assertEquals(1 + 2 + 64, out.tokens().getShape().get(1), "[CLS, 2 registers, 64 patches]");
            assertTrue(out.registerTokens().contentEquals(out.tokens().get(":, 1:3")));

            NDArray masks = f.load(m, "inputs/masks");
            BackboneOutput masked = vit.forward(x, masks, false, null);
            ParityAssert.assertMatches(f, "expected/masked/x_norm_clstoken", masked.cls());
            ParityAssert.assertMatches(f, "expected/masked/x_norm_patchtokens", masked.patchTokens());
            // boolean masks give the same result as 0/1 masks
            BackboneOutput maskedBool = vit.forward(x, masks.neq(0), false, null);
            assertTrue(maskedBool.tokens().contentEquals(masked.tokens()));
        }
    }

    @ParameterizedTest
    @EnumSource(PositionalEmbedding.Interpolation.class)
    void otherInputSizesMatchInBothInterpolationModes(PositionalEmbedding.Interpolation mode) throws IOException {
        TensorManifest f = fixture("dinov2_backbone");
        int compared = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = loaded(f, mode, m);
            for (String size : List.of("16", "24x40")) {
                NDArray x = f.load(m, "inputs/x" + size);
                BackboneOutput out = vit.forward(x);
                String prefix = "expected/interp_" + mode.officialName() + "/" + size + "/";
                ParityAssert.assertMatches(f, prefix + "x_norm_clstoken", out.cls());
                ParityAssert.assertMatches(f, prefix + "x_norm_regtokens", out.registerTokens());
                ParityAssert.assertMatches(f, prefix + "x_norm_patchtokens", out.patchTokens());
                compared += 3;
            }
        }
        assertEquals(6, compared);
    }

    @ParameterizedTest
    @EnumSource(PositionalEmbedding.Interpolation.class)
    void interpolationMatricesMatchTheOfficialOnes(PositionalEmbedding.Interpolation mode) throws IOException {
        TensorManifest f = fixture("dinov2_backbone");
        check(f, "debug/pos_interp_matrix_" + mode.officialName() + "_16",
                PositionalEmbedding.interpolationMatrix(8, 4, 4, mode));
        check(f, "debug/pos_interp_matrix_" + mode.officialName() + "_24x40",
                PositionalEmbedding.interpolationMatrix(8, 6, 10, mode));
    }

    @Test
    void theTwoModesDifferEvenWhenUpsampling() {
        double[][] dino = PositionalEmbedding.bicubicWeights(8, 10, 10.1 / 8);
        double[][] aa = PositionalEmbedding.antialiasedBicubicWeights(8, 10);
        double maxDiff = 0;
        for (int o = 0; o < 10; o++) {
            double sum = 0;
            for (int i = 0; i < 8; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(dino[o][i] - aa[o][i]));
                sum += aa[o][i];
            }
            assertEquals(1.0, sum, 1e-12, "antialiased rows are normalised");
        }
        assertTrue(maxDiff > 1e-3, "different kernels: " + maxDiff);
    }

    @Test
    void aModelWithoutRegistersHasNoRegisterOutput() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(1)
                    .setNumHeads(3).optImageSize(16).build();
            vit.initializeWeights(m, 1);
            BackboneOutput out = vit.forward(m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, 16, 16)));
            assertNull(out.registerTokens());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 17, 48), out.preNormTokens().getShape());
        }
    }

    private static void check(TensorManifest f, String name, float[] actual) throws IOException {
        double[] a = new double[actual.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        ParityAssert.assertMatches(f.tolerance(name), name, a, f.doubles(name), i -> false);
    }
}
