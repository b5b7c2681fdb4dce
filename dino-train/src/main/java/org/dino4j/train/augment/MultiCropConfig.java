package org.dino4j.train.augment;

import java.util.Objects;

/**
 * Settings of DINO's multi-crop augmentation ({@code DataAugmentationDINO} in the official code). Two global crops of
 * {@code globalSize} and {@code localCrops} local crops of {@code localSize} are cut from each image; every crop is
 * then flipped, colour-jittered, possibly turned gray, blurred, and normalised. Solarisation applies to the second
 * global crop only and blur probabilities differ between the crops (1.0, 0.1, 0.5 officially): the two global views
 * are deliberately asymmetric.
 *
 * <p>{@link #dino()} gives the official ImageNet values; the {@code with...} methods return modified copies.
 *
 * @param globalSize side of the global crops in pixels (official 224)
 * @param localSize side of the local crops in pixels (official 96)
 * @param localCrops number of local crops, {@code >= 0} (official 8; 0 disables multi-crop)
 * @param globalScaleMin smallest area fraction of a global crop (official 0.4)
 * @param globalScaleMax largest area fraction of a global crop (official 1.0)
 * @param localScaleMin smallest area fraction of a local crop (official 0.05)
 * @param localScaleMax largest area fraction of a local crop (official 0.4)
 * @param flipProbability probability of a horizontal flip (official 0.5)
 * @param colorJitter jitter amounts (official {@link ColorJitter#DINO})
 * @param colorJitterProbability probability that the jitter is applied (official 0.8)
 * @param grayscaleProbability probability of turning the crop gray (official 0.2)
 * @param blurProbabilityGlobal1 blur probability of the first global crop (official 1.0)
 * @param blurProbabilityGlobal2 blur probability of the second global crop (official 0.1)
 * @param blurProbabilityLocal blur probability of each local crop (official 0.5)
 * @param blurSigmaMin smallest blur standard deviation in pixels (official 0.1)
 * @param blurSigmaMax largest blur standard deviation in pixels (official 2.0)
 * @param solarizeProbability solarisation probability of the second global crop (official 0.2)
 * @param normalization per-channel mean and standard deviation (official {@link Normalization#IMAGENET})
 */
