package org.dino4j.train.augment;

import java.util.SplittableRandom;

/**
 * Samples the crop box of torchvision's {@code RandomResizedCrop}: a box covering a uniform fraction of the image
 * area in {@code [scaleMin, scaleMax]}, with an aspect ratio (width / height) log-uniform in
 * {@code [ratioMin, ratioMax]}, at a uniform position. Up to 10 draws are tried; if none fits inside the image
 * the box falls back to a central crop, as large as possible with its aspect ratio clamped to the ratio range.
 * The box is then resampled to {@code size x size} by {@link BicubicResampler}.
 *
 * @param size output side in pixels
 * @param scaleMin smallest area fraction, in (0, 1]
 * @param scaleMax largest area fraction, in [scaleMin, 1]
 * @param ratioMin smallest aspect ratio (official 3/4)
 * @param ratioMax largest aspect ratio (official 4/3)
 */
public record RandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {

    /** torchvision's default smallest aspect ratio. */
    public static final double RATIO_MIN = 3.0 / 4.0;
    /** torchvision's default largest aspect ratio. */
    public static final double RATIO_MAX = 4.0 / 3.0;
    /** Draws tried before the central fallback crop. */
    public static final int ATTEMPTS = 10;

    /** Validates the ranges. */
    public RandomResizedCrop {
        if (size <= 0) {
            throw new IllegalArgumentException("crop size must be positive, got " + size);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("crop scale range must satisfy 0 < min <= max <= 1, got (" + scaleMin
                    + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException("crop aspect-ratio range must satisfy 0 < min <= max, got (" + ratioMin
                    + ", " + ratioMax + ")");
        }
    }

    /** A crop with the default aspect-ratio range 3/4 .. 4/3. */
    public static RandomResizedCrop of(int size, double scaleMin, double scaleMax) {
        return new RandomResizedCrop(size, scaleMin, scaleMax, RATIO_MIN, RATIO_MAX);
    }

    /**
     * Draws a crop box.
     *
     * @param height image rows
     * @param width image columns
     * @param rng the sample's generator
     * @return a box inside the image
     */
    public CropBox sample(int height, int width, SplittableRandom rng) {
        double area = (double) height * width;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * Draws.uniform(rng, scaleMin, scaleMax);
            double ratio = Math.exp(Draws.uniform(rng, logMin, logMax));
            // Math.rint rounds half to even, like Python's round().
            int w = (int) Math.rint(Math.sqrt(targetArea * ratio));
            int h = (int) Math.rint(Math.sqrt(targetArea / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return centralFallback(height, width);
    }

    /** The central crop used when no draw fits: the whole image, narrowed to the aspect-ratio range. */
    CropBox centralFallback(int height, int width) {
        double inRatio = (double) width / height;
        int w = width;
        int h = height;
        if (inRatio < ratioMin) {
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            w = (int) Math.rint(h * ratioMax);
        }
        h = Math.max(1, Math.min(h, height));
        w = Math.max(1, Math.min(w, width));
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }
}
