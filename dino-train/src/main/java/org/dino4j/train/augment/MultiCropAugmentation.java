package org.dino4j.train.augment;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * DINO's multi-crop augmentation: from one image, two global crops and {@code localCrops} local crops, each a
 * normalised {@code [3, size, size]} float array.
 *
 * <p>Per crop, in the official order: random resized crop (bicubic), horizontal flip, colour jitter (applied with
 * its probability, operations in random order), random grayscale, Gaussian blur (probability per crop kind),
 * solarisation (second global crop only), normalisation. Crop {@code 0} and {@code 1} are the global crops, crops
 * {@code 2 ..} the local ones, as in the official list of crops.
 *
 * <p>The object is immutable and safe to share between threads; the crops depend only on the image and on the
 * generator passed in. Use one generator per sample, derived from (seed, epoch, sample index), to make results
 * independent of how samples are spread over threads.
 */
public final class MultiCropAugmentation {

    private final MultiCropConfig config;
    private final RandomResizedCrop globalCrop;
    private final RandomResizedCrop localCrop;
    private final int[] sizes;

    /** @param config the augmentation settings */
    public MultiCropAugmentation(MultiCropConfig config) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.globalCrop = RandomResizedCrop.of(config.globalSize(), config.globalScaleMin(), config.globalScaleMax());
        this.localCrop = RandomResizedCrop.of(config.localSize(), config.localScaleMin(), config.localScaleMax());
        this.sizes = new int[config.cropCount()];
        for (int k = 0; k < sizes.length; k++) {
            sizes[k] = k < 2 ? config.globalSize() : config.localSize();
        }
    }

    /** The settings. */
    public MultiCropConfig config() {
        return config;
    }

    /** Crops per image: 2 global + local. */
    public int cropCount() {
        return sizes.length;
    }

    /** Side in pixels of crop {@code k} (global for k &lt; 2). */
    public int cropSize(int k) {
        return sizes[k];
    }

    /** Floats per crop {@code k}: {@code 3 * size * size}. */
    public int cropLength(int k) {
        return 3 * sizes[k] * sizes[k];
    }

    /**
     * Makes all crops of one image.
     *
     * @param image the source, 1 or 3 channels in [0, 1]
     * @param rng this sample's generator
     * @return {@code cropCount()} arrays, crop {@code k} holding {@code [3, cropSize(k), cropSize(k)]} normalised
     *     values
     */
    public float[][] apply(FloatImage image, SplittableRandom rng) {
        float[][] crops = new float[sizes.length][];
        for (int k = 0; k < sizes.length; k++) {
            crops[k] = new float[cropLength(k)];
        }
        applyInto(image, rng, crops, 0);
        return crops;
    }

    /**
     * Makes all crops of one image and writes crop {@code k} into {@code crops[k]} at element
     * {@code slot * cropLength(k)}: with {@code crops[k]} a {@code [B, 3, size, size]} batch array, {@code slot} is
     * the sample's position in the batch. Distinct slots may be written concurrently.
     *
     * @param image the source, 1 or 3 channels in [0, 1]
     * @param rng this sample's generator
     * @param crops one destination array per crop
     * @param slot position in the destination batch
     */
    public void applyInto(FloatImage image, SplittableRandom rng, float[][] crops, int slot) {
        Objects.requireNonNull(image, "image must not be null");
        if (crops.length != sizes.length) {
            throw new IllegalArgumentException("expected " + sizes.length + " crop arrays, got " + crops.length);
        }
        for (int k = 0; k < sizes.length; k++) {
            int len = cropLength(k);
            if (slot < 0 || (long) (slot + 1) * len > crops[k].length) {
                throw new IllegalArgumentException("crop array " + k + " of " + crops[k].length
                        + " floats has no slot " + slot + " for a crop of " + len + " floats");
            }
            crop(image, rng, k, crops[k], slot * len);
        }
    }

    private void crop(FloatImage image, SplittableRandom rng, int k, float[] dst, int off) {
        int size = sizes[k];
        int plane = size * size;
        RandomResizedCrop rrc = k < 2 ? globalCrop : localCrop;
        CropBox box = rrc.sample(image.height(), image.width(), rng);
        // The draws keep the official order (box, flip, jitter, grayscale, blur, solarisation). Resampling draws
        // nothing, so the flip can be decided first and done by the resampler as it writes the crop.
        boolean flip = Draws.chance(rng, config.flipProbability());
        // The crop is worked on as three separate planes (see CropPlanes) and normalised into dst at the end.
        CropPlanes p = CropPlanes.get(plane);
        BicubicResampler.resizedCrop(image, box, size, size, p, flip);
        if (Draws.chance(rng, config.colorJitterProbability())) {
            config.colorJitter().apply(p, plane, rng);
        }
        if (Draws.chance(rng, config.grayscaleProbability())) {
            ColorOps.grayscale(p, plane);
        }
        double blurProbability = k == 0 ? config.blurProbabilityGlobal1()
                : k == 1 ? config.blurProbabilityGlobal2() : config.blurProbabilityLocal();
        if (Draws.chance(rng, blurProbability)) {
            double sigma = Draws.uniform(rng, config.blurSigmaMin(), config.blurSigmaMax());
            GaussianBlur.blur(p, size, size, sigma);
        }
        if (k == 1 && Draws.chance(rng, config.solarizeProbability())) {
            ColorOps.solarize(p, plane);
        }
        config.normalization().applyInto(p, plane, dst, off);
    }
}
