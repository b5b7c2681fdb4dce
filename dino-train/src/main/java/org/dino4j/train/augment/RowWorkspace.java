package org.dino4j.train.augment;

/**
 * Per-thread scratch rows for the separable filters. Rows are separate arrays so that "weighted sum of rows" loops
 * index every array with the same {@code x}, the pattern the JIT turns into SIMD code.
 */
final class RowWorkspace {

    private static final ThreadLocal<RowWorkspace> CURRENT = ThreadLocal.withInitial(RowWorkspace::new);

    private float[][] first = new float[0][];
    private float[][] second = new float[0][];
    private final float[][] single = {new float[0], new float[0], new float[0]};
    private float[][] pointers = new float[0][];

    private RowWorkspace() {
    }

    /** This thread's workspace. */
    static RowWorkspace get() {
        return CURRENT.get();
    }

    /** At least {@code count} rows of at least {@code length} floats (contents undefined). */
    float[][] first(int count, int length) {
        first = ensure(first, count, length);
        return first;
    }

    /** A second, distinct set of rows. */
    float[][] second(int count, int length) {
        second = ensure(second, count, length);
        return second;
    }

    /** Single row number {@code slot} (0, 1 or 2) of at least {@code length} floats; slots are distinct arrays. */
    float[] row(int slot, int length) {
        if (single[slot].length < length) {
            single[slot] = new float[length];
        }
        return single[slot];
    }

    /** An array of at least {@code count} row references, to be filled by the caller. */
    float[][] pointers(int count) {
        if (pointers.length < count) {
            pointers = new float[count][];
        }
        return pointers;
    }

    private static float[][] ensure(float[][] rows, int count, int length) {
        float[][] out = rows.length >= count ? rows : java.util.Arrays.copyOf(rows, count);
        for (int i = 0; i < count; i++) {
            if (out[i] == null || out[i].length < length) {
                out[i] = new float[length];
            }
        }
        return out;
    }

    /**
     * {@code out[x] = sum_k weights[wo + k] * rows[first + k][x]} for {@code x < n}: a weighted sum of whole rows.
     */
    static void weightedRowSum(float[][] rows, int first, float[] weights, int wo, int count, float[] out, int n) {
        float[] r0 = rows[first];
        float w0 = weights[wo];
        for (int x = 0; x < n; x++) {
            out[x] = w0 * r0[x];
        }
        for (int k = 1; k < count; k++) {
            float[] rk = rows[first + k];
            float wk = weights[wo + k];
            for (int x = 0; x < n; x++) {
                out[x] += wk * rk[x];
            }
        }
    }
}
