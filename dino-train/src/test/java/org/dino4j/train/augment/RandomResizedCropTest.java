package org.dino4j.train.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {

    private static final int H = 375;
    private static final int W = 500;

    @Test
    void localScaleIsUniformInItsRange() {
        RandomResizedCrop crop = RandomResizedCrop.of(96, 0.05, 0.4);
        SplittableRandom rng = new SplittableRandom(1);
        double sum = 0;
        double min = 1;
        double max = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            CropBox b = crop.sample(H, W, rng);
            assertInside(b);
            double fraction = b.area() / (double) (H * W);
            double ratio = (double) b.width() / b.height();
            // Rounding the sides to whole pixels moves the area and the ratio slightly past the bounds.
            assertTrue(fraction > 0.048 && fraction < 0.405, "fraction " + fraction);
            assertTrue(ratio > 0.74 && ratio < 1.35, "ratio " + ratio);
            sum += fraction;
            min = Math.min(min, fraction);
            max = Math.max(max, fraction);
        }
        // Every draw fits in a 500x375 image, so the fraction is uniform on [0.05, 0.4]: mean 0.225.
        assertEquals(0.225, sum / n, 0.003);
        assertTrue(min < 0.052 && max > 0.398, "range [" + min + ", " + max + "] not covered");
    }

    @Test
    void globalScaleStaysInItsRange() {
        RandomResizedCrop crop = RandomResizedCrop.of(224, 0.4, 1.0);
        SplittableRandom rng = new SplittableRandom(2);
        double max = 0;
        for (int i = 0; i < 20000; i++) {
            CropBox b = crop.sample(H, W, rng);
            assertInside(b);
            double fraction = b.area() / (double) (H * W);
            assertTrue(fraction > 0.395 && fraction <= 1.0, "fraction " + fraction);
            max = Math.max(max, fraction);
        }
        assertTrue(max > 0.97, "largest fraction " + max);
    }

    @Test
    void aspectRatioIsLogUniform() {
        RandomResizedCrop crop = RandomResizedCrop.of(96, 0.05, 0.1);
        SplittableRandom rng = new SplittableRandom(3);
        double sumLog = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            CropBox b = crop.sample(H, W, rng);
            sumLog += Math.log((double) b.width() / b.height());
        }
        // log(3/4) and log(4/3) are symmetric around 0.
        assertEquals(0.0, sumLog / n, 0.01);
    }

    @Test
    void fallsBackToCentralCropClampedToTheRatioRange() {
        RandomResizedCrop crop = RandomResizedCrop.of(8, 0.9, 1.0);
        // A 10x100 strip: no box of 90% of the area has a ratio <= 4/3, so all 10 draws fail.
        CropBox b = crop.sample(10, 100, new SplittableRandom(4));
        assertEquals(new CropBox(0, 43, 10, 13), b);
        CropBox tall = crop.sample(100, 10, new SplittableRandom(4));
        assertEquals(new CropBox(43, 0, 13, 10), tall);
    }

    @Test
    void fullScaleOnMatchingImageIsTheWholeImage() {
        RandomResizedCrop crop = RandomResizedCrop.of(8, 1.0, 1.0);
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 100; i++) {
            assertEquals(CropBox.whole(8, 8), crop.sample(8, 8, rng));
        }
    }

    @Test
    void sameSeedSameBoxes() {
        RandomResizedCrop crop = RandomResizedCrop.of(96, 0.05, 0.4);
        SplittableRandom a = new SplittableRandom(9);
        SplittableRandom b = new SplittableRandom(9);
        for (int i = 0; i < 100; i++) {
            assertEquals(crop.sample(H, W, a), crop.sample(H, W, b));
        }
    }

    @Test
    void invalidRangesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RandomResizedCrop.of(96, 0.5, 0.4));
        assertEquals("crop scale range must satisfy 0 < min <= max <= 1, got (0.5, 0.4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RandomResizedCrop.of(0, 0.1, 0.4));
        assertEquals("crop size must be positive, got 0", e.getMessage());
    }

    private static void assertInside(CropBox b) {
        assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= H && b.left() + b.width() <= W,
                b.toString());
    }
}
