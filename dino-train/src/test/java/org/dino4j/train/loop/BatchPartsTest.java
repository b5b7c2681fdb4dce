package org.dino4j.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.StochasticDepth;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.train.model.MultiCropNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a batch is split into parts, and when it runs whole. */
class BatchPartsTest {

    private static MultiCropNetwork vit(double rate, StochasticDepth.Mode mode) {
        return new MultiCropNetwork(VisionTransformer.builder().setPatchSize(4).setEmbedDim(16).setDepth(2)
                .optDropPathUniform(true).setNumHeads(2).optImageSize(8).optDropPathRate(rate).optDropPathMode(mode)
                .build(),
                DinoHead.builder().setInDim(16).setOutDim(8).optHiddenDim(8).optBottleneckDim(4).build());
    }

    private static List<NDArray> crops(NDManager m, int batch, int global, int local) {
        List<NDArray> out = new ArrayList<>();
        for (int c = 0; c < global + local; c++) {
            int side = c < global ? 8 : 4;
            out.add(m.zeros(new Shape(batch, 3, side, side)));
        }
        return out;
    }

    @Test
    void aBatchSplitsOnlyIntoEqualPartsOfAViT() {
        try (NDManager m = NDManager.newBaseManager(); BatchParts two = new BatchParts(2)) {
            MultiCropNetwork masking = vit(0.1, StochasticDepth.Mode.MASK);
            assertTrue(two.applies(masking, crops(m, 4, 2, 2)));
            assertTrue(two.applies(masking, crops(m, 2, 2, 2)));
            assertFalse(two.applies(masking, crops(m, 3, 2, 2)), "3 images do not split into 2 equal parts");
            assertFalse(two.applies(masking, crops(m, 1, 2, 2)), "fewer images than parts");
            MultiCropNetwork resnet = new MultiCropNetwork(ResNet.resnet18(),
                    DinoHead.builder().setInDim(512).setOutDim(8).optHiddenDim(8).optBottleneckDim(4).build());
            assertFalse(two.applies(resnet, crops(m, 4, 2, 2)), "batch normalisation would see only a part");
        }
    }

    @Test
    void subsetStochasticDepthSplitsOnlyWhereThePartsKeepAsManySamples() {
        try (NDManager m = NDManager.newBaseManager(); BatchParts two = new BatchParts(2)) {
            MultiCropNetwork subset = vit(0.4, StochasticDepth.Mode.SUBSET);
            // 2 global crops of 2 images: parts of 2 skip 2 - max(floor(2 * 0.6), 1) = 1 each, 2 together; the
            // whole group of 4 skips 4 - floor(4 * 0.6) = 2
            assertTrue(two.applies(subset, crops(m, 2, 2, 0)));
            // 1 crop of 2 images: parts of 1 skip nothing, the whole batch skips 2 - floor(1.2) = 1
            assertFalse(two.applies(subset, crops(m, 2, 1, 0)));
            // bench-small's DINOv2 recipe (rate 0.1, batch 32, 2 + 6 crops): parts of 16 skip 2 * (32 - 28) = 8 of
            // the global group, the whole batch 64 - 57 = 7; locals 2 * (96 - 86) = 20 against 192 - 172 = 20
            assertTrue(two.applies(vit(0.1, StochasticDepth.Mode.SUBSET), crops(m, 32, 2, 6)));
            // masking draws per sample: any even batch splits
            assertTrue(two.applies(vit(0.4, StochasticDepth.Mode.MASK), crops(m, 2, 1, 0)));
        }
    }

    @Test
    void fewerThanTwoPartsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchParts(1));
        assertEquals("batch parts must be at least 2, got 1", e.getMessage());
    }
}
