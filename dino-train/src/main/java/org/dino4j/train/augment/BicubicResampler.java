package org.dino4j.train.augment;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>Weights depend only on the input and output lengths and are computed once per pair (shared between threads);
 * intermediate rows live in a per-thread workspace.
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

    /**
     * Resampling weights of one axis, in two layouts of the same numbers:
     * <ul>
     *   <li>for weighted sums of whole rows: output {@code o} reads {@code count[o]} inputs from {@code start[o]},
     *   weights at {@code o * taps};</li>
     *   <li>for gathers along a row: output {@code o} reads exactly {@code window} inputs from {@code windowStart[o]},
     *   weights at {@code o * window}. The window is the largest count, and windows that would pass the end of the
     *   input are moved back and padded with leading zero weights. A fixed trip count keeps the loop branch
     *   predictable; the zero taps add {@code +0} to sums that start at {@code +0}, so results are unchanged.</li>
     * </ul>
     * The weights depend only on the two lengths, so they are computed once and shared (see {@link #of}).
     */
    static final class AxisWeights {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int taps;
        final int[] windowStart;
        final float[] windowWeights;
        final int window;

        private AxisWeights(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double stretch = Math.max(scale, 1.0);
            double support = 2.0 * stretch;
            taps = (int) Math.ceil(support) * 2 + 1;
            start = new int[outSize];
            count = new int[outSize];
            weights = new float[outSize * taps];
            double[] w = new double[taps];
            int widest = 1;
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
                widest = Math.max(widest, n);
            }
            // count <= hi - lo <= inSize, so a window of the largest count always fits in the input.
            window = widest;
            windowStart = new int[outSize];
            windowWeights = new float[outSize * window];
            for (int o = 0; o < outSize; o++) {
                int ws = Math.min(start[o], inSize - window);
                windowStart[o] = ws;
                System.arraycopy(weights, o * taps, windowWeights, o * window + start[o] - ws, count[o]);
            }
        }

        /** Shared tables by size pair, {@code inSize << 32 | outSize}. */
        private static final ConcurrentHashMap<Long, AxisWeights> CACHE = new ConcurrentHashMap<>();
        /**
         * Floats the cache may hold, 32 MiB: ample for two output sizes and source images up to a few thousand
         * pixels (the two tables for 224 outputs from a 500-pixel side hold about 4500 floats). Once full, new
         * pairs are computed on every use, as before there was a cache.
         */
        private static final long CACHE_BUDGET = 8L << 20;
        private static final AtomicLong CACHED_FLOATS = new AtomicLong();

        /**
         * The weights for resampling {@code inSize} inputs to {@code outSize} outputs. Crop boxes come in a few
         * hundred distinct sides, so after a while nearly every call finds its table ready (computing one costs
         * about as much as resampling a small crop). The entries are immutable, so threads share them freely.
         *
         * @param inSize input length (the crop box side)
         * @param outSize output length
         */
        static AxisWeights of(int inSize, int outSize) {
            Long key = (long) inSize << 32 | outSize;
            AxisWeights cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
            AxisWeights fresh = new AxisWeights(inSize, outSize);
            long floats = fresh.weights.length + fresh.windowWeights.length;
            if (CACHED_FLOATS.addAndGet(floats) <= CACHE_BUDGET) {
                AxisWeights raced = CACHE.putIfAbsent(key, fresh);
                if (raced != null) {
                    CACHED_FLOATS.addAndGet(-floats);
                    return raced;
                }
            } else {
                CACHED_FLOATS.addAndGet(-floats);
            }
            return fresh;
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
        Plan plan = plan(box, outHeight, outWidth);
        for (int c = 0; c < channels; c++) {
            plan.resize(src, c, dst, dstOffset + c * outHeight * outWidth, false);
        }
    }

    /**
     * Resamples the box of {@code src} into the planes of {@code p} (a gray source is resampled once and copied to
     * the three planes), mirrored left to right when {@code mirror} is set: the same values as resampling and then
     * flipping, without a separate pass over the crop.
     */
    static void resizedCrop(FloatImage src, CropBox box, int outHeight, int outWidth, CropPlanes p, boolean mirror) {
        box.checkInside(src.height(), src.width());
        Plan plan = plan(box, outHeight, outWidth);
        plan.resize(src, 0, p.r, 0, mirror);
        if (src.channels() == 3) {
            plan.resize(src, 1, p.g, 0, mirror);
            plan.resize(src, 2, p.b, 0, mirror);
        } else {
            System.arraycopy(p.r, 0, p.g, 0, outHeight * outWidth);
            System.arraycopy(p.r, 0, p.b, 0, outHeight * outWidth);
        }
    }

    private static Plan plan(CropBox box, int outHeight, int outWidth) {
        AxisWeights horizontal = AxisWeights.of(box.width(), outWidth);
        AxisWeights vertical = AxisWeights.of(box.height(), outHeight);
        // The vertical pass is a weighted sum of whole rows (SIMD); the horizontal one gathers a few pixels per
        // output (scalar, about four times slower per tap). Run first the pass that leaves less gathering to do.
        // (The choice affects the last bits of the result, so the estimate must stay as it is.)
        long gatherCost = 4L * horizontal.taps;
        long verticalFirstCost = (long) outHeight * box.width() * vertical.taps
                + gatherCost * outHeight * outWidth;
        long horizontalFirstCost = gatherCost * box.height() * outWidth
                + (long) outHeight * outWidth * vertical.taps;
        return new Plan(box, vertical, horizontal, outHeight, outWidth, verticalFirstCost < horizontalFirstCost);
    }

    /** How one crop box is resampled: the weights of both axes and the order of the passes. */
    private record Plan(CropBox box, AxisWeights vertical, AxisWeights horizontal, int outHeight, int outWidth,
                        boolean verticalFirst) {

        /** Resamples channel {@code c} into {@code dst} at {@code dstPlane}, optionally mirrored. */
        void resize(FloatImage src, int c, float[] dst, int dstPlane, boolean mirror) {
            RowWorkspace ws = RowWorkspace.get();
            if (verticalFirst) {
                resizeVerticalFirst(src, c, box, vertical, horizontal, outHeight, outWidth, dst, dstPlane, ws,
                        mirror);
            } else {
                resizeHorizontalFirst(src, c, box, vertical, horizontal, outHeight, outWidth, dst, dstPlane, ws,
                        mirror);
            }
        }
    }

    private static void resizeVerticalFirst(FloatImage src, int c, CropBox box, AxisWeights vertical,
            AxisWeights horizontal, int outHeight, int outWidth, float[] dst, int dstPlane, RowWorkspace ws,
            boolean mirror) {
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
        // The horizontal pass as weighted sums of whole rows too: on the transposed intermediate, output column x
        // is a weighted sum of a few of its rows (SIMD), where working along the rows would gather a few pixels
        // per output in scalar code. The two transposes cost less than the gathers they replace (the pass runs
        // about 1.8 times faster at 224 pixels). Each sum adds the same products in the same order as a gather
        // would, so the values do not change.
        float[][] midT = ws.third(cropWidth, outHeight);
        RowWorkspace.transpose(mid, outHeight, cropWidth, midT);
        float[][] outT = ws.fourth(outWidth, outHeight);
        for (int x = 0; x < outWidth; x++) {
            float[] column = outT[x];
            RowWorkspace.weightedRowSum(midT, horizontal.start[x], horizontal.weights, x * horizontal.taps,
                    horizontal.count[x], column, outHeight);
            // Math.min/max vectorise where comparisons do not; they differ from clamp01 only on the sign of a
            // zero, and these sums are never -0 (their positive-weight taps contribute +0 at least).
            for (int y = 0; y < outHeight; y++) {
                column[y] = Math.max(0f, Math.min(1f, column[y]));
            }
        }
        transposeOut(outT, outWidth, outHeight, dst, dstPlane, mirror);
    }

    /**
     * Writes {@code dst[dstPlane + y * width + x] = columns[x][y]}, or to column {@code width - 1 - x} when
     * mirrored. Eight columns per sweep, so that each output row is visited once per eight values.
     */
    private static void transposeOut(float[][] columns, int width, int height, float[] dst, int dstPlane,
            boolean mirror) {
        int first = mirror ? width - 1 : 0;
        int step = mirror ? -1 : 1;
        int x = 0;
        for (; x + 8 <= width; x += 8) {
            float[] c0 = columns[x];
            float[] c1 = columns[x + 1];
            float[] c2 = columns[x + 2];
            float[] c3 = columns[x + 3];
            float[] c4 = columns[x + 4];
            float[] c5 = columns[x + 5];
            float[] c6 = columns[x + 6];
            float[] c7 = columns[x + 7];
            int column = dstPlane + first + step * x;
            for (int y = 0; y < height; y++) {
                int d = column + y * width;
                dst[d] = c0[y];
                dst[d + step] = c1[y];
                dst[d + 2 * step] = c2[y];
                dst[d + 3 * step] = c3[y];
                dst[d + 4 * step] = c4[y];
                dst[d + 5 * step] = c5[y];
                dst[d + 6 * step] = c6[y];
                dst[d + 7 * step] = c7[y];
            }
        }
        for (; x < width; x++) {
            float[] c = columns[x];
            int column = dstPlane + first + step * x;
            for (int y = 0; y < height; y++) {
                dst[column + y * width] = c[y];
            }
        }
    }

    private static void resizeHorizontalFirst(FloatImage src, int c, CropBox box, AxisWeights vertical,
            AxisWeights horizontal, int outHeight, int outWidth, float[] dst, int dstPlane, RowWorkspace ws,
            boolean mirror) {
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
            gather4Rows(in, s, s + w, s + 2 * w, s + 3 * w, horizontal, m0, m1, m2, m3, outWidth, mirror);
        }
        for (; r < rows; r++) {
            gather1(in, rowBase + r * w, horizontal, mid[r], 0, outWidth, false, mirror);
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
     * Four rows at once, from four rows of one array into four row arrays, unclamped: each output is a short dot
     * product, and four independent sums keep the floating-point units busy where one sum would wait for each
     * addition in turn.
     */
    private static void gather4Rows(float[] in, int o0, int o1, int o2, int o3, AxisWeights h, float[] m0,
            float[] m1, float[] m2, float[] m3, int outWidth, boolean mirror) {
        float[] w = h.windowWeights;
        int n = h.window;
        int first = mirror ? outWidth - 1 : 0;
        int step = mirror ? -1 : 1;
        for (int x = 0; x < outWidth; x++) {
            int st = h.windowStart[x];
            int wo = x * n;
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
            int j = first + step * x;
            m0[j] = a0;
            m1[j] = a1;
            m2[j] = a2;
            m3[j] = a3;
        }
    }

    private static void gather1(float[] in, int srcRow, AxisWeights h, float[] out, int outRow, int outWidth,
            boolean clamp, boolean mirror) {
        float[] w = h.windowWeights;
        int n = h.window;
        int first = mirror ? outWidth - 1 : 0;
        int step = mirror ? -1 : 1;
        for (int x = 0; x < outWidth; x++) {
            int s = srcRow + h.windowStart[x];
            int wo = x * n;
            float sum = 0f;
            for (int k = 0; k < n; k++) {
                sum += w[wo + k] * in[s + k];
            }
            out[outRow + first + step * x] = clamp ? clamp01(sum) : sum;
        }
    }

    static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
