package org.dino4j.train.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Two-pixel RGB images in planar layout: {r0, r1, g0, g1, b0, b1}. */
class ColorOpsTest {

    private static float[] pixels() {
        // pixel 0 = (0.2, 0.4, 0.6), luma 0.363; pixel 1 = white, luma 1
        return new float[] {0.2f, 1f, 0.4f, 1f, 0.6f, 1f};
    }

    @Test
    void brightnessScalesAndClamps() {
        float[] p = pixels();
        ColorOps.brightness(p, 0, 2, 1.5f);
        assertArrayEquals(new float[] {0.3f, 1f, 0.6f, 1f, 0.9f, 1f}, p, 1e-6f);
    }

    @Test
    void contrastBlendsWithMeanGray() {
        float[] p = pixels();
        ColorOps.contrast(p, 0, 2, 0.5f);
        // mean luma (0.363 + 1) / 2 = 0.6815; x -> 0.5 x + 0.5 * 0.6815
        assertArrayEquals(new float[] {0.44075f, 0.84075f, 0.54075f, 0.84075f, 0.64075f, 0.84075f}, p, 1e-6f);
    }

    @Test
    void saturationBlendsWithOwnGray() {
        float[] p = pixels();
        ColorOps.saturation(p, 0, 2, 2f);
        // 2 x - luma, clamped
        assertArrayEquals(new float[] {0.037f, 1f, 0.437f, 1f, 0.837f, 1f}, p, 1e-6f);
        float[] q = pixels();
        ColorOps.saturation(q, 0, 2, 0f);
        assertArrayEquals(new float[] {0.363f, 1f, 0.363f, 1f, 0.363f, 1f}, q, 1e-6f);
    }

    @Test
    void grayscaleUsesItuR601Luma() {
        float[] p = pixels();
        ColorOps.grayscale(p, 0, 2);
        assertArrayEquals(new float[] {0.363f, 1f, 0.363f, 1f, 0.363f, 1f}, p, 1e-6f);
    }

    @Test
    void solarizeInvertsAtOrAboveHalf() {
        float[] p = {0.1f, 0.5f, 127f / 255f, 128f / 255f, 0.6f, 1f};
        ColorOps.solarize(p, 0, 2);
        assertArrayEquals(new float[] {0.1f, 0.5f, 127f / 255f, 127f / 255f, 0.4f, 0f}, p, 1e-6f);
    }

    @Test
    void hueShiftOfZeroIsIdentity() {
        SplittableRandom rng = new SplittableRandom(1);
        float[] p = new float[3 * 50];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) rng.nextDouble();
        }
        float[] q = p.clone();
        ColorOps.hue(q, 0, 50, 0f);
        assertArrayEquals(p, q);
        ColorOps.hue(q, 0, 50, 1e-9f);
        assertArrayEquals(p, q, 1e-6f);
    }

    @Test
    void hueRotatesPrimaries() {
        float[] red = {1f, 0f, 0f};
        ColorOps.hue(red, 0, 1, 1f / 3f);
        assertArrayEquals(new float[] {0f, 1f, 0f}, red, 1e-6f);
        float[] red2 = {0.8f, 0.2f, 0.2f};
        ColorOps.hue(red2, 0, 1, 0.5f);
        assertArrayEquals(new float[] {0.2f, 0.8f, 0.8f}, red2, 1e-6f);
        float[] yellow = {0.9f, 0.9f, 0.3f};
        ColorOps.hue(yellow, 0, 1, -1f / 6f);
        assertArrayEquals(new float[] {0.9f, 0.3f, 0.3f}, yellow, 1e-6f);
    }

    @Test
    void hueKeepsGrayPixels() {
        float[] gray = {0.4f, 0.4f, 0.4f};
        ColorOps.hue(gray, 0, 1, 0.3f);
        assertArrayEquals(new float[] {0.4f, 0.4f, 0.4f}, gray);
    }

    @Test
    void horizontalFlipMirrorsEveryRow() {
        float[] p = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        ColorOps.horizontalFlip(p, 0, 2, 2, 3);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}, p);
    }

    @Test
    void colorJitterValidatesAmounts() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ColorJitter(0.4, -0.1, 0.2, 0.1));
        assertEquals("colour jitter contrast must be finite and >= 0, got -0.1", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ColorJitter(0.4, 0.4, 0.2, 0.6));
        assertEquals("colour jitter hue must be in [0, 0.5] turns, got 0.6", e.getMessage());
    }

    @Test
    void colorJitterNoneIsIdentity() {
        float[] p = pixels();
        ColorJitter.NONE.apply(p, 0, 2, new SplittableRandom(5));
        assertArrayEquals(pixels(), p);
    }

    @Test
    void colorJitterStaysInRange() {
        SplittableRandom rng = new SplittableRandom(11);
        float[] p = new float[3 * 64];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) rng.nextDouble();
        }
        for (int t = 0; t < 20; t++) {
            ColorJitter.DINO.apply(p, 0, 64, rng);
            for (float v : p) {
                org.junit.jupiter.api.Assertions.assertTrue(v >= 0f && v <= 1f, "value " + v + " left [0, 1]");
            }
        }
    }

    /** The textbook branching hue rotation, per pixel: the reference for the branch-free planar version. */
    private static void branchingHue(float[] buf, int plane, float shift) {
        for (int i = 0; i < plane; i++) {
            float r = buf[i];
            float g = buf[plane + i];
            float b = buf[2 * plane + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0f) {
                continue;
            }
            float inv = 1f / delta;
            float h = max == r ? (g - b) * inv : max == g ? 2f + (b - r) * inv : 4f + (r - g) * inv;
            h += 6f * shift;
            h = h < 0f ? h + 6f : h;
            h = h >= 6f ? h - 6f : h;
            buf[i] = max - delta * ramp(h + 5f);
            buf[plane + i] = max - delta * ramp(h + 3f);
            buf[2 * plane + i] = max - delta * ramp(h + 1f);
        }
    }

    private static float ramp(float k) {
        float m = k >= 6f ? k - 6f : k;
        return Math.max(0f, Math.min(1f, Math.min(m, 4f - m)));
    }

    @Test
    void hueMatchesTheBranchingFormBitForBit() {
        SplittableRandom rng = new SplittableRandom(21);
        // More pixels than one strip, with gray pixels, ties between channels, 0 and 1.
        int plane = 3000;
        float[] p = new float[3 * plane];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < plane; i += 7) {
            p[plane + i] = p[i]; // red == green
        }
        for (int i = 3; i < plane; i += 11) {
            p[plane + i] = p[i];
            p[2 * plane + i] = p[i]; // gray
        }
        for (int i = 5; i < plane; i += 13) {
            p[i] = 1f;
            p[2 * plane + i] = 0f;
        }
        float[] shifts = {0.5f, -0.5f, 0.1f, -0.1f, 1e-7f, -1e-7f, 0.3333f, (float) rng.nextDouble() - 0.5f};
        for (float shift : shifts) {
            float[] expected = p.clone();
            branchingHue(expected, plane, shift);
            float[] actual = p.clone();
            ColorOps.hue(actual, 0, plane, shift);
            for (int i = 0; i < p.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "shift " + shift + ", element " + i);
            }
        }
    }
}
