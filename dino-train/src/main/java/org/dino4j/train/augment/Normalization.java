package org.dino4j.train.augment;

import java.util.List;

/**
 * Per-channel normalisation {@code (x - mean[c]) / std[c]}, applied after the crop values are in [0, 1] (torchvision's
 * {@code ToTensor} followed by {@code Normalize}).
 *
 * @param mean three channel means (R, G, B)
 * @param std three channel standard deviations, all {@code > 0}
 */
public record Normalization(List<Double> mean, List<Double> std) {

    /** ImageNet statistics, the official DINO setting. */
    public static final Normalization IMAGENET = new Normalization(List.of(0.485, 0.456, 0.406),
            List.of(0.229, 0.224, 0.225));
    /** Fashion-MNIST statistics, the same on all three channels of the expanded gray image. */
    public static final Normalization FASHION_MNIST = uniform(0.2860, 0.3530);
    /** No change: mean 0, standard deviation 1. */
    public static final Normalization IDENTITY = uniform(0, 1);

    /** Validates and copies the lists. */
    public Normalization {
        if (mean == null || std == null || mean.size() != 3 || std.size() != 3) {
            throw new IllegalArgumentException("normalisation needs 3 means and 3 standard deviations (R, G, B), got "
                    + "mean " + mean + " and std " + std);
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        for (int c = 0; c < 3; c++) {
            if (!Double.isFinite(mean.get(c))) {
                throw new IllegalArgumentException("normalisation mean must be finite, got " + mean);
            }
            if (!(std.get(c) > 0 && Double.isFinite(std.get(c)))) {
                throw new IllegalArgumentException("normalisation std must be finite and > 0, got " + std);
            }
        }
    }

    /** The same mean and standard deviation on all three channels. */
    public static Normalization uniform(double mean, double std) {
        return new Normalization(List.of(mean, mean, mean), List.of(std, std, std));
    }

    /**
     * Normalises three planes in place.
     *
     * @param buf {@code [3, plane]} values starting at {@code off}
     * @param off first element
     * @param plane pixels per channel
     */
    public void apply(float[] buf, int off, int plane) {
        for (int c = 0; c < 3; c++) {
            float scale = (float) (1.0 / std.get(c));
            float shift = (float) (-mean.get(c) / std.get(c));
            int start = off + c * plane;
            int end = start + plane;
            for (int i = start; i < end; i++) {
                buf[i] = buf[i] * scale + shift;
            }
        }
    }

    /**
     * Normalises the three planes of {@code p} into {@code dst}: red at {@code off}, then green, then blue. The planes
     * are left normalised too.
     *
     * @param p the crop's planes, {@code plane} pixels each
     * @param plane pixels per channel
     * @param dst destination, {@code [3, plane]} from {@code off}
     * @param off first element written
     */
    void applyInto(CropPlanes p, int plane, float[] dst, int off) {
        applyInto(p.r, 0, plane, dst, off);
        applyInto(p.g, 1, plane, dst, off + plane);
        applyInto(p.b, 2, plane, dst, off + 2 * plane);
    }

    private void applyInto(float[] src, int c, int plane, float[] dst, int off) {
        float scale = (float) (1.0 / std.get(c));
        float shift = (float) (-mean.get(c) / std.get(c));
        // In place, then copied: a loop that reads src[i] and writes dst[off + i] would not vectorise, because the
        // compiler cannot rule out that the two are the same array.
        for (int i = 0; i < plane; i++) {
            src[i] = src[i] * scale + shift;
        }
        System.arraycopy(src, 0, dst, off, plane);
    }
}
