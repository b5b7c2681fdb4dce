package org.dino4j.core.backbone;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VitPresetsTest {

    /** The parameter count of the official architecture, computed from its layer shapes. */
    private static long officialCount(int dim, int depth, int patch, int image) {
        long n = (long) (image / patch) * (image / patch);
        long hidden = 4L * dim;
        long perBlock = 2 * dim                      // norm1
                + (3L * dim * dim + 3L * dim)        // attn.qkv
                + ((long) dim * dim + dim)           // attn.proj
                + 2 * dim                            // norm2
                + (dim * hidden + hidden)            // mlp.fc1
                + (hidden * dim + dim);              // mlp.fc2
        return dim                                   // cls_token
                + (1 + n) * dim                      // pos_embed
                + ((long) dim * 3 * patch * patch + dim) // patch_embed.proj
                + depth * perBlock
                + 2 * dim;                           // norm
    }

    @Test
    void parameterCountsOfTheStandardModels() {
        VisionTransformer s16 = Vit.small(16).build();
        assertEquals(21_665_664L, s16.parameterCount(false));
        assertEquals(officialCount(384, 12, 16, 224), s16.parameterCount(false));
        assertEquals(21_665_664L, s16.parameterCount(true), "every ViT parameter is trainable");
        assertEquals(85_798_656L, Vit.base(16).build().parameterCount(false));
        assertEquals(officialCount(768, 12, 16, 224), Vit.base(16).build().parameterCount(false));
        assertEquals(officialCount(192, 12, 8, 224), Vit.tiny(8).build().parameterCount(false));
        assertEquals(officialCount(1024, 24, 14, 224), Vit.large(14).build().parameterCount(false));
    }

    @Test
    void presetsHaveTheOfficialShapesAndCanBeAdjusted() {
        VitConfig c = Vit.small(16).optDropPathRate(0.1).build().config();
        assertEquals(new VitConfig(224, 16, 3, 384, 12, 6, 4, true, 0.1, 1e-6f), c);
        assertEquals(new VitConfig(224, 8, 3, 192, 12, 3, 4, true, 0, 1e-6f), Vit.tiny(8).config());
        assertEquals(new VitConfig(224, 14, 3, 768, 12, 12, 4, true, 0, 1e-6f), Vit.base(14).config());
        assertEquals(new VitConfig(224, 16, 3, 1024, 24, 16, 4, true, 0, 1e-6f), Vit.large(16).config());
        assertEquals(197 * 384, Vit.small(16).build().stateDict().get("pos_embed").getShape().size());
        assertEquals(785 * 384, Vit.small(8).build().stateDict().get("pos_embed").getShape().size());
    }

    @Test
    void nonStandardPatchSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vit.small(32));
        assertEquals("patch size 32 is not a standard size for Vit.small; use 8, 14 or 16"
                + " (or VisionTransformer.builder() for a custom model)", e.getMessage());
    }
}
