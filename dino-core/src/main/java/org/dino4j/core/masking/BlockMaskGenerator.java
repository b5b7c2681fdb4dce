package org.dino4j.core.masking;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Block-wise masking of patch grids in the BEiT / iBOT style, as DINOv2 uses for its masked-patch objective.
 *
 * <p><b>One image</b> ({@link #sample(int, SplittableRandom)}): to mask about {@code target} of the H x W patches,
 * rectangles are added one at a time until the target is reached or a rectangle adds nothing. Each rectangle is
 * drawn by up to {@code attemptsPerBlock} (10) tries of: an area uniform in [minBlockPatches, remaining] (remaining
 * = target - masked so far, capped at maxBlockPatches), a log-uniform aspect ratio r in [minAspect, maxAspect],
 * height round(sqrt(area r)) and width round(sqrt(area / r)) strictly smaller than the grid, and a uniformly placed
 * top-left corner. A try counts only if it masks at least one new patch and at most {@code remaining} new ones, so
 * the count never exceeds the target; it can stay below it when no try fits (small remainders, crowded grids).
 *
 * <p><b>A batch</b> ({@link #sampleBatch}): of the B images (the global crops of a step, crop-major), floor(B share)
 * are masked and the others not. The masked ones get stratified ratios, as dinov2's collate does: with m masked
 * images the ratio range [lo, hi] is cut into m equal slices and image i draws its ratio uniformly from slice i,
 * asking for floor(N ratio) patches. The masks are then shuffled over all B images, so which crop of which image is
 * masked is random.
 *
 * <p>Defaults follow DINOv2: minimum block 4 patches, at most half the grid per block, aspect ratio in
 * [0.3, 1/0.3], mask ratio in [0.1, 0.5], half of the images masked. Randomness comes only from the
 * {@link SplittableRandom} passed in, so a seed reproduces the masks. This class holds no state and is thread safe.
 */
public final class BlockMaskGenerator {

    /** DINOv2's smallest block, in patches. */
    public static final int DEFAULT_MIN_BLOCK_PATCHES = 4;
    /** DINOv2's smallest aspect ratio (the largest is its inverse). */
    public static final double DEFAULT_MIN_ASPECT = 0.3;
    /** DINOv2's {@code ibot.mask_ratio_min_max}. */
    public static final double DEFAULT_MIN_RATIO = 0.1;
    /** DINOv2's {@code ibot.mask_ratio_min_max}. */
    public static final double DEFAULT_MAX_RATIO = 0.5;
    /** DINOv2's {@code ibot.mask_sample_probability}: the share of images that are masked. */
    public static final double DEFAULT_MASKED_SHARE = 0.5;
    /** Tries per block before giving up, as BEiT. */
    public static final int DEFAULT_ATTEMPTS_PER_BLOCK = 10;

    private final int height;
    private final int width;
    private final int minBlockPatches;
    private final double maxBlockPatches;
    private final double logMinAspect;
    private final double logMaxAspect;
    private final double minRatio;
    private final double maxRatio;
    private final double maskedShare;
    private final int attemptsPerBlock;

    private BlockMaskGenerator(Builder b, double maxBlock, double maxAspect) {
        this.height = b.height;
        this.width = b.width;
        this.minBlockPatches = b.minBlockPatches;
        this.maxBlockPatches = maxBlock;
        this.logMinAspect = Math.log(b.minAspect);
        this.logMaxAspect = Math.log(maxAspect);
        this.minRatio = b.minRatio;
        this.maxRatio = b.maxRatio;
        this.maskedShare = b.maskedShare;
        this.attemptsPerBlock = b.attemptsPerBlock;
    }

    /** A builder; the grid is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One image's mask with at most {@code target} masked patches.
     *
     * @param target the number of patches to mask, 0 &lt;= target &lt;= H W
     * @param rng the source of randomness
     * @return [H*W] row-major mask (patch r*W + c), true where masked
     * @throws IllegalArgumentException if the target is outside [0, H W]
     */
    public boolean[] sample(int target, SplittableRandom rng) {
        if (target < 0 || target > numPatches()) {
            throw new IllegalArgumentException("the number of patches to mask must be in [0, " + numPatches()
                    + "] for a " + height + "x" + width + " grid, got " + target);
        }
        boolean[] mask = new boolean[numPatches()];
        int masked = 0;
        while (masked < target) {
            double remaining = Math.min(target - masked, maxBlockPatches);
            int added = addBlock(mask, remaining, rng);
            if (added == 0) {
                break;
            }
            masked += added;
        }
        return mask;
    }

    /**
     * Masks for the B images of a step: floor(B share) of them masked with stratified ratios, the rest unmasked,
     * in random order (see the class comment).
     *
     * @param numImages B &gt;= 1, e.g. 2 x the batch size for the two global crops
     * @param rng the source of randomness
     * @return the masks
     * @throws IllegalArgumentException if B &lt; 1
     */
    public BatchMasks sampleBatch(int numImages, SplittableRandom rng) {
        if (numImages < 1) {
            throw new IllegalArgumentException("the number of images to mask must be >= 1, got " + numImages);
        }
        int numMasked = (int) Math.floor(numImages * maskedShare);
        List<boolean[]> masks = new ArrayList<>(numImages);
        int n = numPatches();
        for (int i = 0; i < numMasked; i++) {
            // Slice i of numMasked equal slices of [minRatio, maxRatio]: ratios spread over the range in each batch.
            double lo = minRatio + (maxRatio - minRatio) * i / numMasked;
            double hi = minRatio + (maxRatio - minRatio) * (i + 1) / numMasked;
            double ratio = lo + (hi - lo) * rng.nextDouble();
            masks.add(sample((int) Math.floor(n * ratio), rng));
        }
        for (int i = numMasked; i < numImages; i++) {
            masks.add(new boolean[n]);
        }
        shuffle(masks, rng);
        return new BatchMasks(height, width, masks.toArray(new boolean[0][]));
    }

    /**
     * Tries to place one rectangle; returns how many patches it newly masked (0 when no try fitted).
     *
     * @param remaining the most new patches this block may add (&gt;= 1, possibly fractional as in dinov2)
     */
    private int addBlock(boolean[] mask, double remaining, SplittableRandom rng) {
        for (int attempt = 0; attempt < attemptsPerBlock; attempt++) {
            // When fewer than minBlockPatches remain, the area is drawn from [remaining, minBlockPatches].
            double area = uniform(rng, minBlockPatches, remaining);
            double aspect = Math.exp(uniform(rng, logMinAspect, logMaxAspect));
            int h = (int) Math.rint(Math.sqrt(area * aspect));
            int w = (int) Math.rint(Math.sqrt(area / aspect));
            if (h >= height || w >= width || h < 1 || w < 1) {
                continue;
            }
            int top = rng.nextInt(height - h + 1);
            int left = rng.nextInt(width - w + 1);
            int fresh = 0;
            for (int r = top; r < top + h; r++) {
                for (int c = left; c < left + w; c++) {
                    if (!mask[r * width + c]) {
                        fresh++;
                    }
                }
            }
            if (fresh > 0 && fresh <= remaining) {
                for (int r = top; r < top + h; r++) {
                    for (int c = left; c < left + w; c++) {
                        mask[r * width + c] = true;
                    }
                }
                return fresh;
            }
        }
        return 0;
    }

    /** Uniform in [a, b] (or [b, a]), like Python's random.uniform. */
    private static double uniform(SplittableRandom rng, double a, double b) {
        return a + (b - a) * rng.nextDouble();
    }

    private static void shuffle(List<boolean[]> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            Collections.swap(list, i, rng.nextInt(i + 1));
        }
    }

    /** H, the grid's rows. */
    public int height() {
        return height;
    }

    /** W, the grid's columns. */
    public int width() {
        return width;
    }

    /** N = H W. */
    public int numPatches() {
        return height * width;
    }

    /** The smallest mask ratio of a masked image. */
    public double minRatio() {
        return minRatio;
    }

    /** The largest mask ratio of a masked image. */
    public double maxRatio() {
        return maxRatio;
    }

    /** The share of images that are masked. */
    public double maskedShare() {
        return maskedShare;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BlockMaskGenerator[grid=%dx%d, ratio=[%s, %s], share=%s, minBlock=%d, "
                        + "maxBlock=%s, aspect=[%.4g, %.4g]]", height, width, minRatio, maxRatio, maskedShare,
                minBlockPatches, maxBlockPatches, Math.exp(logMinAspect), Math.exp(logMaxAspect));
    }

    /**
     * Builds a {@link BlockMaskGenerator} ({@code setX} required, {@code optX} optional; validated in
     * {@link #build()}). Defaults are DINOv2's.
     */
    public static final class Builder {
        private int height;
        private int width;
        private int minBlockPatches = DEFAULT_MIN_BLOCK_PATCHES;
        private double maxBlockPatches = Double.NaN;
        private double minAspect = DEFAULT_MIN_ASPECT;
        private double maxAspect = Double.NaN;
        private double minRatio = DEFAULT_MIN_RATIO;
        private double maxRatio = DEFAULT_MAX_RATIO;
        private double maskedShare = DEFAULT_MASKED_SHARE;
        private int attemptsPerBlock = DEFAULT_ATTEMPTS_PER_BLOCK;

        Builder() {}

        /** Sets the patch grid, H x W patches (required), e.g. crop size / patch size on each side. */
        public Builder setGrid(int height, int width) {
            this.height = height;
            this.width = width;
            return this;
        }

        /** Sets the smallest block area drawn, in patches (default 4). */
        public Builder optMinBlockPatches(int minBlockPatches) {
            this.minBlockPatches = minBlockPatches;
            return this;
        }

        /** Sets the largest number of new patches one block may add (default half the grid, H W / 2). */
        public Builder optMaxBlockPatches(double maxBlockPatches) {
            this.maxBlockPatches = maxBlockPatches;
            return this;
        }

        /** Sets the aspect-ratio range (default [0.3, 1/0.3]); the ratio is log-uniform in it. */
        public Builder optAspectRatio(double minAspect, double maxAspect) {
            this.minAspect = minAspect;
            this.maxAspect = maxAspect;
            return this;
        }

        /** Sets the range of the per-image mask ratio (default [0.1, 0.5]). */
        public Builder optMaskRatio(double minRatio, double maxRatio) {
            this.minRatio = minRatio;
            this.maxRatio = maxRatio;
            return this;
        }

        /** Sets the share of a batch's images that are masked (default 0.5). */
        public Builder optMaskedShare(double maskedShare) {
            this.maskedShare = maskedShare;
            return this;
        }

        /** Sets the tries per block before the image's masking stops (default 10). */
        public Builder optAttemptsPerBlock(int attemptsPerBlock) {
            this.attemptsPerBlock = attemptsPerBlock;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first invalid setting and its valid range
         */
        public BlockMaskGenerator build() {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("setGrid(height, width) is required with positive sides, got "
                        + height + "x" + width);
            }
            if (minBlockPatches < 1) {
                throw new IllegalArgumentException("the minimum block size must be >= 1 patch (dinov2: 4), got "
                        + minBlockPatches);
            }
            double maxBlock = Double.isNaN(maxBlockPatches) ? 0.5 * height * width : maxBlockPatches;
            if (!(maxBlock >= 1)) {
                throw new IllegalArgumentException("the maximum block size must be >= 1 patch (default half the "
                        + "grid), got " + maxBlock);
            }
            double maxA = Double.isNaN(maxAspect) ? 1 / minAspect : maxAspect;
            if (!(minAspect > 0) || !(maxA >= minAspect) || Double.isInfinite(maxA)) {
                throw new IllegalArgumentException("the aspect-ratio range must satisfy 0 < min <= max < infinity "
                        + "(dinov2: [0.3, 1/0.3]), got [" + minAspect + ", " + maxA + "]");
            }
            if (!(minRatio >= 0) || !(maxRatio >= minRatio) || !(maxRatio <= 1)) {
                throw new IllegalArgumentException("the mask ratio range must satisfy 0 <= min <= max <= 1 "
                        + "(dinov2: [0.1, 0.5]), got [" + minRatio + ", " + maxRatio + "]");
            }
            if (!(maskedShare >= 0 && maskedShare <= 1)) {
                throw new IllegalArgumentException("the masked share of images must be in [0, 1] (dinov2: 0.5), got "
                        + maskedShare);
            }
            if (attemptsPerBlock < 1) {
                throw new IllegalArgumentException("attempts per block must be >= 1 (BEiT: 10), got "
                        + attemptsPerBlock);
            }
            return new BlockMaskGenerator(this, maxBlock, maxA);
        }
    }
}
