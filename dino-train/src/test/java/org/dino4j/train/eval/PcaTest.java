package org.dino4j.train.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcaTest {

    /** n points with independent coordinates of standard deviations {@code scales}, rotated by a random basis. */
    private static float[] data(int n, double[] scales, long seed) {
        int d = scales.length;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                out[i * d + j] = (float) (3.0 + scales[j] * gaussian(rng));
            }
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    @Test
    void componentsAreOrthonormalAndVarianceIsSorted() {
        float[] x = data(500, new double[] {0.5, 3, 1, 0.2, 2, 0.1}, 1);

        Pca pca = Pca.fit(x, 500, 6, 4);

        assertEquals(4, pca.count());
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double dot = 0;
                for (int j = 0; j < 6; j++) {
                    dot += pca.components()[a][j] * pca.components()[b][j];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-9, "components " + a + " and " + b);
            }
        }
        double[] v = pca.explainedVariance();
        for (int r = 1; r < v.length; r++) {
            assertTrue(v[r] <= v[r - 1], "sorted: " + java.util.Arrays.toString(v));
        }
        // the axes of the data, by decreasing spread: 1 (sd 3), 4 (sd 2), 2 (sd 1), 0 (sd 0.5)
        int[] axes = {1, 4, 2, 0};
        for (int r = 0; r < 4; r++) {
            assertEquals(1.0, Math.abs(pca.components()[r][axes[r]]), 0.02, "component " + r);
        }
        // and each component is an eigenvector of the sample covariance with its variance as eigenvalue
        double[][] cov = covariance(x, 500, 6);
        for (int r = 0; r < 4; r++) {
            double[] u = pca.components()[r];
            for (int i = 0; i < 6; i++) {
                double cu = 0;
                for (int j = 0; j < 6; j++) {
                    cu += cov[i][j] * u[j];
                }
                assertEquals(v[r] * u[i], cu, 1e-9 * v[0], "(C u)[" + i + "] of component " + r);
            }
        }
    }

    private static double[][] covariance(float[] x, int n, int d) {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i * d + j] / (double) n;
            }
        }
        double[][] c = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    c[a][b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / (n - 1);
                }
            }
        }
        return c;
    }

    @Test
    void varianceMatchesTheCovarianceAndRatiosSumBelowOne() {
        float[] x = data(200, new double[] {1, 2, 3}, 2);

        Pca pca = Pca.fit(x, 200, 3, 3);

        // all components: their variances add up to the trace
        double sum = 0;
        for (double v : pca.explainedVariance()) {
            sum += v;
        }
        assertEquals(pca.totalVariance(), sum, 1e-9 * pca.totalVariance());
        double ratios = 0;
        for (double r : pca.explainedVarianceRatio()) {
            ratios += r;
        }
        assertEquals(1.0, ratios, 1e-9);
        // the scores along each component have the component's variance and zero mean
        double[] s = pca.project(x, 200);
        for (int r = 0; r < 3; r++) {
            double mean = 0;
            double sq = 0;
            for (int i = 0; i < 200; i++) {
                mean += s[i * 3 + r] / 200;
            }
            for (int i = 0; i < 200; i++) {
                sq += Math.pow(s[i * 3 + r] - mean, 2) / 199;
            }
            assertEquals(0, mean, 1e-5);
            assertEquals(pca.explainedVariance()[r], sq, 1e-6 * sq);
        }
    }

    @Test
    void signIsFixedByTheLargestCoordinate() {
        float[] x = data(100, new double[] {1, 4}, 3);
        float[] flipped = x.clone();
        for (int i = 0; i < flipped.length; i++) {
            flipped[i] = 6 - flipped[i]; // mirror around the mean: the same directions, opposite signs
        }

        double[] a = Pca.fit(x, 100, 2, 1).components()[0];
        double[] b = Pca.fit(flipped, 100, 2, 1).components()[0];

        assertEquals(a[0], b[0], 1e-6, "equal up to the float rounding of the mirrored data");
        assertEquals(a[1], b[1], 1e-6);
        assertTrue(a[1] > 0);
    }

    @Test
    void badArgumentsAreReported() {
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> Pca.fit(new float[3], 1, 3, 1));
        assertEquals("PCA needs at least 2 samples, got 1", one.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> Pca.fit(new float[6], 2, 3, 4));
        assertEquals("number of components must be in [1, 3], got 4", k.getMessage());
    }
}
