package org.dino4j.train.augment;

/**
 * In-place colour operations on a planar RGB image held in {@code buf} at {@code off}: red plane, green plane, blue
 * plane, each {@code plane} floats in [0, 1]. The blends follow torchvision's functional definitions
 * ({@code blend(img, other, f) = clamp(f * img + (1 - f) * other, 0, 1)}); gray levels use PIL's ITU-R 601-2 luma
 * {@code L = 0.299 R + 0.587 G + 0.114 B}, which is what {@code convert("L")} computes on the PIL images of the
 * official pipeline.
 */
public final class ColorOps {

    /** Luma weight of red. */
    public static final float LUMA_R = 0.299f;
    /** Luma weight of green. */
    public static final float LUMA_G = 0.587f;
    /** Luma weight of blue. */
    public static final float LUMA_B = 0.114f;
    /** PIL's default solarisation threshold, 128 of 255 gray levels. */
    public static final float SOLARIZE_THRESHOLD = 128f / 255f;

    private ColorOps() {
    }

    /** Brightness: blend with black, {@code clamp(f * x)}. */
    public static void brightness(float[] buf, int off, int plane, float factor) {
        int end = off + 3 * plane;
        for (int i = off; i < end; i++) {
            buf[i] = clamp01(factor * buf[i]);
        }
    }

    /** Contrast: blend with the mean gray level of the whole image. */
    public static void contrast(float[] buf, int off, int plane, float factor) {
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            sum += luma(buf[off + i], buf[off + plane + i], buf[off + 2 * plane + i]);
        }
        float shift = (float) ((1 - factor) * (sum / plane));
        int end = off + 3 * plane;
        for (int i = off; i < end; i++) {
            buf[i] = clamp01(factor * buf[i] + shift);
        }
    }

    /** Saturation: blend each pixel with its own gray level (0 gives grayscale, 1 the identity). */
    public static void saturation(float[] buf, int off, int plane, float factor) {
        float keep = 1 - factor;
        for (int i = 0; i < plane; i++) {
            int r = off + i;
            int g = r + plane;
            int b = g + plane;
            float gray = keep * luma(buf[r], buf[g], buf[b]);
            buf[r] = clamp01(factor * buf[r] + gray);
            buf[g] = clamp01(factor * buf[g] + gray);
            buf[b] = clamp01(factor * buf[b] + gray);
        }
    }

    /**
     * Hue: rotates the hue of every pixel by {@code shift} turns (HSV, hue in [0, 1)); saturation and value are kept.
     * A shift of 0 returns the image untouched.
     *
     * @param shift turns in [-0.5, 0.5]
     */
    public static void hue(float[] buf, int off, int plane, float shift) {
        if (shift == 0f) {
            return;
        }
        float shift6 = 6f * shift;
        for (int i = 0; i < plane; i++) {
            int ri = off + i;
            int gi = ri + plane;
            int bi = gi + plane;
            float r = buf[ri];
            float g = buf[gi];
            float b = buf[bi];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0f) {
                continue; // a gray pixel has no hue to rotate
            }
            // Hue in sixths of a turn, in [-1, 5): the sector of the largest channel plus the offset inside it.
            float inv = 1f / delta;
            float h = max == r ? (g - b) * inv : max == g ? 2f + (b - r) * inv : 4f + (r - g) * inv;
            h += shift6;
            h = h < 0f ? h + 6f : h;
            h = h >= 6f ? h - 6f : h;
            // HSV to RGB without sector branches: channel n is V - V S clamp(min(k, 4 - k), 0, 1) with
            // k = (n + h) mod 6, n = 5, 3, 1 for R, G, B; V = max and V S = delta.
            buf[ri] = max - delta * ramp(h + 5f);
            buf[gi] = max - delta * ramp(h + 3f);
            buf[bi] = max - delta * ramp(h + 1f);
        }
    }

    /** {@code clamp(min(k, 4 - k), 0, 1)} of {@code k mod 6}, for {@code k} in [0, 12). */
    private static float ramp(float k) {
        float m = k >= 6f ? k - 6f : k;
        return Math.max(0f, Math.min(1f, Math.min(m, 4f - m)));
    }

    /** Grayscale with three identical output channels (torchvision's {@code RandomGrayscale} on RGB input). */
    public static void grayscale(float[] buf, int off, int plane) {
        for (int i = 0; i < plane; i++) {
            int r = off + i;
            float gray = luma(buf[r], buf[r + plane], buf[r + 2 * plane]);
            buf[r] = gray;
            buf[r + plane] = gray;
            buf[r + 2 * plane] = gray;
        }
    }

    /** Solarisation: inverts every value at or above {@link #SOLARIZE_THRESHOLD} (PIL {@code ImageOps.solarize}). */
    public static void solarize(float[] buf, int off, int plane) {
        int end = off + 3 * plane;
        for (int i = off; i < end; i++) {
            float v = buf[i];
            buf[i] = v < SOLARIZE_THRESHOLD ? v : 1f - v;
        }
    }

    /** Mirrors every row of {@code channels} planes of {@code height x width}. */
    public static void horizontalFlip(float[] buf, int off, int channels, int height, int width) {
        int rows = channels * height;
        for (int r = 0; r < rows; r++) {
            int a = off + r * width;
            int b = a + width - 1;
            while (a < b) {
                float t = buf[a];
                buf[a++] = buf[b];
                buf[b--] = t;
            }
        }
    }

    /** ITU-R 601-2 luma of one pixel. */
    public static float luma(float r, float g, float b) {
        return LUMA_R * r + LUMA_G * g + LUMA_B * b;
    }

    private static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
