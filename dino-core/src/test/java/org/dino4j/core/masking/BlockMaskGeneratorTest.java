package org.dino4j.core.masking;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockMaskGeneratorTest {

    private static final BlockMaskGenerator DINOV2_14 = BlockMaskGenerator.builder().setGrid(14, 14).build();

    @Test
    void neverMasksMoreThanTheTargetAndUsuallyReachesIt() {
        SplittableRandom rng = new SplittableRandom(7);
        int n = DINOV2_14.numPatches();
        int reached = 0;
        int trials = 400;
        for (int i = 0; i < trials; i++) {
            int target = (int) Math.floor(n * (0.1 + 0.4 * rng.nextDouble()));
            int count = count(DINOV2_14.sample(target, rng));
            assertTrue(count <= target, "masked " + count + " > target " + target);
            // Blocks of >= 4 patches may not fit the last few; BEiT's procedure stops short by a little.
            assertTrue(count >= target - 12 || count >= 0.75 * target, "masked " + count + " for target " + target);
            if (count == target) {
                reached++;
            }
        }
        assertTrue(reached > trials / 4, "exact target reached in " + reached + " of " + trials);
    }

    @Test
    void blocksAreRectanglesWithBoundedAspectSmallerThanTheGrid() {
        // A target of 4 = the minimum block: the area is exactly 4, so one try either masks a 1x4, 4x1 or 2x2
        // rectangle, or masks 3 (1x3, 3x1) and a second small block follows.
        SplittableRandom rng = new SplittableRandom(3);
        BlockMaskGenerator gen = BlockMaskGenerator.builder().setGrid(16, 16).build();
        int rectangles = 0;
        for (int i = 0; i < 200; i++) {
            boolean[] mask = gen.sample(4, rng);
            // A 1x3 first block leaves 1 patch, which later tries may fail to place: BEiT's procedure stops short.
            assertTrue(count(mask) == 3 || count(mask) == 4, "masked " + count(mask));
            int[] box = boundingBox(mask, 16);
            int h = box[2] - box[0] + 1;
            int w = box[3] - box[1] + 1;
            if (h * w == 4) {
                rectangles++;
                // round(2 sqrt(r)) x round(2 / sqrt(r)) with r in [0.3, 1/0.3]: 1x4, 2x2 or 4x1
                assertTrue((h == 2 && w == 2) || (h == 1 && w == 4) || (h == 4 && w == 1), "block " + h + "x" + w);
            }
        }
        assertTrue(rectangles > 100, "single rectangles: " + rectangles);
        // Block sides are strictly smaller than the grid's, so a grid one patch high can take no block at all.
        BlockMaskGenerator strip = BlockMaskGenerator.builder().setGrid(1, 16).build();
        assertEquals(0, count(strip.sample(8, rng)));
    }

    @Test
    void zeroTargetMasksNothingAndFullTargetsStayInRange() {
        SplittableRandom rng = new SplittableRandom(1);
        assertEquals(0, count(DINOV2_14.sample(0, rng)));
        int full = count(DINOV2_14.sample(DINOV2_14.numPatches(), rng));
        assertTrue(full > 0 && full <= DINOV2_14.numPatches());
    }

    @Test
    void sameSeedSameMasksOtherSeedOtherMasks() {
        BatchMasks a = DINOV2_14.sampleBatch(16, new SplittableRandom(42));
        BatchMasks b = DINOV2_14.sampleBatch(16, new SplittableRandom(42));
        BatchMasks c = DINOV2_14.sampleBatch(16, new SplittableRandom(43));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void shareOfImagesAndStratifiedRatiosAreRespected() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = DINOV2_14.numPatches();
        int maskedSomewhere = 0;
        for (int trial = 0; trial < 20; trial++) {
            BatchMasks masks = DINOV2_14.sampleBatch(16, rng);
            assertEquals(16, masks.numImages());
            assertEquals(8, masks.numMaskedImages(), "floor(16 * 0.5) images masked");
            int total = 0;
            for (int b = 0; b < 16; b++) {
                int count = masks.maskedCount(b);
                assertTrue(count <= Math.floor(n * 0.5), "ratio above 0.5: " + count);
                assertTrue(count == 0 || count >= 4, "a masked image has at least one 4-patch block: " + count);
                total += count;
                if (count > 0 && b >= 8) {
                    maskedSomewhere++;
                }
            }
            // Eight stratified slices of [0.1, 0.5] average to a ratio of 0.3, i.e. ~8 * 0.3 * 196 = 470 patches.
            assertTrue(total > 0.85 * 8 * 0.3 * n && total <= 8 * 0.3 * n + 8 * n * 0.05, "total " + total);
        }
        assertTrue(maskedSomewhere > 0, "the masked images are shuffled over the batch");
    }

    @Test
    void anOddShareRoundsDownAndShareZeroMasksNothing() {
        BlockMaskGenerator quarter = BlockMaskGenerator.builder().setGrid(8, 8).optMaskedShare(0.3).build();
        assertEquals(1, quarter.sampleBatch(6, new SplittableRandom(0)).numMaskedImages());
        BlockMaskGenerator none = BlockMaskGenerator.builder().setGrid(8, 8).optMaskedShare(0).build();
        assertEquals(0, none.sampleBatch(6, new SplittableRandom(0)).numMasked());
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("setGrid(height, width) is required with positive sides, got 0x0",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().build()).getMessage());
        assertEquals("the mask ratio range must satisfy 0 <= min <= max <= 1 (dinov2: [0.1, 0.5]), got [0.5, 0.1]",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .optMaskRatio(0.5, 0.1).build()).getMessage());
        assertEquals("the masked share of images must be in [0, 1] (dinov2: 0.5), got 1.5",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .optMaskedShare(1.5).build()).getMessage());
        assertEquals("the aspect-ratio range must satisfy 0 < min <= max < infinity (dinov2: [0.3, 1/0.3]), got "
                        + "[0.0, Infinity]",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .optAspectRatio(0, Double.NaN).build()).getMessage());
        assertEquals("the minimum block size must be >= 1 patch (dinov2: 4), got 0",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .optMinBlockPatches(0).build()).getMessage());
        assertEquals("the maximum block size must be >= 1 patch (default half the grid), got 0.5",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(1, 1)
                        .build()).getMessage());
        assertEquals("attempts per block must be >= 1 (BEiT: 10), got 0",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .optAttemptsPerBlock(0).build()).getMessage());
        assertEquals("the number of patches to mask must be in [0, 16] for a 4x4 grid, got 17",
                assertThrows(IllegalArgumentException.class, () -> BlockMaskGenerator.builder().setGrid(4, 4)
                        .build().sample(17, new SplittableRandom(0))).getMessage());
        assertEquals("the number of images to mask must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> DINOV2_14.sampleBatch(0, new SplittableRandom(0))).getMessage());
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean m : mask) {
            if (m) {
                n++;
            }
        }
        return n;
    }

    /** {top, left, bottom, right} of the masked patches. */
    private static int[] boundingBox(boolean[] mask, int width) {
        int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                int r = i / width;
                int c = i % width;
                box[0] = Math.min(box[0], r);
                box[1] = Math.min(box[1], c);
                box[2] = Math.max(box[2], r);
                box[3] = Math.max(box[3], c);
            }
        }
        return box;
    }
}