public record MultiCropConfig(
        int globalSize,
        int localSize,
        int localCrops,
        double globalScaleMin,
        double globalScaleMax,
        double localScaleMin,
        double localScaleMax,
        double flipProbability,
        ColorJitter colorJitter,
        double colorJitterProbability,
        double grayscaleProbability,
        double blurProbabilityGlobal1,
        double blurProbabilityGlobal2,
        double blurProbabilityLocal,
        double blurSigmaMin,
        double blurSigmaMax,
        double solarizeProbability,
        Normalization normalization) {

    /** Validates every setting; messages name the field, the value and the valid range. */
    public MultiCropConfig {
        if (globalSize <= 0) {
            throw new IllegalArgumentException("globalSize must be positive, got " + globalSize);
        }
        if (localSize <= 0) {
            throw new IllegalArgumentException("localSize must be positive, got " + localSize);
        }
        if (localCrops < 0) {
            throw new IllegalArgumentException("localCrops must be >= 0, got " + localCrops);
        }
        checkScale("global", globalScaleMin, globalScaleMax);
        checkScale("local", localScaleMin, localScaleMax);
        Draws.checkProbability("flipProbability", flipProbability);
        Objects.requireNonNull(colorJitter, "colorJitter must not be null; use ColorJitter.NONE to disable it");
        Draws.checkProbability("colorJitterProbability", colorJitterProbability);
        Draws.checkProbability("grayscaleProbability", grayscaleProbability);
        Draws.checkProbability("blurProbabilityGlobal1", blurProbabilityGlobal1);
        Draws.checkProbability("blurProbabilityGlobal2", blurProbabilityGlobal2);
        Draws.checkProbability("blurProbabilityLocal", blurProbabilityLocal);
        if (!(blurSigmaMin > 0 && blurSigmaMin <= blurSigmaMax && Double.isFinite(blurSigmaMax))) {
            throw new IllegalArgumentException("blur sigma range must satisfy 0 < blurSigmaMin <= blurSigmaMax, got ("
                    + blurSigmaMin + ", " + blurSigmaMax + ")");
        }
        Draws.checkProbability("solarizeProbability", solarizeProbability);
        Objects.requireNonNull(normalization,
                "normalization must not be null; use Normalization.IDENTITY to keep values in [0, 1]");
    }

    private static void checkScale(String kind, double min, double max) {
        if (!(min > 0 && min <= max && max <= 1)) {
            throw new IllegalArgumentException(kind + " crop scale must satisfy 0 < " + kind + "ScaleMin <= " + kind
                    + "ScaleMax <= 1, got (" + min + ", " + max + ")");
        }
    }

    /** The official DINO ImageNet recipe: 2 x 224 (scale 0.4-1) + 8 x 96 (scale 0.05-0.4). */
    public static MultiCropConfig dino() {
        return new MultiCropConfig(224, 96, 8, 0.4, 1.0, 0.05, 0.4, 0.5, ColorJitter.DINO, 0.8, 0.2, 1.0, 0.1, 0.5,
                0.1, 2.0, 0.2, Normalization.IMAGENET);
    }

    /** The official recipe scaled to Fashion-MNIST: 2 x 28 + 6 x 12 crops, Fashion-MNIST statistics. */
    public static MultiCropConfig fashionMnist() {
        return dino().withSizes(28, 12, 6).withNormalization(Normalization.FASHION_MNIST);
    }

    /** Total crops per image: 2 global + {@code localCrops}. */
    public int cropCount() {
        return 2 + localCrops;
    }

    /** A copy with other crop sizes and local crop count. */
    public MultiCropConfig withSizes(int newGlobalSize, int newLocalSize, int newLocalCrops) {
        return new MultiCropConfig(newGlobalSize, newLocalSize, newLocalCrops, globalScaleMin, globalScaleMax,
                localScaleMin, localScaleMax, flipProbability, colorJitter, colorJitterProbability,
                grayscaleProbability, blurProbabilityGlobal1, blurProbabilityGlobal2, blurProbabilityLocal,
                blurSigmaMin, blurSigmaMax, solarizeProbability, normalization);
    }

    /** A copy with other area-fraction ranges for the global and local crops. */
    public MultiCropConfig withScales(double newGlobalMin, double newGlobalMax, double newLocalMin,
            double newLocalMax) {
        return new MultiCropConfig(globalSize, localSize, localCrops, newGlobalMin, newGlobalMax, newLocalMin,
                newLocalMax, flipProbability, colorJitter, colorJitterProbability, grayscaleProbability,
                blurProbabilityGlobal1, blurProbabilityGlobal2, blurProbabilityLocal, blurSigmaMin, blurSigmaMax,
                solarizeProbability, normalization);
    }

    /** A copy with another normalisation. */
    public MultiCropConfig withNormalization(Normalization newNormalization) {
        return new MultiCropConfig(globalSize, localSize, localCrops, globalScaleMin, globalScaleMax, localScaleMin,
                localScaleMax, flipProbability, colorJitter, colorJitterProbability, grayscaleProbability,
                blurProbabilityGlobal1, blurProbabilityGlobal2, blurProbabilityLocal, blurSigmaMin, blurSigmaMax,
                solarizeProbability, newNormalization);
    }

    /**
     * A copy with other photometric probabilities (flip, jitter, grayscale, the three blurs, solarisation); all 0
     * leaves only cropping and normalisation.
     */
    public MultiCropConfig withProbabilities(double flip, double jitter, double grayscale, double blurGlobal1,
            double blurGlobal2, double blurLocal, double solarize) {
        return new MultiCropConfig(globalSize, localSize, localCrops, globalScaleMin, globalScaleMax, localScaleMin,
                localScaleMax, flip, colorJitter, jitter, grayscale, blurGlobal1, blurGlobal2, blurLocal,
                blurSigmaMin, blurSigmaMax, solarize, normalization);
    }

    /** A copy with other jitter amounts. */
    public MultiCropConfig withColorJitter(ColorJitter newColorJitter) {
        return new MultiCropConfig(globalSize, localSize, localCrops, globalScaleMin, globalScaleMax, localScaleMin,
                localScaleMax, flipProbability, newColorJitter, colorJitterProbability, grayscaleProbability,
                blurProbabilityGlobal1, blurProbabilityGlobal2, blurProbabilityLocal, blurSigmaMin, blurSigmaMax,
                solarizeProbability, normalization);
    }
}
