package org.dino4j.train.augment;

/**
 * Bicubic resampling of a crop box to a new size, with the conventions of PIL's {@code Image.resize(size, BICUBIC)}
 * (what the official DINO pipeline runs through torchvision on PIL images):
 * <ul>
 *   <li>the cubic-convolution kernel with A = -0.5 (PIL's choice; PyTorch's tensor interpolation uses -0.75);</li>
 *   <li>output pixel {@code o} is centred on input coordinate {@code (o + 0.5) * in / out};</li>
 *   <li>when shrinking by a factor {@code s > 1} the kernel is stretched by {@code s} (support {@code 2s}), which
 *   low-pass filters the image (antialiasing) instead of skipping pixels;</li>
 *   <li>taps that fall outside the crop box are dropped and the remaining weights renormalised to sum to 1. torchvision
 *   crops before it resizes, so pixels outside the box never contribute;</li>
 *   <li>two separable passes and a final clamp to [0, 1].</li>
 * </ul>
 * Unlike PIL on 8-bit images this class keeps float precision: no rounding to 1/255 and no clamp between the passes,
 * no fixed-point weights. Without the intermediate clamp the two passes commute, so the cheaper order is used
 * (vertical first when shrinking, PIL always goes horizontal first); results then match PIL's float ("F" mode)
 * resize to float rounding, and its 8-bit resize to about one gray level, except next to edges sharp enough for the
 * first 8-bit pass to overshoot and clip.
 *
 * <p>Weights are computed once per call and per axis; intermediate rows live in a per-thread workspace.
 */
public final class BicubicResampler {

    /** PIL's bicubic parameter. */
    public static final double A = -0.5;

    private BicubicResampler() {
    }

    /** The cubic-convolution kernel with {@link #A}, support [-2, 2]. */
    public static double kernel(double x) {
        double t = Math.abs(x);
        if (t < 1) {
            return ((A + 2) * t - (A + 3)) * t * t + 1;
        }
        if (t < 2) {
            return (((t - 5) * t + 8) * t - 4) * A;
        }
        return 0;
    }

    /** Resampling weights of one axis: output {@code o} reads {@code count[o]} inputs from {@code start[o]}. */
    static final class AxisWeights {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int taps;

        private AxisWeights(int[] start, int[] count, float[] weights, int taps) {
            this.start = start;
            this.count = count;
            this.weights = weights;
            this.taps = taps;
        }

