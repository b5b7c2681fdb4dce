package org.dino4j.train.eval;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;

/**
 * Principal component analysis of feature rows: the eigenvectors of the D-by-D sample covariance with the largest
 * eigenvalues (EJML's symmetric QR eigen-decomposition, in double precision). Exact, whatever N is; the cost is
 * O(N D^2) for the covariance and O(D^3) for the decomposition, well under a second for ViT-B (D = 768) and a few
 * thousand patches.
 *
 * <p>The sign of an eigenvector is arbitrary; here each component is turned so that its coordinate of largest
 * magnitude is positive, which makes the result deterministic.
 *
 * @param mean {@code [D]} the mean row, subtracted before projecting
 * @param components {@code [k][D]} orthonormal principal directions, by decreasing variance
 * @param explainedVariance {@code [k]} the variance along each component (covariance eigenvalue, N - 1 in the
 *     denominator), non-increasing
 * @param totalVariance the trace of the covariance (the sum of all D eigenvalues)
 */
public record Pca(double[] mean, double[][] components, double[] explainedVariance, double totalVariance) {

    /**
     * Fits the first {@code k} principal components.
     *
     * @param rows {@code [n, d]} row-major samples
     * @param n number of samples, at least 2
     * @param d feature width
     * @param k number of components, in [1, d]
     * @return the fitted components
     */
    public static Pca fit(float[] rows, int n, int d, int k) {
        if (n < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 samples, got " + n);
        }
        if (k < 1 || k > d) {
            throw new IllegalArgumentException("number of components must be in [1, " + d + "], got " + k);
        }
        if ((long) n * d != rows.length) {
            throw new IllegalArgumentException(rows.length + " values are not " + n + " rows of " + d);
        }
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += rows[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        DMatrixRMaj centred = new DMatrixRMaj(n, d);
        double[] c = centred.data;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                c[i * d + j] = rows[i * d + j] - mean[j];
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(1.0 / (n - 1), centred, centred, cov);
        double total = CommonOps_DDRM.trace(cov);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(cov)) {
            throw new IllegalStateException("the eigen-decomposition of the " + d + "x" + d + " covariance did not"
                    + " converge (non-finite features?)");
        }
        Integer[] order = new Integer[d];
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
            values[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[][] components = new double[k][];
        double[] variance = new double[k];
        for (int r = 0; r < k; r++) {
            DMatrixRMaj v = eig.getEigenVector(order[r]);
            double[] u = Arrays.copyOf(v.data, d);
            double norm = 0;
            int largest = 0;
            for (int j = 0; j < d; j++) {
                norm += u[j] * u[j];
                if (Math.abs(u[j]) > Math.abs(u[largest])) {
                    largest = j;
                }
            }
            double scale = (u[largest] < 0 ? -1 : 1) / Math.sqrt(norm);
            for (int j = 0; j < d; j++) {
                u[j] *= scale;
            }
            components[r] = u;
            // Round-off can leave a tiny negative eigenvalue for a rank-deficient covariance.
            variance[r] = Math.max(0, values[order[r]]);
        }
        return new Pca(mean, components, variance, total);
    }

    /** The number of components k. */
    public int count() {
        return components.length;
    }

    /** The feature width D. */
    public int dim() {
        return mean.length;
    }

    /**
     * Projects rows onto the components.
     *
     * @param rows {@code [n, D]} row-major samples
     * @param n number of rows
     * @return {@code [n, k]} row-major scores (coordinates along each component, after centring)
     */
    public double[] project(float[] rows, int n) {
        int d = dim();
        int k = count();
        if ((long) n * d != rows.length) {
            throw new IllegalArgumentException(rows.length + " values are not " + n + " rows of " + d);
        }
        double[] out = new double[n * k];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < k; r++) {
                double[] u = components[r];
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += (rows[i * d + j] - mean[j]) * u[j];
                }
                out[i * k + r] = s;
            }
        }
        return out;
    }

    /** The share of the total variance along each component, {@code [k]} (0 when all rows are equal). */
    public double[] explainedVarianceRatio() {
        double[] out = new double[count()];
        for (int r = 0; r < out.length; r++) {
            out[r] = totalVariance > 0 ? explainedVariance[r] / totalVariance : 0;
        }
        return out;
    }
}
