package org.dino4j.train.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GaussianBlurTest {

    @Test
    void kernelSumsToOneAndIsSymmetric() {
        for (double sigma : new double[] {0.1, 0.5, 1.0, 1.7, 2.0}) {
            float[] k = GaussianBlur.kernel(sigma);
            assertEquals(2 * Math.max(1, (int) Math.ceil(3 * sigma)) + 1, k.length);
            double sum = 0;
            for (int i = 0; i < k.length; i++) {
                sum += k[i];
                assertEquals(k[i], k[k.length - 1 - i], 0f);
            }
            assertEquals(1.0, sum, 1e-6, "sigma " + sigma);
        }
    }

    @Test
    void kernelHasTheRequestedStandardDeviation() {
        float[] k = GaussianBlur.kernel(1.5);
        int r = k.length / 2;
        double variance = 0;
        for (int i = 0; i < k.length; i++) {
            variance += k[i] * (double) (i - r) * (i - r);
        }
        assertEquals(1.5 * 1.5, variance, 0.05);
    }

    @Test
    void constantImageIsPreserved() {
        float[] img = new float[3 * 9 * 7];
        Arrays.fill(img, 0.7f);
        GaussianBlur.blur(img, 0, 3, 9, 7, 2.0);
        for (float v : img) {
            assertEquals(0.7f, v, 1e-6f);
        }
    }

    @Test
    void impulseSpreadsSymmetricallyAndKeepsMass() {
        int n = 21;
        float[] img = new float[n * n];
        img[10 * n + 10] = 1f;
        GaussianBlur.blur(img, 0, 1, n, n, 1.0);
        double mass = 0;
        for (float v : img) {
            mass += v;
        }
        assertEquals(1.0, mass, 1e-5);
        assertEquals(img[10 * n + 9], img[10 * n + 11], 1e-7f);
        assertEquals(img[9 * n + 10], img[10 * n + 9], 1e-7f);
        assertTrue(img[10 * n + 10] < 0.2f && img[10 * n + 10] > img[10 * n + 11]);
    }

    @Test
    void tinySigmaIsAlmostIdentity() {
        float[] img = {0f, 1f, 0f, 1f, 0f, 1f};
        GaussianBlur.blur(img, 0, 1, 2, 3, 0.1);
        float[] expected = {0f, 1f, 0f, 1f, 0f, 1f};
        for (int i = 0; i < img.length; i++) {
            assertEquals(expected[i], img[i], 1e-6f);
        }
    }

    @Test
    void invalidSigmaIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GaussianBlur.kernel(0));
        assertEquals("blur sigma must be finite and > 0, got 0.0", e.getMessage());
    }
}
