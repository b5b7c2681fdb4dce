package org.dino4j.train.augment;

/**
 * Per-thread scratch rows for the separable filters. Rows are separate arrays so that "weighted sum of rows" loops
 * index every array with the same {@code x}, the pattern the JIT turns into SIMD code.
 */
final class RowWorkspace {

    private static final ThreadLocal<RowWorkspace> CURRENT = ThreadLocal.withInitial(RowWorkspace::new);

    private final RowSet first = new RowSet();
    private final RowSet second = new RowSet();
    private final RowSet third = new RowSet();
    private final RowSet fourth = new RowSet();
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
        return first.get(count, length);
    }

    /** A second, distinct set of rows. */
    float[][] second(int count, int length) {
        return second.get(count, length);
    }

    /** A third set of rows. */
    float[][] third(int count, int length) {
        return third.get(count, length);
    }

    /** A fourth set of rows. */
    float[][] fourth(int count, int length) {
        return fourth.get(count, length);
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

    /**
     * Rows that grow on demand. All rows share the longest length asked for so far, so that a request within the
     * sizes already seen (nearly all of them) costs two comparisons instead of a check of every row.
     */
    private static final class RowSet {
        private float[][] rows = new float[0][];
        private int length;

        float[][] get(int count, int minLength) {
            if (count <= rows.length && minLength <= length) {
                return rows;
            }
            int oldCount = rows.length;
            if (count > oldCount) {
                rows = java.util.Arrays.copyOf(rows, count);
            }
            if (minLength > length) {
                length = minLength;
                oldCount = 0; // every row must grow
            }
            for (int i = oldCount; i < rows.length; i++) {
                rows[i] = new float[length];
            }
            return rows;
        }
    }

    /**
     * {@code dst[x][y] = src[y][x]} for {@code y < rows}, {@code x < cols}. Eight source rows per sweep, so that
     * each destination row is fetched once per eight values.
     */
    static void transpose(float[][] src, int rows, int cols, float[][] dst) {
        int y = 0;
        for (; y + 8 <= rows; y += 8) {
            float[] r0 = src[y];
            float[] r1 = src[y + 1];
            float[] r2 = src[y + 2];
            float[] r3 = src[y + 3];
            float[] r4 = src[y + 4];
            float[] r5 = src[y + 5];
            float[] r6 = src[y + 6];
            float[] r7 = src[y + 7];
            for (int x = 0; x < cols; x++) {
                float[] t = dst[x];
                t[y] = r0[x];
                t[y + 1] = r1[x];
                t[y + 2] = r2[x];
                t[y + 3] = r3[x];
                t[y + 4] = r4[x];
                t[y + 5] = r5[x];
                t[y + 6] = r6[x];
                t[y + 7] = r7[x];
            }
        }
        for (; y < rows; y++) {
            float[] r = src[y];
            for (int x = 0; x < cols; x++) {
                dst[x][y] = r[x];
            }
        }
    }

    /**
     * {@code out[x] = sum_k weights[wo + k] * rows[first + k][x]} for {@code x < n}: a weighted sum of whole rows.
     *
     * <p>Up to four rows are summed per sweep over {@code out}, in the order {@code ((w0 r0 + w1 r1) + w2 r2) + ...}
     * of one row at a time, so the result is bit for bit that of adding the rows one by one, with a quarter of the
     * loads and stores of {@code out}. (Eight rows per sweep is slower: the compiler no longer vectorises a loop body
     * that large.)
     */
    static void weightedRowSum(float[][] rows, int first, float[] weights, int wo, int count, float[] out, int n) {
        int k = Math.min(count, 4);
        float w0 = weights[wo];
        float[] r0 = rows[first];
        switch (k) {
            case 4 -> {
                float w1 = weights[wo + 1];
                float w2 = weights[wo + 2];
                float w3 = weights[wo + 3];
                float[] r1 = rows[first + 1];
                float[] r2 = rows[first + 2];
                float[] r3 = rows[first + 3];
                for (int x = 0; x < n; x++) {
                    out[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
                }
            }
            case 3 -> {
                float w1 = weights[wo + 1];
                float w2 = weights[wo + 2];
                float[] r1 = rows[first + 1];
                float[] r2 = rows[first + 2];
                for (int x = 0; x < n; x++) {
                    out[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x];
                }
            }
            case 2 -> {
                float w1 = weights[wo + 1];
                float[] r1 = rows[first + 1];
                for (int x = 0; x < n; x++) {
                    out[x] = w0 * r0[x] + w1 * r1[x];
                }
            }
            default -> {
                for (int x = 0; x < n; x++) {
                    out[x] = w0 * r0[x];
                }
            }
        }
        for (; k + 4 <= count; k += 4) {
            float w0k = weights[wo + k];
            float w1 = weights[wo + k + 1];
            float w2 = weights[wo + k + 2];
            float w3 = weights[wo + k + 3];
            float[] a = rows[first + k];
            float[] b = rows[first + k + 1];
            float[] c = rows[first + k + 2];
            float[] d = rows[first + k + 3];
            for (int x = 0; x < n; x++) {
                out[x] = out[x] + w0k * a[x] + w1 * b[x] + w2 * c[x] + w3 * d[x];
            }
        }
        for (; k + 2 <= count; k += 2) {
            float w0k = weights[wo + k];
            float w1 = weights[wo + k + 1];
            float[] a = rows[first + k];
            float[] b = rows[first + k + 1];
            for (int x = 0; x < n; x++) {
                out[x] = out[x] + w0k * a[x] + w1 * b[x];
            }
        }
        if (k < count) {
            float wk = weights[wo + k];
            float[] a = rows[first + k];
            for (int x = 0; x < n; x++) {
                out[x] += wk * a[x];
            }
        }
    }
}
