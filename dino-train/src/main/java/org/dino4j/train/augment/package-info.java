/**
 * DINO's multi-crop data augmentation in plain Java, on planar float images in [0, 1].
 *
 * <p>{@link org.dino4j.train.augment.MultiCropAugmentation} follows the official {@code DataAugmentationDINO}
 * recipe: two global crops and {@code localCrops} local crops, each made of a
 * {@link org.dino4j.train.augment.RandomResizedCrop} with bicubic resampling
 * ({@link org.dino4j.train.augment.BicubicResampler}), a horizontal flip, a
 * {@link org.dino4j.train.augment.ColorJitter}, random grayscale, a
 * {@link org.dino4j.train.augment.GaussianBlur}, solarisation on the second global crop only, and a per-channel
 * {@link org.dino4j.train.augment.Normalization}. All settings live in the record
 * {@link org.dino4j.train.augment.MultiCropConfig}.
 *
 * <p>The reference pipeline runs torchvision on PIL images; here every operation works on {@code float[]} planes
 * (CHW) and keeps the same sampling and blending formulas. Randomness always comes from a
 * {@link java.util.SplittableRandom} passed in by the caller, so a sample's crops depend only on its seed.
 */
package org.dino4j.train.augment;
