package org.dino4j.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The engine's own fp32 matrix-multiplication rate on this machine: the ceiling a training step made of matrix
 * products can approach, and so the denominator of the model FLOP utilisation (MFU). Square {@code n x n @ n x n}
 * products through DJL, with whatever intra-op threads the engine is set to, cost {@code 2 n^3} FLOP each. The
 * peak is the best of the timed products ({@link #bestGflops()}): a shared or virtual machine slows some of them
 * down (by up to half on the reference machine), never speeds one up, so the best is the estimate of what the
 * hardware does and the median can understate it.
 *
 * @param size the side n of the square matrices
 * @param gflops the rate of every timed product, GFLOP/s, in order
 * @param medianGflops their median
 */
public record GemmPeak(int size, double[] gflops, double medianGflops) {

    /** The side used by {@code dino bench}: large enough for a BLAS to reach its steady rate. */
    public static final int DEFAULT_SIZE = 2048;
    /** Timed products used by {@code dino bench}. */
    public static final int DEFAULT_REPEATS = 10;
    private static final int WARMUP = 2;

    /**
     * Times {@code repeats} products after two untimed ones (thread pools and allocator warm up on those).
     *
     * @param manager the manager whose device runs the products; everything created is freed before returning
     * @param size the matrix side n, {@code >= 1}
     * @param repeats timed products, {@code >= 1}
     * @return the measured rates
     */
    public static GemmPeak measure(NDManager manager, int size, int repeats) {
        if (size < 1) {
            throw new IllegalArgumentException("the GEMM size must be >= 1, got " + size);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("the GEMM repeats must be >= 1, got " + repeats);
        }
        double flop = 2.0 * size * size * size;
        double[] rates = new double[repeats];
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomUniform(-1, 1, new Shape(size, size));
            NDArray b = scope.randomUniform(-1, 1, new Shape(size, size));
            for (int i = -WARMUP; i < repeats; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    // reading one element waits for the product on an asynchronous device (a no-op on CPU)
                    c.get(0, 0).getFloat();
                }
                long nanos = System.nanoTime() - t0;
                if (i >= 0) {
                    rates[i] = flop / nanos;
                }
            }
        }
        return new GemmPeak(size, rates, Stats.median(rates));
    }

    /** The best rate of the timed products, GFLOP/s: the peak (NaN without products). */
    public double bestGflops() {
        double best = Double.NaN;
        for (double r : gflops) {
            best = Double.isNaN(best) ? r : Math.max(best, r);
        }
        return best;
    }
}
