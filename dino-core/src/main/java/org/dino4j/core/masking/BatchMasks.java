package org.dino4j.core.masking;

import java.util.Arrays;

/**
 * The patch masks of the B images of one step (the student's global crops, crop-major), [B, N] with N = H W
 * patches in row-major order (patch r*W + c), true where the patch is masked. Immutable.
 *
 * <p>Besides the masks it gives what the iBOT loss needs on the host: the flat indices of the masked patches
 * ({@link #maskIndices()}) and their weights ({@link #masksWeight()}), both in the same row-major order as
 * {@code org.dino4j.core.loss.IbotPatchLoss} computes them from an array.
 */
public final class BatchMasks {

    private final int height;
    private final int width;
    private final boolean[][] masks;

    /**
     * @param height H, the grid's rows
     * @param width W, the grid's columns
     * @param masks [B][H*W] masks; copied
     * @throws IllegalArgumentException if a mask does not have H W entries
     */
    public BatchMasks(int height, int width, boolean[][] masks) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("the grid needs positive sides, got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
        this.masks = new boolean[masks.length][];
        for (int b = 0; b < masks.length; b++) {
            if (masks[b].length != height * width) {
                throw new IllegalArgumentException("mask " + b + " has " + masks[b].length + " entries, expected H*W = "
                        + height * width + " for a " + height + "x" + width + " grid");
            }
            this.masks[b] = masks[b].clone();
        }
    }

    /** B, the number of images. */
    public int numImages() {
        return masks.length;
    }

    /** H, the grid's rows. */
    public int height() {
        return height;
    }

    /** W, the grid's columns. */
    public int width() {
        return width;
    }

    /** N = H W, patches per image. */
    public int numPatches() {
        return height * width;
    }

    /** Whether patch {@code patch} (r*W + c) of image {@code image} is masked. */
    public boolean isMasked(int image, int patch) {
        return masks[image][patch];
    }

    /** A copy of image {@code image}'s mask, [H*W]. */
    public boolean[] mask(int image) {
        return masks[image].clone();
    }

    /** The number of masked patches of one image. */
    public int maskedCount(int image) {
        int n = 0;
        for (boolean m : masks[image]) {
            if (m) {
                n++;
            }
        }
        return n;
    }

    /** M, the number of masked patches of all images ({@code n_masked_patches} in dinov2). */
    public int numMasked() {
        int n = 0;
        for (int b = 0; b < masks.length; b++) {
            n += maskedCount(b);
        }
        return n;
    }

    /** The number of images with at least one masked patch. */
    public int numMaskedImages() {
        int n = 0;
        for (int b = 0; b < masks.length; b++) {
            if (maskedCount(b) > 0) {
                n++;
            }
        }
        return n;
    }

    /** [M] flat indices b*N + n of the masked patches, ascending (row-major nonzero of the [B, N] masks). */
    public int[] maskIndices() {
        int[] out = new int[numMasked()];
        int i = 0;
        int n = numPatches();
        for (int b = 0; b < masks.length; b++) {
            for (int p = 0; p < n; p++) {
                if (masks[b][p]) {
                    out[i++] = b * n + p;
                }
            }
        }
        return out;
    }

    /** [M] weights 1 / max(1, masked patches in the image), in {@link #maskIndices()} order (float32 division). */
    public float[] masksWeight() {
        float[] out = new float[numMasked()];
        int i = 0;
        for (int b = 0; b < masks.length; b++) {
            int count = maskedCount(b);
            float w = 1f / Math.max(1, count);
            for (int k = 0; k < count; k++) {
                out[i++] = w;
            }
        }
        return out;
    }

    /** The masks flattened row-major to [B*N] 0/1 values, e.g. for {@code manager.create(values, new Shape(B, N))}. */
    public int[] toIntArray() {
        int n = numPatches();
        int[] out = new int[masks.length * n];
        for (int b = 0; b < masks.length; b++) {
            for (int p = 0; p < n; p++) {
                out[b * n + p] = masks[b][p] ? 1 : 0;
            }
        }
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object o) {
        return o instanceof BatchMasks other && height == other.height && width == other.width
                && Arrays.deepEquals(masks, other.masks);
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.deepHashCode(masks);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "BatchMasks[" + masks.length + " images, " + height + "x" + width + " patches, " + numMasked()
                + " masked]";
    }
}
