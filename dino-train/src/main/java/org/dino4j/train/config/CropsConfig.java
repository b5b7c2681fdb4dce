package org.dino4j.train.config;

import java.util.List;

/**
 * The multi-crop augmentation ({@code crops}): two global views for teacher and student and
 * {@code localCount} small local views for the student only, each photometrically distorted.
 *
 * @param globalSize side of the global crops in pixels; a multiple of the patch size
 * @param globalScale area fractions of the global crops
 * @param localCount number of local crops per image (0 = two-view training)
 * @param localSize side of the local crops in pixels; a multiple of the patch size
 * @param localScale area fractions of the local crops
 * @param flipP probability of a horizontal flip
 * @param colorJitter colour jitter
 * @param grayscaleP probability of converting to grey scale
 * @param blurP Gaussian blur probabilities per kind of crop
 * @param blurSigma range of the blur's sigma
 * @param solarizeP probability of solarisation, applied to the second global crop only
 * @param mean per-channel mean subtracted after augmentation (RGB, on [0, 1] pixels)
 * @param std per-channel standard deviation divided by after augmentation
 */
public record CropsConfig(@Range(min = 1) int globalSize,
                          CropScale globalScale,
                          @Range(min = 0) int localCount,
                          @Range(min = 1) int localSize,
                          CropScale localScale,
                          @Range(min = 0, max = 1) double flipP,
                          ColorJitterConfig colorJitter,
                          @Range(min = 0, max = 1) double grayscaleP,
                          BlurProbabilities blurP,
                          BlurSigma blurSigma,
                          @Range(min = 0, max = 1) double solarizeP,
                          @Size(min = 3, max = 3) List<Double> mean,
                          @Size(min = 3, max = 3) @Range(min = 0, minExclusive = true) List<Double> std) {

    public CropsConfig {
        // copies, so that the record is immutable
        mean = List.copyOf(mean);
        std = List.copyOf(std);
    }

    /** Number of crops per image seen by the student: 2 global + {@code localCount} local. */
    public int studentCrops() {
        return 2 + localCount;
    }
}
