package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Resamples the learned positional embedding of a G-by-G patch grid to the grid of an input of another size (DINO's
 * local crops, non-square images), exactly as the official {@code interpolate_pos_encoding}.
 *
 * <p>The official code resamples the {@code [G, G, D]} grid with PyTorch's bicubic interpolation (A = -0.75,
 * align_corners False, border indices clamped, no antialias) using the scale factors s = (out + 0.1) / G per axis;
 * output index o samples the source coordinate (o + 0.5) / s - 0.5 with the given s, not in/out (the + 0.1 keeps
 * floor(G*s) = out). Bicubic interpolation is separable and linear, so the whole resampling is one fixed matrix
 * {@code M = kron(Wh, Ww)} of shape {@code [outH*outW, G*G]} (output patch token from input patch token, both
 * row-major). It is computed once per output grid on the JVM, cached as a Java array (no native memory is held
 * between calls) and applied as a matmul in the caller's scope, so gradients reach {@code pos_embed} as in official
 * training. The CLS position is never resampled.
 *
 * <p>DINOv2 has a second mode ({@link Interpolation#OFFSET_0_ANTIALIAS}, used by its released register models):
 * the output size is passed directly and PyTorch's antialiased bicubic filter is used (Keys kernel with
 * A = -0.5, support 2 * max(in/out, 1), taps outside the grid dropped and the weights renormalised), which differs
 * from the first mode even when upsampling.
 *
 * <p>Thread-safe.
 */
public final class PositionalEmbedding {

    /** The cubic-convolution coefficient of PyTorch's bicubic mode. */
    public static final double CUBIC_A = -0.75;

    /** The cubic-convolution coefficient of PyTorch's antialiased bicubic filter. */
    public static final double ANTIALIAS_CUBIC_A = -0.5;

    /** How {@code pos_embed} is resampled to another patch grid (the official interpolation settings). */
    public enum Interpolation {
        /**
         * {@code interpolate_offset=0.1, interpolate_antialias=False}: DINO's resampling, and DINOv2's training
         * default (scale factors (out + 0.1) / G, bicubic A = -0.75, border clamped).
         */
        OFFSET_0_1_NO_ANTIALIAS("offset0.1_noaa"),
        /**
         * {@code interpolate_offset=0, interpolate_antialias=True}: the output size is given directly and the
         * antialiased bicubic filter is used; what DINOv2's released register ({@code *_reg}) models use.
         */
        OFFSET_0_ANTIALIAS("offset0_aa");

        private final String officialName;

        Interpolation(String officialName) {
            this.officialName = officialName;
        }

        /** The short name used by the fixtures, {@code offset0.1_noaa} or {@code offset0_aa}. */
        public String officialName() {
            return officialName;
        }

        /**
         * The mode of the official settings.
         *
         * @param offset {@code interpolate_offset}
         * @param antialias {@code interpolate_antialias}
         * @return the mode
         * @throws IllegalArgumentException for a combination the official models do not use
         */
        public static Interpolation of(double offset, boolean antialias) {
            if (offset == 0.1 && !antialias) {
                return OFFSET_0_1_NO_ANTIALIAS;
            }
            if (offset == 0 && antialias) {
                return OFFSET_0_ANTIALIAS;
            }
            throw new IllegalArgumentException("unsupported positional-embedding interpolation: offset " + offset
                    + ", antialias " + antialias + "; supported: offset 0.1 without antialias (DINO, DINOv2"
                    + " training) and offset 0 with antialias (DINOv2 register models)");
        }
    }

    private final int gridSize;
    private final Interpolation mode;
    private final ConcurrentHashMap<Long, float[]> maps = new ConcurrentHashMap<>();

    /**
     * @param gridSize G, the side of the patch grid {@code pos_embed} was trained for
     */
    public PositionalEmbedding(int gridSize) {
        this(gridSize, Interpolation.OFFSET_0_1_NO_ANTIALIAS);
    }

    /**
     * @param gridSize G, the side of the patch grid {@code pos_embed} was trained for
     * @param mode how to resample
     */
    public PositionalEmbedding(int gridSize, Interpolation mode) {
        if (gridSize <= 0) {
            throw new IllegalArgumentException("grid size must be positive, got " + gridSize);
        }
        this.gridSize = gridSize;
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
    }

    /** The resampling mode. */
    public Interpolation mode() {
        return mode;
    }

    /** G, the side of the trained patch grid. */
    public int gridSize() {
        return gridSize;
    }

    /**
     * Whether an input with this patch grid needs resampled positions: as officially, whenever the number of
     * patches differs from G*G or the image is not square (then even an unchanged axis is resampled).
     *
     * @param gridH patches along the height
     * @param gridW patches along the width
     * @return true if {@link #resample} must be used
     */
    public boolean needsInterpolation(int gridH, int gridW) {
        return (long) gridH * gridW != (long) gridSize * gridSize || gridH != gridW;
    }

    /**
     * Resamples the patch part of {@code pos_embed} to an {@code gridH}-by-{@code gridW} grid.
     *
     * @param patchPositions {@code [1, G*G, D]} the patch rows of {@code pos_embed} (a view in the caller's scope)
     * @param gridH output patches along the height
     * @param gridW output patches along the width
     * @return {@code [1, gridH*gridW, D]}, in {@code patchPositions}' manager, differentiable with respect to it
     */
    public NDArray resample(NDArray patchPositions, int gridH, int gridW) {
        float[] m = matrix(gridH, gridW);
        NDArray map = patchPositions.getManager()
                .create(m, new Shape((long) gridH * gridW, (long) gridSize * gridSize))
                .toDevice(patchPositions.getDevice(), false)
                .toType(patchPositions.getDataType(), false);
        // [P, N] x [1, N, D] -> [1, P, D]
        return map.matMul(patchPositions);
    }

    /**
     * The cached resampling matrix for one output grid.
     *
     * @param gridH output patches along the height
     * @param gridW output patches along the width
     * @return row-major {@code [gridH*gridW, G*G]}; callers must not modify it
     */
    float[] matrix(int gridH, int gridW) {
        if (gridH <= 0 || gridW <= 0) {
            throw new IllegalArgumentException("output grid must be positive, got " + gridH + "x" + gridW);
        }
        return maps.computeIfAbsent(((long) gridH << 32) | gridW,
                k -> interpolationMatrix(gridSize, gridH, gridW, mode));
    }

    /**
     * The official resampling of a {@code gridSize}-square grid to {@code outH}-by-{@code outW} as a matrix.
     *
     * @param gridSize G
     * @param outH output rows
     * @param outW output columns
     * @return row-major {@code [outH*outW, G*G]}: entry (oh*outW + ow, ih*G + iw) = Wh[oh, ih] * Ww[ow, iw]
     */
    public static float[] interpolationMatrix(int gridSize, int outH, int outW) {
        return interpolationMatrix(gridSize, outH, outW, Interpolation.OFFSET_0_1_NO_ANTIALIAS);
    }

    /**
     * The official resampling of a {@code gridSize}-square grid to {@code outH}-by-{@code outW} as a matrix.
     *
     * @param gridSize G
     * @param outH output rows
     * @param outW output columns
     * @param mode the resampling mode
     * @return row-major {@code [outH*outW, G*G]}: entry (oh*outW + ow, ih*G + iw) = Wh[oh, ih] * Ww[ow, iw]
     */
    public static float[] interpolationMatrix(int gridSize, int outH, int outW, Interpolation mode) {
        double[][] wh = mode == Interpolation.OFFSET_0_ANTIALIAS ? antialiasedBicubicWeights(gridSize, outH)
                : bicubicWeights(gridSize, outH, (outH + 0.1) / gridSize);
        double[][] ww = mode == Interpolation.OFFSET_0_ANTIALIAS ? antialiasedBicubicWeights(gridSize, outW)
                : bicubicWeights(gridSize, outW, (outW + 0.1) / gridSize);
        int n = gridSize * gridSize;
        float[] out = new float[outH * outW * n];
        for (int oh = 0; oh < outH; oh++) {
            for (int ow = 0; ow < outW; ow++) {
                int row = (oh * outW + ow) * n;
                for (int ih = 0; ih < gridSize; ih++) {
                    double a = wh[oh][ih];
                    if (a == 0) {
                        continue;
                    }
                    for (int iw = 0; iw < gridSize; iw++) {
                        out[row + ih * gridSize + iw] = (float) (a * ww[ow][iw]);
                    }
                }
            }
        }
        return out;
    }

    /**
     * One axis of PyTorch's antialiased bicubic resampling to a given size (align_corners False), as a matrix.
     *
     * <p>With sigma = in/out, output o is centred at c = sigma * (o + 0.5); the filter's support is
     * 2 * max(sigma, 1) (it widens when downsampling, which is the antialiasing); the taps are the input indices
     * j in [max(trunc(c - support + 0.5), 0), min(trunc(c + support + 0.5), in)), weighted by the Keys kernel
     * (A = -0.5) at (j - c + 0.5) / max(sigma, 1), and the weights are divided by their sum. Taps beyond the
     * border are dropped, not clamped.
     *
     * @param inSize source length
     * @param outSize output length
     * @return {@code [outSize][inSize]} weights; each row sums to 1
     */
    public static double[][] antialiasedBicubicWeights(int inSize, int outSize) {
        double[][] w = new double[outSize][inSize];
        double sigma = (double) inSize / outSize;
        double stretch = Math.max(sigma, 1.0);
        double support = 2.0 * stretch;
        for (int o = 0; o < outSize; o++) {
            double centre = sigma * (o + 0.5);
            // (long) truncates towards zero, as the C++ cast of the official kernel does
            int from = (int) Math.max((long) (centre - support + 0.5), 0);
            int to = (int) Math.min((long) (centre + support + 0.5), inSize);
            double total = 0;
            for (int j = from; j < to; j++) {
                double k = keys((j - centre + 0.5) / stretch, ANTIALIAS_CUBIC_A);
                w[o][j] = k;
                total += k;
            }
            if (total != 0) {
                for (int j = from; j < to; j++) {
                    w[o][j] /= total;
                }
            }
        }
        return w;
    }

    /** The Keys cubic-convolution kernel with coefficient {@code a}. */
    private static double keys(double x, double a) {
        double t = Math.abs(x);
        if (t < 1) {
            return ((a + 2) * t - (a + 3)) * t * t + 1;
        }
        if (t < 2) {
            return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        }
        return 0;
    }

    /**
     * One axis of PyTorch's bicubic resampling (align_corners False, given scale factor) as a matrix.
     *
     * @param inSize source length
     * @param outSize output length
     * @param scale the scale factor s passed to the interpolation (not outSize / inSize)
     * @return {@code [outSize][inSize]} weights; each row sums to 1
     */
    public static double[][] bicubicWeights(int inSize, int outSize, double scale) {
        double[][] w = new double[outSize][inSize];
        double inverse = 1.0 / scale;
        for (int o = 0; o < outSize; o++) {
            double src = inverse * (o + 0.5) - 0.5;
            double floor = Math.floor(src);
            double t = src - floor;
            // Taps at floor-1 .. floor+2 with the cubic-convolution kernel at distances 1+t, t, 1-t, 2-t; indices
            // outside the grid are clamped to the border (edge replicate), so their weights pile up there.
            double[] k = {far(1 + t), near(t), near(1 - t), far(2 - t)};
            for (int j = 0; j < 4; j++) {
                int idx = (int) Math.min(Math.max(floor - 1 + j, 0), inSize - 1);
                w[o][idx] += k[j];
            }
        }
        return w;
    }

    /** Cubic-convolution kernel for |x| <= 1. */
    private static double near(double x) {
        return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    }

    /** Cubic-convolution kernel for 1 < |x| < 2. */
    private static double far(double x) {
        return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
    }
}
