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
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        brightness(p, plane, factor);
        p.store(buf, off, plane);
    }

    /** Contrast: blend with the mean gray level of the whole image. */
    public static void contrast(float[] buf, int off, int plane, float factor) {
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        contrast(p, plane, factor);
        p.store(buf, off, plane);
    }

    /** Saturation: blend each pixel with its own gray level (0 gives grayscale, 1 the identity). */
    public static void saturation(float[] buf, int off, int plane, float factor) {
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        saturation(p, plane, factor);
        p.store(buf, off, plane);
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
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        hue(p, plane, shift);
        p.store(buf, off, plane);
    }

    /** Grayscale with three identical output channels (torchvision's {@code RandomGrayscale} on RGB input). */
    public static void grayscale(float[] buf, int off, int plane) {
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        grayscale(p, plane);
        p.store(buf, off, plane);
    }

    // The operations proper work on the three separate planes of a CropPlanes (first n pixels), where the JIT
    // compiler vectorises their loops. Clamps are written with Math.min/max, which vectorise, rather than with
    // comparisons, which do not; the two agree on every value except the sign of a zero, and no step here makes -0.

    static void brightness(CropPlanes p, int n, float factor) {
        scaleClamp(p.r, n, factor);
        scaleClamp(p.g, n, factor);
        scaleClamp(p.b, n, factor);
    }

    /** {@code x = clamp(factor * x)}. */
    private static void scaleClamp(float[] x, int n, float factor) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(0f, Math.min(1f, factor * x[i]));
        }
    }

    static void contrast(CropPlanes p, int n, float factor) {
        float[] r = p.r;
        float[] g = p.g;
        float[] b = p.b;
        // One double sum in pixel order, as before: a different order could change the mean in its last bits.
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += luma(r[i], g[i], b[i]);
        }
        float shift = (float) ((1 - factor) * (sum / n));
        scaleShiftClamp(r, n, factor, shift);
        scaleShiftClamp(g, n, factor, shift);
        scaleShiftClamp(b, n, factor, shift);
    }

    /** {@code x = clamp(factor * x + shift)}. */
    private static void scaleShiftClamp(float[] x, int n, float factor, float shift) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(0f, Math.min(1f, factor * x[i] + shift));
        }
    }

    static void saturation(CropPlanes p, int n, float factor) {
        float[] r = p.r;
        float[] g = p.g;
        float[] b = p.b;
        float keep = 1 - factor;
        for (int i = 0; i < n; i++) {
            float gray = keep * luma(r[i], g[i], b[i]);
            r[i] = Math.max(0f, Math.min(1f, factor * r[i] + gray));
            g[i] = Math.max(0f, Math.min(1f, factor * g[i] + gray));
            b[i] = Math.max(0f, Math.min(1f, factor * b[i] + gray));
        }
    }

    /**
     * The hue rotation, written without data-dependent branches so that it vectorises: a per-pixel choice (which
     * channel is the largest, whether the hue wrapped around) becomes a 0/1 factor made with min/max, and the value
     * is {@code 1 * chosen + 0 * other}, which is the chosen value exactly. The results are bit for bit those of
     * the textbook branching form (max, min, sector of the largest channel, offset, wrap into [0, 6), ramps),
     * except for pixels whose channels differ by less than 1e-30, treated as gray (unchanged) and so moved by less
     * than 1e-30. The work goes in strips of {@link CropPlanes#STRIP} pixels through small loops, one simple step
     * each, because the compiler vectorises only loops with short bodies (merging just the first two loops makes
     * the rotation about three times slower).
     */
    static void hue(CropPlanes p, int n, float shift) {
        if (shift == 0f) {
            return;
        }
        float shift6 = 6f * shift;
        for (int s = 0; s < n; s += CropPlanes.STRIP) {
            hueStrip(p, s, Math.min(s + CropPlanes.STRIP, n), shift6);
        }
    }

    /** Channel differences below this count as gray; keeps 1 / (max - min) finite. */
    private static final float MIN_DELTA = 1e-30f;

    /** Rotates pixels {@code s} to {@code e - 1}; every array is indexed by the pixel (see CropPlanes). */
    private static void hueStrip(CropPlanes p, int s, int e, float shift6) {
        float[] r = p.r;
        float[] g = p.g;
        float[] b = p.b;
        float[] max = p.max;
        float[] delta = p.delta;
        float[] inv = p.inverse;
        float[] hue = p.hue;
        float[] redMax = p.redIsMax;
        float[] greenMax = p.greenIsMax;
        for (int i = s; i < e; i++) {
            float hi = Math.max(r[i], Math.max(g[i], b[i]));
            max[i] = hi;
            delta[i] = hi - Math.min(r[i], Math.min(g[i], b[i]));
        }
        for (int i = s; i < e; i++) {
            inv[i] = 1f / Math.max(delta[i], MIN_DELTA);
            redMax[i] = isZero(max[i] - r[i]);
            greenMax[i] = isZero(max[i] - g[i]);
        }
        for (int i = s; i < e; i++) {
            float rv = r[i];
            float gv = g[i];
            float bv = b[i];
            float v = inv[i];
            float isR = redMax[i];
            float isG = greenMax[i];
            // Hue in sixths of a turn, in [-1, 5): the sector of the largest channel (red first on ties, then
            // green) plus the offset inside it; then the shift.
            float blueSector = (1f - isG) * (4f + (rv - gv) * v);
            hue[i] = isR * ((gv - bv) * v) + (1f - isR) * (isG * (2f + (bv - rv) * v) + blueSector) + shift6;
        }
        for (int i = s; i < e; i++) {
            // Into [0, 6): + 6 when negative, then - 6 when at least 6 (both steps, as rounding may land on 6).
            float h = hue[i] + 6f * isNegative(hue[i]);
            hue[i] = h - 6f * (1f - isNegative(h - 6f));
        }
        // HSV to RGB: channel n is V - V S ramp((n + h) mod 6), n = 5, 3, 1 for R, G, B; V = max and V S = delta.
        hsvChannel(r, max, delta, hue, s, e, 5f);
        hsvChannel(g, max, delta, hue, s, e, 3f);
        hsvChannel(b, max, delta, hue, s, e, 1f);
    }

    private static void hsvChannel(float[] out, float[] max, float[] delta, float[] hue, int s, int e, float k0) {
        for (int i = s; i < e; i++) {
            float k = hue[i] + k0;
            // ramp(k mod 6) for k in [0, 12) without the modulo: one of the two triangles is always 0, and k - 6 is
            // exact for k >= 6, so this equals clamp(min(m, 4 - m), 0, 1) with m = k mod 6.
            out[i] = max[i] - delta[i] * (triangle(k) + triangle(k - 6f));
        }
    }

    /** {@code clamp(min(k, 4 - k), 0, 1)}. */
    private static float triangle(float k) {
        return Math.max(0f, Math.min(1f, Math.min(k, 4f - k)));
    }

    /** 1 for {@code d == 0}, 0 for {@code d > 0} (also denormal: the two products reach 1 from 1.4e-45). */
    private static float isZero(float d) {
        return Math.max(0f, 1f - (d * 0x1p100f) * 0x1p100f);
    }

    /** 1 for {@code x < 0}, 0 for {@code x >= 0} (never -0 here). */
    private static float isNegative(float x) {
        return Math.max(0f, Math.min(1f, (-x * 0x1p100f) * 0x1p100f));
    }

    static void grayscale(CropPlanes p, int n) {
        float[] r = p.r;
        float[] g = p.g;
        float[] b = p.b;
        for (int i = 0; i < n; i++) {
            float gray = luma(r[i], g[i], b[i]);
            r[i] = gray;
            g[i] = gray;
            b[i] = gray;
        }
    }

    static void solarize(CropPlanes p, int n) {
        solarizeRange(p.r, 0, n);
        solarizeRange(p.g, 0, n);
        solarizeRange(p.b, 0, n);
    }

    private static void solarizeRange(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float v = x[i];
            x[i] = v < SOLARIZE_THRESHOLD ? v : 1f - v;
        }
    }

    /** Solarisation: inverts every value at or above {@link #SOLARIZE_THRESHOLD} (PIL {@code ImageOps.solarize}). */
    public static void solarize(float[] buf, int off, int plane) {
        solarizeRange(buf, off, 3 * plane);
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
}