        /**
         * @param inSize input length (the crop box side)
         * @param outSize output length
         */
        static AxisWeights of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double stretch = Math.max(scale, 1.0);
            double support = 2.0 * stretch;
            int taps = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            float[] weights = new float[outSize * taps];
            double[] w = new double[taps];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                // (int) truncates toward zero like the C cast in PIL; the first tap is clamped to 0 anyway.
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                int n = Math.min(hi - lo, taps);
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    // Distance from the output centre to input pixel lo + k's centre, in kernel units.
                    w[k] = kernel((lo + k - center + 0.5) / stretch);
                    sum += w[k];
                }
                for (int k = 0; k < n; k++) {
                    weights[o * taps + k] = (float) (sum != 0 ? w[k] / sum : w[k]);
                }
                start[o] = lo;
                count[o] = n;
            }
            return new AxisWeights(start, count, weights, taps);
        }
    }

    /**
     * Resamples the box of {@code src} to {@code outHeight x outWidth}.
     *
     * @param src source image
     * @param box region of {@code src} to resample
     * @param outHeight output rows
     * @param outWidth output columns
     * @return a new image with {@code src.channels()} channels
     */
    public static FloatImage resizedCrop(FloatImage src, CropBox box, int outHeight, int outWidth) {
        float[] out = new float[src.channels() * outHeight * outWidth];
        resizedCrop(src, box, outHeight, outWidth, out, 0);
        return new FloatImage(src.channels(), outHeight, outWidth, out);
    }

    /** Resamples the whole image to {@code outHeight x outWidth}. */
    public static FloatImage resize(FloatImage src, int outHeight, int outWidth) {
        return resizedCrop(src, CropBox.whole(src.height(), src.width()), outHeight, outWidth);
    }

    /**
     * Resamples the box of {@code src} into {@code dst}, which receives {@code src.channels()} planes of
     * {@code outHeight x outWidth} starting at {@code dstOffset}.
     *
     * @param src source image
     * @param box region to resample, inside {@code src}
     * @param outHeight output rows
     * @param outWidth output columns
     * @param dst destination array
     * @param dstOffset first element written
     */
    public static void resizedCrop(FloatImage src, CropBox box, int outHeight, int outWidth, float[] dst,
            int dstOffset) {
        if (outHeight <= 0 || outWidth <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + outHeight + "x" + outWidth);
        }
        box.checkInside(src.height(), src.width());
        int channels = src.channels();
        if (dstOffset < 0 || dstOffset + (long) channels * outHeight * outWidth > dst.length) {
            throw new IllegalArgumentException("destination of " + dst.length + " floats has no room for "
                    + channels + "x" + outHeight + "x" + outWidth + " at offset " + dstOffset);
        }
        AxisWeights horizontal = AxisWeights.of(box.width(), outWidth);
        AxisWeights vertical = AxisWeights.of(box.height(), outHeight);
        // The vertical pass is a weighted sum of whole rows (SIMD); the horizontal one gathers a few pixels per
        // output (scalar, about four times slower per tap). Run first the pass that leaves less gathering to do.
        long gatherCost = 4L * horizontal.taps;
        long verticalFirstCost = (long) outHeight * box.width() * vertical.taps
                + gatherCost * outHeight * outWidth;
        long horizontalFirstCost = gatherCost * box.height() * outWidth
                + (long) outHeight * outWidth * vertical.taps;
        boolean verticalFirst = verticalFirstCost < horizontalFirstCost;
        RowWorkspace ws = RowWorkspace.get();
        for (int c = 0; c < channels; c++) {
            int dstPlane = dstOffset + c * outHeight * outWidth;
            if (verticalFirst) {
                resizeVerticalFirst(src, c, box, vertical, horizontal, outHeight, outWidth, dst, dstPlane, ws);
            } else {
                resizeHorizontalFirst(src, c, box, vertical, horizontal, outHeight, outWidth, dst, dstPlane, ws);
            }
        }
    }

    private static void resizeVerticalFirst(FloatImage src, int c, CropBox box, AxisWeights vertical,
            AxisWeights horizontal, int outHeight, int outWidth, float[] dst, int dstPlane, RowWorkspace ws) {
        int firstRow = vertical.start[0];
        int lastRow = vertical.start[outHeight - 1] + vertical.count[outHeight - 1];
        int cropWidth = box.width();
        float[][] rows = ws.first(lastRow - firstRow, cropWidth);
        float[] in = src.data();
        int rowBase = c * src.planeSize() + box.top() * src.width() + box.left();
        for (int r = firstRow; r < lastRow; r++) {
            System.arraycopy(in, rowBase + r * src.width(), rows[r - firstRow], 0, cropWidth);
        }
        float[][] mid = ws.second(outHeight, cropWidth);
        for (int y = 0; y < outHeight; y++) {
            RowWorkspace.weightedRowSum(rows, vertical.start[y] - firstRow, vertical.weights, y * vertical.taps,
                    vertical.count[y], mid[y], cropWidth);
        }
        int y = 0;
        for (; y + 4 <= outHeight; y += 4) {
            int d = dstPlane + y * outWidth;
            gather4(mid[y], 0, mid[y + 1], 0, mid[y + 2], 0, mid[y + 3], 0, horizontal, dst, d, d + outWidth,
                    d + 2 * outWidth, d + 3 * outWidth, outWidth, true);
        }
        for (; y < outHeight; y++) {
            gather1(mid[y], 0, horizontal, dst, dstPlane + y * outWidth, outWidth, true);
        }
    }

    private static void resizeHorizontalFirst(FloatImage src, int c, CropBox box, AxisWeights vertical,
            AxisWeights horizontal, int outHeight, int outWidth, float[] dst, int dstPlane, RowWorkspace ws) {
        // Only rows that some output row reads need the horizontal pass.
        int firstRow = vertical.start[0];
        int lastRow = vertical.start[outHeight - 1] + vertical.count[outHeight - 1];
        int rows = lastRow - firstRow;
        float[][] mid = ws.first(rows, outWidth);
        float[] in = src.data();
        int w = src.width();
        int rowBase = c * src.planeSize() + (box.top() + firstRow) * w + box.left();
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int s = rowBase + r * w;
            float[] m0 = mid[r];
            float[] m1 = mid[r + 1];
            float[] m2 = mid[r + 2];
            float[] m3 = mid[r + 3];
            gather4Rows(in, s, s + w, s + 2 * w, s + 3 * w, horizontal, m0, m1, m2, m3, outWidth);
        }
        for (; r < rows; r++) {
            gather1(in, rowBase + r * w, horizontal, mid[r], 0, outWidth, false);
        }
        float[] acc = ws.row(0, outWidth);
        for (int y = 0; y < outHeight; y++) {
            RowWorkspace.weightedRowSum(mid, vertical.start[y] - firstRow, vertical.weights, y * vertical.taps,
                    vertical.count[y], acc, outWidth);
            for (int x = 0; x < outWidth; x++) {
                acc[x] = Math.max(0f, Math.min(1f, acc[x]));
            }
            System.arraycopy(acc, 0, dst, dstPlane + y * outWidth, outWidth);
        }
    }

    /**
     * Four rows at once: each output is a short dot product, and four independent sums keep the floating-point
     * units busy where one sum would wait for each addition in turn. Sources share an array; outputs go to
     * {@code out} at four offsets.
     */
    private static void gather4(float[] s0, int o0, float[] s1, int o1, float[] s2, int o2, float[] s3, int o3,
            AxisWeights h, float[] out, int d0, int d1, int d2, int d3, int outWidth, boolean clamp) {
        float[] w = h.weights;
        int taps = h.taps;
        for (int x = 0; x < outWidth; x++) {
            int st = h.start[x];
            int wo = x * taps;
            int n = h.count[x];
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            for (int k = 0; k < n; k++) {
                float wk = w[wo + k];
                a0 += wk * s0[o0 + st + k];
                a1 += wk * s1[o1 + st + k];
                a2 += wk * s2[o2 + st + k];
                a3 += wk * s3[o3 + st + k];
            }
            if (clamp) {
                a0 = clamp01(a0);
                a1 = clamp01(a1);
                a2 = clamp01(a2);
                a3 = clamp01(a3);
            }
            out[d0 + x] = a0;
            out[d1 + x] = a1;
            out[d2 + x] = a2;
            out[d3 + x] = a3;
        }
    }

    /** As {@link #gather4}, from four rows of one array into four row arrays, unclamped. */
    private static void gather4Rows(float[] in, int o0, int o1, int o2, int o3, AxisWeights h, float[] m0,
            float[] m1, float[] m2, float[] m3, int outWidth) {
        float[] w = h.weights;
        int taps = h.taps;
        for (int x = 0; x < outWidth; x++) {
            int st = h.start[x];
            int wo = x * taps;
            int n = h.count[x];
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            for (int k = 0; k < n; k++) {
                float wk = w[wo + k];
                a0 += wk * in[o0 + st + k];
                a1 += wk * in[o1 + st + k];
                a2 += wk * in[o2 + st + k];
                a3 += wk * in[o3 + st + k];
            }
            m0[x] = a0;
            m1[x] = a1;
            m2[x] = a2;
            m3[x] = a3;
        }
    }

    private static void gather1(float[] in, int srcRow, AxisWeights h, float[] out, int outRow, int outWidth,
            boolean clamp) {
        float[] w = h.weights;
        int taps = h.taps;
        for (int x = 0; x < outWidth; x++) {
            int s = srcRow + h.start[x];
            int wo = x * taps;
            int n = h.count[x];
            float sum = 0f;
            for (int k = 0; k < n; k++) {
                sum += w[wo + k] * in[s + k];
            }
            out[outRow + x] = clamp ? clamp01(sum) : sum;
        }
    }

    static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
