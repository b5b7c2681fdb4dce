package org.dino4j.train.augment;

/**
 * Gaussian blur with standard deviation {@code sigma} pixels, the meaning of {@code radius} in PIL's
 * {@code ImageFilter.GaussianBlur(radius)} used by the official pipeline. PIL approximates the Gaussian with three box
 * blurs; this class convolves with the sampled Gaussian itself, truncated at {@code ceil(3 sigma)} pixels and
 * normalised to sum 1, in two separable passes. Borders replicate the edge pixel, as PIL's box blur does.
 */
public final class GaussianBlur {

    private GaussianBlur() {
    }

    /**
     * The 1-D kernel.
     *
     * @param sigma standard deviation in pixels, {@code > 0}
     * @return {@code 2r + 1} weights summing to 1, {@code r = max(1, ceil(3 sigma))}
     */
    public static float[] kernel(double sigma) {
        if (!(sigma > 0 && Double.isFinite(sigma))) {
            throw new IllegalArgumentException("blur sigma must be finite and > 0, got " + sigma);
        }
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] w = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            w[i + radius] = Math.exp(-(double) i * i / (2 * sigma * sigma));
            sum += w[i + radius];
        }
        float[] k = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            k[i] = (float) (w[i] / sum);
        }
        return k;
    }

    /**
     * Blurs {@code channels} planes of {@code height x width} in place.
     *
     * @param buf planes starting at {@code off}
     * @param off first element
     * @param channels number of planes
     * @param height rows
     * @param width columns
     * @param sigma standard deviation in pixels
     */
    public static void blur(float[] buf, int off, int channels, int height, int width, double sigma) {
        float[] k = kernel(sigma);
        for (int c = 0; c < channels; c++) {
            blurPlane(buf, off + c * height * width, height, width, k);
        }
    }

    /** Blurs the three planes of {@code p} ({@code height x width} each, from index 0). */
    static void blur(CropPlanes p, int height, int width, double sigma) {
        float[] k = kernel(sigma);
        blurPlane(p.r, 0, height, width, k);
        blurPlane(p.g, 0, height, width, k);
        blurPlane(p.b, 0, height, width, k);
    }

    private static void blurPlane(float[] buf, int base, int height, int width, float[] k) {
        int r = k.length / 2;
        RowWorkspace ws = RowWorkspace.get();
        float[][] rows = ws.first(height, width);
        float[] pad = ws.row(0, width + 2 * r);
        float[] acc = ws.row(2, width);
        // Tap j of the horizontal pass reads the padded row shifted by j. Copying each shifted row out first lets
        // the multiply-add loops index all arrays with the same x, which the JIT vectorises, and lets them add
        // four taps per sweep (in tap order, as one at a time would).
        float[][] shifted = ws.third(k.length, width);
        // Row references with the edge rows repeated r times at both ends: the vertical pass then reads k.length
        // consecutive entries for every output row.
        float[][] clamped = ws.pointers(height + 2 * r);
        for (int i = 0; i < height + 2 * r; i++) {
            clamped[i] = rows[Math.min(Math.max(i - r, 0), height - 1)];
        }
        for (int y = 0; y < height; y++) {
            int row = base + y * width;
            float left = buf[row];
            float right = buf[row + width - 1];
            for (int i = 0; i < r; i++) {
                pad[i] = left;
                pad[r + width + i] = right;
            }
            System.arraycopy(buf, row, pad, r, width);
            for (int j = 0; j < k.length; j++) {
                System.arraycopy(pad, j, shifted[j], 0, width);
            }
            RowWorkspace.weightedRowSum(shifted, 0, k, 0, k.length, rows[y], width);
        }
        for (int y = 0; y < height; y++) {
            RowWorkspace.weightedRowSum(clamped, y, k, 0, k.length, acc, width);
            System.arraycopy(acc, 0, buf, base + y * width, width);
        }
    }
}
