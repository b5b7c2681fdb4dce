package org.dino4j.train.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MultiCropAugmentationTest {

    static FloatImage randomImage(int channels, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[channels * h * w];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rng.nextDouble();
        }
        return new FloatImage(channels, h, w, data);
    }

    /** Whole-image crops at the image size and no photometric operation: crops equal the input. */
    private static MultiCropConfig geometryOnly(int size) {
        return MultiCropConfig.dino().withSizes(size, size, 2).withScales(1.0, 1.0, 1.0, 1.0)
                .withProbabilities(0, 0, 0, 0, 0, 0, 0).withNormalization(Normalization.IDENTITY);
    }

    @Test
    void officialRecipeGivesTwoGlobalAndEightLocalCrops() {
        MultiCropAugmentation aug = new MultiCropAugmentation(MultiCropConfig.dino());
        float[][] crops = aug.apply(randomImage(3, 375, 500, 1), new SplittableRandom(1));
        assertEquals(10, crops.length);
        for (int k = 0; k < crops.length; k++) {
            int size = k < 2 ? 224 : 96;
            assertEquals(size, aug.cropSize(k));
            assertEquals(3 * size * size, crops[k].length);
            for (float v : crops[k]) {
                // [0, 1] normalised with ImageNet statistics lies within [-2.2, 2.7].
                assertTrue(v >= -2.2f && v <= 2.7f, "crop " + k + " value " + v);
            }
        }
    }

    @Test
    void fashionMnistRecipe() {
        MultiCropConfig config = MultiCropConfig.fashionMnist();
        assertEquals(28, config.globalSize());
        assertEquals(12, config.localSize());
        assertEquals(8, config.cropCount());
        float[][] crops = new MultiCropAugmentation(config).apply(randomImage(1, 28, 28, 2), new SplittableRandom(2));
        assertEquals(3 * 28 * 28, crops[1].length);
        assertEquals(3 * 12 * 12, crops[7].length);
    }

    @Test
    void withoutPhotometricOpsCropsEqualTheImage() {
        FloatImage image = randomImage(3, 8, 8, 3);
        float[][] crops = new MultiCropAugmentation(geometryOnly(8)).apply(image, new SplittableRandom(3));
        for (float[] crop : crops) {
            assertArrayEquals(image.data(), crop);
        }
    }

    @Test
    void flipActuallyFlips() {
        FloatImage image = randomImage(3, 8, 8, 4);
        MultiCropConfig config = geometryOnly(8).withProbabilities(1, 0, 0, 0, 0, 0, 0);
        float[][] crops = new MultiCropAugmentation(config).apply(image, new SplittableRandom(4));
        float[] mirrored = image.data().clone();
        ColorOps.horizontalFlip(mirrored, 0, 3, 8, 8);
        assertFalse(Arrays.equals(mirrored, image.data()));
        for (float[] crop : crops) {
            assertArrayEquals(mirrored, crop);
            assertEquals(image.get(1, 2, 0), crop[(1 * 8 + 2) * 8 + 7]);
        }
    }

    @Test
    void solarizationOnlyTouchesTheSecondGlobalCrop() {
        float[] data = new float[3 * 8 * 8];
        Arrays.fill(data, 0.9f);
        MultiCropConfig config = geometryOnly(8).withProbabilities(0, 0, 0, 0, 0, 0, 1);
        float[][] crops = new MultiCropAugmentation(config).apply(new FloatImage(3, 8, 8, data),
                new SplittableRandom(5));
        for (int k = 0; k < crops.length; k++) {
            float expected = k == 1 ? 0.1f : 0.9f;
            for (float v : crops[k]) {
                assertEquals(expected, v, 1e-6f, "crop " + k);
            }
        }
    }

    @Test
    void blurProbabilityIsPerCropKind() {
        FloatImage image = randomImage(3, 8, 8, 6);
        // Blur always on the first global crop, never elsewhere.
        MultiCropConfig config = geometryOnly(8).withProbabilities(0, 0, 0, 1, 0, 0, 0);
        float[][] crops = new MultiCropAugmentation(config).apply(image, new SplittableRandom(6));
        assertFalse(Arrays.equals(image.data(), crops[0]));
        for (int k = 1; k < crops.length; k++) {
            assertArrayEquals(image.data(), crops[k], "crop " + k);
        }
    }

    @Test
    void normalisationUsesChannelStatistics() {
        float[] data = new float[3 * 8 * 8];
        Arrays.fill(data, 0.5f);
        MultiCropConfig config = geometryOnly(8).withNormalization(Normalization.IMAGENET);
        float[] crop = new MultiCropAugmentation(config).apply(new FloatImage(3, 8, 8, data),
                new SplittableRandom(7))[0];
        assertEquals((0.5 - 0.485) / 0.229, crop[0], 1e-6);
        assertEquals((0.5 - 0.456) / 0.224, crop[64], 1e-6);
        assertEquals((0.5 - 0.406) / 0.225, crop[128 + 63], 1e-6);
        assertEquals(List.of(0.286, 0.286, 0.286), Normalization.FASHION_MNIST.mean());
    }

    @Test
    void sameSeedSameCropsAndGrayEqualsExpandedGray() {
        MultiCropAugmentation aug = new MultiCropAugmentation(MultiCropConfig.dino().withSizes(32, 16, 4));
        FloatImage gray = randomImage(1, 40, 30, 8);
        float[][] a = aug.apply(gray, new SplittableRandom(42));
        float[][] b = aug.apply(gray, new SplittableRandom(42));
        float[][] c = aug.apply(gray.toRgb(), new SplittableRandom(42));
        float[][] d = aug.apply(gray, new SplittableRandom(43));
        for (int k = 0; k < a.length; k++) {
            assertArrayEquals(a[k], b[k]);
            assertArrayEquals(a[k], c[k]);
        }
        assertFalse(Arrays.equals(a[0], d[0]));
    }

    @Test
    void applyIntoWritesTheSlotOnly() {
        MultiCropAugmentation aug = new MultiCropAugmentation(MultiCropConfig.dino().withSizes(16, 8, 1));
        FloatImage image = randomImage(3, 20, 20, 9);
        float[][] batch = {new float[3 * 3 * 16 * 16], new float[3 * 3 * 16 * 16], new float[3 * 3 * 8 * 8]};
        aug.applyInto(image, new SplittableRandom(10), batch, 1);
        float[][] single = aug.apply(image, new SplittableRandom(10));
        for (int k = 0; k < 3; k++) {
            int len = single[k].length;
            assertArrayEquals(single[k], Arrays.copyOfRange(batch[k], len, 2 * len));
            assertArrayEquals(new float[len], Arrays.copyOfRange(batch[k], 0, len));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> aug.applyInto(image, new SplittableRandom(1), batch, 3));
        assertEquals("crop array 0 of 2304 floats has no slot 3 for a crop of 768 floats", e.getMessage());
    }

    @Test
    void configValidationNamesTheField() {
        MultiCropConfig dino = MultiCropConfig.dino();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dino.withSizes(0, 96, 8));
        assertEquals("globalSize must be positive, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dino.withSizes(224, 96, -1));
        assertEquals("localCrops must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dino.withScales(0.4, 1.0, 0.5, 0.4));
        assertEquals("local crop scale must satisfy 0 < localScaleMin <= localScaleMax <= 1, got (0.5, 0.4)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dino.withProbabilities(1.5, 0.8, 0.2, 1, 0.1, 0.5,
                0.2));
        assertEquals("flipProbability must be a probability in [0, 1], got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Normalization.uniform(0.5, 0));
        assertEquals("normalisation std must be finite and > 0, got [0.0, 0.0, 0.0]", e.getMessage());
    }

    @Test
    void imageShapeIsValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FloatImage(3, 2, 2, new float[11]));
        assertEquals("image data holds 11 floats but 3x2x2 needs 12", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FloatImage(4, 2, 2, new float[16]));
        assertEquals("an image has 1 (grayscale) or 3 (RGB) channels, got 4", e.getMessage());
    }
}
