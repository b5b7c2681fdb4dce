package org.dino4j.train.eval;

import org.dino4j.train.config.BackboneConfig;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingFlopsTest {

    /** issue 6's bench-small: image 32/16, patch 4, dim 192, depth 6, heads 3, head 4096/2048/256, 2+6 crops, batch 32. */
    static DinoConfig benchSmall() {
        return ConfigLoader.load((Path) null, List.of("model.backbone.image_size=32", "model.backbone.patch_size=4",
                "model.backbone.embed_dim=192", "model.backbone.depth=6", "model.backbone.num_heads=3",
                "model.backbone.drop_path_rate=0", "model.head.out_dim=4096", "model.head.hidden_dim=2048",
                "model.head.bottleneck_dim=256", "crops.global_size=32", "crops.local_size=16",
                "crops.local_count=6", "optim.batch_size=32"));
    }

    @Test
    void resnetCountsMatchTheKnownMultiplyAdds() {
        // torchvision's published figures at 224 px: ResNet-50 4.09 GMAC, ResNet-18 1.81 GMAC (convolutions)
        assertEquals(2 * 4.09e9, TrainingFlops.resnetForward(50, 224), 0.01 * 2 * 4.09e9);
        assertEquals(2 * 1.81e9, TrainingFlops.resnetForward(18, 224), 0.01 * 2 * 1.81e9);
        assertThrows(IllegalArgumentException.class, () -> TrainingFlops.resnetForward(12, 224));
    }

    @Test
    void benchSmallCostsAbout157GflopPerStepAndFivePerImage() {
        TrainingFlops f = TrainingFlops.of(benchSmall());

        assertEquals(156.7e9, f.modelPerStep(), 0.1e9);
        assertEquals(4.9e9, f.modelPerImage(), 0.01e9);
        assertEquals(32 * f.modelPerImage(), f.modelPerStep());
        // the model's count: every token through every block
        assertEquals(3 * (2 * (f.backboneGlobalCrop() + f.headPerCrop()) + 6 * (f.backboneLocalCrop()
                + f.headPerCrop())) + 2 * (f.backboneGlobalCrop() + f.headPerCrop()), f.modelPerImage());
    }

    @Test
    void theLastBlockComputesTheClassTokenAloneWhenNothingElseIsUsed() {
        TrainingFlops f = TrainingFlops.of(benchSmall());
        long globalSaving = TrainingFlops.vitForward(32, 4, 3, 192, 1, 768) - TrainingFlops.vitForward(32, 4, 3, 192,
                0, 768) - TrainingFlops.vitClassTokenBlock(32, 4, 192, 3, 768);
        long localSaving = TrainingFlops.vitForward(16, 4, 3, 192, 1, 768) - TrainingFlops.vitForward(16, 4, 3, 192,
                0, 768) - TrainingFlops.vitClassTokenBlock(16, 4, 192, 3, 768);
        // global crop, T = 65: 2 * 30,376,320 for a full block; for the CLS token alone 2 * (4 * 192^2 (query, folded
        // query, values, projection) + 2 * 3 * 65 * 192 (scores and pooling, per head) + 2 * 192 * 768 (MLP))
        assertEquals(2L * (30_376_320 - (4 * 192 * 192 + 2 * 3 * 65 * 192 + 2 * 192 * 768)), globalSaving);
        assertEquals(2 * (f.backboneGlobalCrop() + f.headPerCrop() - globalSaving), f.teacherForwardPerImage());
        assertEquals(2 * (f.backboneGlobalCrop() + f.headPerCrop() - globalSaving)
                + 6 * (f.backboneLocalCrop() + f.headPerCrop() - localSaving), f.studentForwardPerImage());
        assertEquals(3 * f.studentForwardPerImage() + f.teacherForwardPerImage(), f.perImage());
        assertEquals(133.2e9, f.perStep(), 0.1e9);
        assertEquals(32 * f.perImage(), f.perStep());

        // iBOT needs the global crops' patch tokens (student and teacher); the local crops still skip
        DinoConfig ibot = ConfigLoader.load((Path) null, List.of("objective.ibot_weight=1"));
        TrainingFlops i = TrainingFlops.of(ibot);
        BackboneConfig b = ibot.model().backbone();
        int g = ibot.crops().globalSize();
        int l = ibot.crops().localSize();
        long rows = (long) ibot.optim().batchSize();
        long patchHead = i.teacherForwardPerImage() - 2 * (i.backboneGlobalCrop() + i.headPerCrop());
        assertTrue(patchHead > 0);
        assertEquals(2 * (i.backboneGlobalCrop() + i.headPerCrop()) + patchHead
                + ibot.crops().localCount() * (TrainingFlops.vitForward(b, l, (int) (ibot.crops().localCount() * rows),
                false, true) + i.headPerCrop()), i.studentForwardPerImage());
        assertEquals(TrainingFlops.vitForward(b, g, 1, false, false), i.backboneGlobalCrop());

        // a sequence-packed student runs every block whole; the teacher (global crops only) still skips
        DinoConfig packed = ConfigLoader.load((Path) null, List.of("model.sequence_packing=true"));
        TrainingFlops p = TrainingFlops.of(packed);
        assertEquals(2 * (p.backboneGlobalCrop() + p.headPerCrop()) + packed.crops().localCount()
                * (p.backboneLocalCrop() + p.headPerCrop()), p.studentForwardPerImage());
        assertTrue(p.teacherForwardPerImage() < 2 * (p.backboneGlobalCrop() + p.headPerCrop()));
    }

    @Test
    void subsetStochasticDepthCountsTheStudentsBlocksOnTheKeptSamplesOnly() {
        // depth 2, rate 0.5: block 0 at rate 0 runs on all rows, block 1 on max(int(rows * 0.5), 1) of them
        DinoConfig masked = ConfigLoader.load((Path) null, List.of("model.backbone.type=vit",
                "model.backbone.image_size=32", "model.backbone.patch_size=4", "model.backbone.embed_dim=48",
                "model.backbone.depth=2", "model.backbone.num_heads=3", "model.backbone.drop_path_rate=0.5",
                "crops.global_size=32", "crops.local_size=16", "crops.local_count=3", "optim.batch_size=5"));
        DinoConfig subset = ConfigLoader.load((Path) null, List.of("model.backbone.type=vit",
                "model.backbone.image_size=32", "model.backbone.patch_size=4", "model.backbone.embed_dim=48",
                "model.backbone.depth=2", "model.backbone.num_heads=3", "model.backbone.drop_path_rate=0.5",
                "model.backbone.drop_path_mode=subset",
                "crops.global_size=32", "crops.local_size=16", "crops.local_count=3", "optim.batch_size=5"));
        TrainingFlops full = TrainingFlops.of(masked);
        TrainingFlops skip = TrainingFlops.of(subset);
        long globalEmbed = TrainingFlops.vitForward(32, 4, 3, 48, 0, 192);
        long globalBlock = TrainingFlops.vitForward(32, 4, 3, 48, 1, 192) - globalEmbed;
        long localEmbed = TrainingFlops.vitForward(16, 4, 3, 48, 0, 192);
        long localBlock = TrainingFlops.vitForward(16, 4, 3, 48, 1, 192) - localEmbed;
        // global group: 2 x 5 = 10 rows, 5 kept in block 1; local group: 3 x 5 = 15 rows, 7 kept; block 1 is the
        // last, which computes the CLS token alone
        long globalLast = TrainingFlops.vitClassTokenBlock(32, 4, 48, 3, 192);
        long localLast = TrainingFlops.vitClassTokenBlock(16, 4, 48, 3, 192);
        assertTrue(globalLast < globalBlock / 3 && localLast < localBlock / 2);
        double studentSaving = 2 * globalLast * (1 - 5 / 10.0) + 3 * localLast * (1 - 7 / 15.0);
        // each crop group's expected count is rounded to a whole FLOP: up to 0.5 per crop of the 5
        assertEquals(full.studentForwardPerImage() - studentSaving, skip.studentForwardPerImage(), 2.5);
        assertEquals(full.teacherForwardPerImage(), skip.teacherForwardPerImage(), "the teacher has no drop path");
        assertEquals(TrainingFlops.FORWARD_BACKWARD * skip.studentForwardPerImage() + skip.teacherForwardPerImage(),
                skip.perImage());
        // at rate 0 the two modes cost the same
        DinoConfig none = ConfigLoader.load((Path) null, List.of("model.backbone.drop_path_rate=0",
                "model.backbone.drop_path_mode=subset"));
        DinoConfig noneMasked = ConfigLoader.load((Path) null, List.of("model.backbone.drop_path_rate=0"));
        assertEquals(TrainingFlops.of(noneMasked), TrainingFlops.of(none));
    }

    @Test
    void vitFormulaCountsEveryMatrixProduct() {
        // side 8, patch 4: N = 4 patches, T = 5 tokens; C 3, D 6, depth 2, MLP 12
        long patchEmbed = 4 * (3 * 16) * 6;
        long qkv = 5 * 6 * 18;
        long scores = 5 * 5 * 6;
        long values = 5 * 5 * 6;
        long proj = 5 * 6 * 6;
        long mlp = 5 * 6 * 12 + 5 * 12 * 6;
        long expected = 2 * (patchEmbed + 2 * (qkv + scores + values + proj + mlp));

        assertEquals(expected, TrainingFlops.vitForward(8, 4, 3, 6, 2, 12));
    }

    @Test
    void headFormulaCountsTheMlpAndTheLastLayer() {
        DinoConfig c = ConfigLoader.load((Path) null, List.of("model.head.out_dim=100", "model.head.hidden_dim=20",
                "model.head.bottleneck_dim=10", "model.head.num_layers=3"));
        DinoConfig one = ConfigLoader.load((Path) null, List.of("model.head.out_dim=100",
                "model.head.bottleneck_dim=10", "model.head.num_layers=1"));

        assertEquals(2 * (8 * 20 + 20 * 20 + 20 * 10 + 10 * 100), TrainingFlops.dinoHeadForward(c.model().head(), 8));
        assertEquals(2 * (8 * 10 + 10 * 100), TrainingFlops.dinoHeadForward(one.model().head(), 8));
    }

    @Test
    void ibotAddsItsPatchHeadOnTheExpectedMaskedTokens() {
        DinoConfig dino = ConfigLoader.load((Path) null, List.of());
        DinoConfig ibot = ConfigLoader.load((Path) null, List.of("objective.ibot_weight=1",
                "objective.mask_share=0.5", "objective.mask_ratio=[0.1, 0.5]"));
        TrainingFlops a = TrainingFlops.of(dino);
        TrainingFlops b = TrainingFlops.of(ibot);

        int side = dino.crops().globalSize() / dino.model().backbone().patchSize();
        double masked = 2 * 0.5 * side * side * 0.3;
        long head = Math.round(masked * a.headPerCrop());
        assertEquals(a.modelPerImage() + 4 * head, b.modelPerImage());
        assertEquals(2 * (b.backboneGlobalCrop() + b.headPerCrop()) + head, b.teacherForwardPerImage());
        assertEquals(3 * b.studentForwardPerImage() + b.teacherForwardPerImage(), b.perImage());
    }

    @Test
    void withoutLocalCropsOnlyTheGlobalCropsCount() {
        DinoConfig c = ConfigLoader.load((Path) null, List.of("crops.local_count=0"));

        TrainingFlops f = TrainingFlops.of(c);

        assertEquals(0, f.backboneLocalCrop());
        assertEquals(f.teacherForwardPerImage(), f.studentForwardPerImage());
        assertEquals(4 * f.teacherForwardPerImage(), f.perImage());
    }

    @Test
    void vitSmall16At224IsTwiceTheUsuallyQuotedMultiplyAdds() {
        // ViT-S/16 at 224 px is usually quoted as 4.6 "GFLOPs", counting multiply-adds (4.60e9 here)
        assertEquals(2 * 4.6e9, TrainingFlops.vitForward(224, 16, 3, 384, 12, 1536), 0.02e9);
    }

    @Test
    void aSideThatIsNotAMultipleOfThePatchIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingFlops.vitForward(30, 4, 3, 8, 1, 16));
        assertEquals("image side 30 is not a multiple of the patch size 4", e.getMessage());
    }
}
