package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ViT against the official {@code VisionTransformer} (fixture {@code dino_vit_forward}). */
class VisionTransformerParityTest {

    private static TensorManifest fixture;

    @BeforeAll
    static void open() {
        fixture = Fixtures.open("dino_vit_forward");
    }

    /** The model the fixture's config describes. */
    static VisionTransformer fixtureModel() {
        JsonObject c = fixture.config();
        return VisionTransformer.builder()
                .setPatchSize(c.get("patch_size").getAsInt())
                .setEmbedDim(c.get("embed_dim").getAsInt())
                .setDepth(c.get("depth").getAsInt())
                .setNumHeads(c.get("num_heads").getAsInt())
                .optImageSize(c.get("img_size").getAsInt())
                .optInChannels(c.get("in_chans").getAsInt())
                .optMlpRatio(c.get("mlp_ratio").getAsDouble())
                .optQkvBias(c.get("qkv_bias").getAsBoolean())
                .optDropPathRate(c.get("drop_path_rate").getAsDouble())
                .optLayerNormEps(c.get("layernorm_eps").getAsFloat())
                .build();
    }

    @Test
    void stateDictNamesAndOrderMatchTheOfficialModel() {
        VisionTransformer vit = fixtureModel();
        assertEquals(fixture.names("params"), new ArrayList<>(vit.stateDict().keySet()));
        for (String name : fixture.names("params")) {
            assertEquals(fixture.shape("params/" + name), vit.stateDict().get(name).getShape(), name);
        }
    }

    @Test
    void forwardMatchesTheOfficialOutputs() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = fixtureModel();
            vit.initializeWeights(m, 0);
            vit.loadStateDict(fixture.loadRole(m, "params"), true);
            int compared = 0;
            for (String size : List.of("32", "16", "32x24")) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = fixture.load(step, "inputs/x" + size);
                    BackboneOutput out = vit.forwardWithAttention(x);
                    compared += compareIfPresent("expected/cls_" + size, out.cls());
                    compared += compareIfPresent("expected/tokens_norm_" + size, out.tokens());
                    compared += compareIfPresent("expected/last_selfattention_" + size, out.lastSelfAttention());
                    compared += compareIfPresent("debug/prepare_tokens_" + size, vit.prepareTokens(x));
                    Shape s = x.getShape();
                    compared += compareIfPresent("debug/pos_embed_interp_" + size,
                            vit.positionalEmbedding((int) s.get(2), (int) s.get(3), step));
                    // evaluation forward without attention gives the same features
                    BackboneOutput plain = vit.forward(x);
                    assertTrue(plain.tokens().contentEquals(out.tokens()));
                    assertEquals(null, plain.lastSelfAttention());
                }
            }
            // cls x3, tokens x2, attention x2, prepare_tokens x2, pos_embed_interp x2
            assertEquals(11, compared, "fixture tensors compared");
        }
    }

    private static int compareIfPresent(String name, NDArray actual) {
        if (!fixture.entries().containsKey(name)) {
            return 0;
        }
        ParityAssert.assertMatches(fixture, name, actual);
        return 1;
    }

    @Test
    void interpolationMatricesMatchTheOfficialBicubicResampling() throws IOException {
        int grid = fixture.config().get("img_size").getAsInt() / fixture.config().get("patch_size").getAsInt();
        check("debug/pos_interp_matrix_16", PositionalEmbedding.interpolationMatrix(grid, 4, 4));
        check("debug/pos_interp_matrix_32x24", PositionalEmbedding.interpolationMatrix(grid, 8, 6));
        // the cached copy is the same map
        PositionalEmbedding pe = new PositionalEmbedding(grid);
        check("debug/pos_interp_matrix_32x24", pe.matrix(8, 6));
        assertTrue(pe.matrix(8, 6) == pe.matrix(8, 6), "cached per output grid");
    }

    private static void check(String name, float[] actual) throws IOException {
        double[] a = new double[actual.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        ParityAssert.assertMatches(fixture.tolerance(name), name, a, fixture.doubles(name), i -> false);
    }
}
