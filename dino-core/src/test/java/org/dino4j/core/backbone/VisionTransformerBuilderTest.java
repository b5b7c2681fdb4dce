package org.dino4j.core.backbone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VisionTransformerBuilderTest {

    private static VisionTransformer.Builder tiny() {
        return VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(2).setNumHeads(3)
                .optImageSize(32);
    }

    private static void assertMessage(String expected, Executable build) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void buildsTheDocumentedConfiguration() {
        VisionTransformer vit = tiny().optInChannels(3).optMlpRatio(4).optQkvBias(true).optDropPathRate(0.1)
                .optLayerNormEps(1e-6f).build();
        assertEquals(new VitConfig(32, 4, 3, 48, 2, 3, 4, true, 0.1, 1e-6f), vit.config());
        assertEquals(48, vit.embedDim());
        assertEquals(16, vit.config().headDim());
        assertEquals(192, vit.config().mlpHidden());
        assertEquals(64, vit.config().numPatches());
        assertEquals(0.0, vit.blocks().get(0).dropPath().rate());
        assertEquals((double) 0.1f, vit.blocks().get(1).dropPath().rate());
        assertEquals(vit, vit.block());
        assertEquals(StochasticDepth.Mode.MASK, vit.blocks().get(1).dropPath().mode());
        VisionTransformer v2 = tiny().optDropPathRate(0.3).optDropPathMode(StochasticDepth.Mode.SUBSET).build();
        assertEquals(StochasticDepth.Mode.SUBSET, v2.config().dropPathMode());
        assertEquals(StochasticDepth.Mode.SUBSET, v2.blocks().get(1).dropPath().mode());
        assertEquals(0.0, v2.blocks().get(0).dropPath().rate(), "linear rise from 0 by default");
        VisionTransformer uniform = tiny().optDropPathRate(0.3).optDropPathUniform(true).build();
        assertEquals(0.3, uniform.blocks().get(0).dropPath().rate());
        assertEquals(0.3, uniform.blocks().get(1).dropPath().rate());
        assertMessage("the drop path mode must not be null; use MASK (DINO) or SUBSET (DINOv2)",
                () -> tiny().optDropPathMode(null).build());
    }

    @Test
    void invalidConfigurationsFailWithWhatWouldBeRight() {
        assertMessage("patch size must be positive, got 0; set it with setPatchSize (official models use 8, 14 or 16)",
                () -> VisionTransformer.builder().setEmbedDim(48).setDepth(2).setNumHeads(3).build());
        assertMessage("embed dim must be positive, got 0; set it with setEmbedDim (e.g. 384 for ViT-S)",
                () -> VisionTransformer.builder().setPatchSize(4).setDepth(2).setNumHeads(3).build());
        assertMessage("depth must be positive, got 0; set it with setDepth (e.g. 12)",
                () -> tiny().setDepth(0).build());
        assertMessage("number of heads must be positive, got 0; set it with setNumHeads (e.g. 6 for ViT-S)",
                () -> tiny().setNumHeads(0).build());
        assertMessage("embed dim 50 is not divisible by the number of heads 3; use an embed dim that is a multiple"
                + " of 3 (e.g. 48) or a divisor of 50 as the head count", () -> tiny().setEmbedDim(50).build());
        assertMessage("image size 30 is not divisible by the patch size 4; use a multiple of 4 (e.g. 28 or 32)",
                () -> tiny().optImageSize(30).build());
        assertMessage("image size 2 is not divisible by the patch size 4; use a multiple of 4 (e.g. 4)",
                () -> tiny().optImageSize(2).build());
        assertMessage("image size must be positive, got 0", () -> tiny().optImageSize(0).build());
        assertMessage("input channels must be positive, got 0", () -> tiny().optInChannels(0).build());
        assertMessage("mlp ratio must give a hidden width of at least 1, got ratio 0.0 for embed dim 48"
                + " (official models use 4)", () -> tiny().optMlpRatio(0).build());
        assertMessage("drop path rate must be in [0, 1), got 1.0 (DINO uses 0.1 for ViT-S/16)",
                () -> tiny().optDropPathRate(1).build());
        assertMessage("layer norm eps must be positive, got 0.0 (official ViTs use 1e-6)",
                () -> tiny().optLayerNormEps(0).build());
    }
}
