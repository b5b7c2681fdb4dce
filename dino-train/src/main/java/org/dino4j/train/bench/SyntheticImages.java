package org.dino4j.train.bench;

import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.data.ImageDataset;

import java.util.List;
import java.util.SplittableRandom;

/**
 * An unlabelled dataset of already decoded RGB images (a few distinct ones, repeated), so that a loader over it
 * measures augmentation alone: {@link #image} costs nothing.
 *
 * <p>The images are smooth colour gradients with mild noise, closer to a photograph than white noise; the
 * augmentation's cost does not depend on the pixel values anyway.
 */
final class SyntheticImages implements ImageDataset {

    /** Distinct images: enough that the same pixels are not always hot in the cache, few enough to be cheap. */
    private static final int DISTINCT = 4;

    private final FloatImage[] images;
    private final int size;

    /**
     * @param size the number of samples
     * @param width image width in pixels
     * @param height image height in pixels
     * @param seed seeds the noise
     */
    SyntheticImages(int size, int width, int height, long seed) {
        if (size < 1 || width < 1 || height < 1) {
            throw new IllegalArgumentException("need at least one image of at least 1x1 pixels, got " + size
                    + " images of " + width + "x" + height);
        }
        this.size = size;
        this.images = new FloatImage[Math.min(DISTINCT, size)];
        for (int i = 0; i < images.length; i++) {
            images[i] = image(width, height, new SplittableRandom(seed + i), i);
        }
    }

    private static FloatImage image(int w, int h, SplittableRandom rng, int variant) {
        float[] d = new float[3 * h * w];
        double fx = 0.02 + 0.01 * variant;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.3 * Math.sin(fx * x * (c + 1) + 0.02 * y) * Math.cos(0.025 * y * (3 - c))
                            + 0.05 * (rng.nextDouble() - 0.5);
                    d[(c * h + y) * w + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        return new FloatImage(3, h, w, d);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public FloatImage image(int i) {
        checkIndex(i);
        return images[i % images.length];
    }

    @Override
    public int label(int i) {
        checkIndex(i);
        return -1;
    }

    @Override
    public List<String> classNames() {
        return List.of();
    }
}
