package org.dino4j.train.data;

import java.util.SplittableRandom;

/**
 * Seeds for independent random streams, derived by hashing (seed, stream, epoch, index) with the SplitMix64
 * finaliser. A sample's augmentation depends only on these numbers, never on which thread ran it or in which order,
 * so the data pipeline is reproducible with any number of workers.
 */
public final class RandomStreams {

    private static final long SHUFFLE_STREAM = 1;
    private static final long SAMPLE_STREAM = 2;

    private RandomStreams() {
    }

    /** The generator of sample {@code index} in {@code epoch}. */
    public static SplittableRandom forSample(long seed, int epoch, int index) {
        return new SplittableRandom(derive(seed, SAMPLE_STREAM, epoch, index));
    }

    /** The generator of the shuffle of {@code epoch}. */
    public static SplittableRandom forShuffle(long seed, int epoch) {
        return new SplittableRandom(derive(seed, SHUFFLE_STREAM, epoch, 0));
    }

    /**
     * A permutation of {@code [0, n)} drawn with a Fisher-Yates shuffle.
     *
     * @param n length
     * @param rng generator
     * @return the permuted indices
     */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Hashes the four numbers into one well-mixed 64-bit seed (one finaliser round per number). */
    static long derive(long seed, long stream, long epoch, long index) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = mix(h + stream * 0xBF58476D1CE4E5B9L);
        h = mix(h + epoch * 0x94D049BB133111EBL);
        return mix(h + index * 0x9E3779B97F4A7C15L);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
