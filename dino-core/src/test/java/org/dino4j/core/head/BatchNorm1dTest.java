package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** PyTorch's BatchNorm1d semantics, checked against a double-precision computation. */
class BatchNorm1dTest {

    private static final float[] X = {1, -2, 0.5f, 3, 4, 1, -1, 0, 2, 2, 2, 2};

    @Test
    void trainingUsesBatchStatisticsAndUpdatesRunningStatistics() {
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm1d bn = new BatchNorm1d(3);
            bn.initializeWeights(m, 0);
            bn.stateDict().get("weight").getArray().set(new float[] {2, 1, 0.5f});
            bn.stateDict().get("bias").getArray().set(new float[] {0, 1, -1});
            int rows = 4;
            double[] mean = new double[3];
            double[] var = new double[3];
            for (int c = 0; c < 3; c++) {
                for (int r = 0; r < rows; r++) {
                    mean[c] += X[r * 3 + c] / (double) rows;
                }
                for (int r = 0; r < rows; r++) {
                    var[c] += Math.pow(X[r * 3 + c] - mean[c], 2) / rows;
                }
            }
            double[] gamma = {2, 1, 0.5};
            double[] beta = {0, 1, -1};
            try (NDManager step = m.newSubManager()) {
                float[] y = bn.forward(step.create(X, new Shape(rows, 3)), true).toFloatArray();
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < 3; c++) {
                        double e = (X[r * 3 + c] - mean[c]) / Math.sqrt(var[c] + 1e-5) * gamma[c] + beta[c];
                        assertEquals(e, y[r * 3 + c], 1e-5);
                    }
                }
            }
            float[] rm = bn.stateDict().get("running_mean").getArray().toFloatArray();
            float[] rv = bn.stateDict().get("running_var").getArray().toFloatArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(0.1 * mean[c], rm[c], 1e-6);
                assertEquals(0.9 + 0.1 * var[c] * rows / (rows - 1), rv[c], 1e-6, "unbiased variance");
            }
            assertEquals(1f, bn.stateDict().get("num_batches_tracked").getArray().getFloat());
            // eval: running statistics
            try (NDManager step = m.newSubManager()) {
                NDArray y = bn.forward(step.create(X, new Shape(rows, 3)), false);
                float[] ys = y.toFloatArray();
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < 3; c++) {
                        double e = (X[r * 3 + c] - rm[c]) / Math.sqrt(rv[c] + 1e-5) * gamma[c] + beta[c];
                        assertEquals(e, ys[r * 3 + c], 1e-5);
                    }
                }
            }
            assertEquals(1f, bn.stateDict().get("num_batches_tracked").getArray().getFloat(), "eval counts nothing");
        }
    }

    @Test
    void trainingNeedsMoreThanOneRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm1d bn = new BatchNorm1d(3);
            bn.initializeWeights(m, 0);
            assertEquals("BatchNorm1d in training mode needs more than 1 row to estimate a variance, got (1, 3); "
                            + "use a larger batch or eval mode",
                    assertThrows(IllegalArgumentException.class,
                            () -> bn.forward(m.zeros(new Shape(1, 3)), true)).getMessage());
            assertEquals("BatchNorm1d(3) expects [rows, 3] inputs, got (2, 4)",
                    assertThrows(IllegalArgumentException.class,
                            () -> bn.forward(m.zeros(new Shape(2, 4)), true)).getMessage());
        }
    }
}
