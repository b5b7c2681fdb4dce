package org.dino4j.train.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi-tensor updates compute what the per-tensor code computes. */
class ForeachOpsTest {

    private static List<NDArray> arrays(NDManager m, float scale, Shape... shapes) {
        List<NDArray> out = new ArrayList<>();
        for (Shape s : shapes) {
            out.add(m.randomNormal(s).mul(scale));
        }
        return out;
    }

    private static final Shape[] SHAPES = {new Shape(7, 5), new Shape(3), new Shape(2, 3, 4), new Shape(1), new Shape()};

    @Test
    void clipMatchesThePerTensorFormula() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> grads = arrays(m, 2f, SHAPES);
            List<NDArray> expected = new ArrayList<>();
            for (NDArray g : grads) {
                NDArray factor = g.norm().add(1e-6f).pow(-1f).mul(1.5f).minimum(1f);
                expected.add(g.mul(factor));
            }
            NDArray norms = ForeachOps.clip(grads, 1.5, m);
            for (int i = 0; i < grads.size(); i++) {
                // float32 factors as in the official code; the norm is torch.linalg_vector_norm, DJL's norm() may round its last bit
                // differently
                float[] e = expected.get(i).toFloatArray();
                float[] g = grads.get(i).toFloatArray();
                for (int j = 0; j < e.length; j++) {
                    assertEquals(e[j], g[j], 2e-7 * Math.abs(e[j]) + 1e-12, "tensor " + i + "[" + j + "]");
                }
            }
            assertEquals(grads.size(), norms.size());
            assertTrue(norms.toFloatArray()[0] > 1.5f, "the norms are the pre-clip ones");
        }
    }

    @Test
    void emaMatchesTheOfficialUpdateBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> teacher = arrays(m, 1f, SHAPES);
            List<NDArray> student = arrays(m, 1f, SHAPES);
            double momentum = 0.99631;
            List<NDArray> expected = new ArrayList<>();
            for (int i = 0; i < teacher.size(); i++) {
                expected.add(teacher.get(i).mul((float) momentum).add(student.get(i).mul((float) (1 - momentum))));
            }
            ForeachOps.ema(teacher, student, momentum, m);
            for (int i = 0; i < teacher.size(); i++) {
                assertArrayEquals(expected.get(i).toFloatArray(), teacher.get(i).toFloatArray(), "tensor " + i);
            }
        }
    }

    @Test
    void adamwFollowsPyTorchsFormulaWithPerParameterStepCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> params = arrays(m, 1f, SHAPES);
            List<NDArray> grads = arrays(m, 0.1f, SHAPES);
            List<NDArray> m1 = arrays(m, 0.01f, SHAPES);
            List<NDArray> v1 = new ArrayList<>();
            for (NDArray a : arrays(m, 0.01f, SHAPES)) {
                v1.add(a.square());
            }
            long[] start = {0, 4, 9, 1, 2};
            List<NDArray> steps = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                steps.add(ForeachOps.stepCount(m, params.get(i), start[i]));
            }
            double lr = 3e-4;
            double wd = 0.05;
            double b1 = 0.9;
            double b2 = 0.999;
            double eps = 1e-8;
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                float[] p = params.get(i).toFloatArray();
                float[] g = grads.get(i).toFloatArray();
                float[] mm = m1.get(i).toFloatArray();
                float[] vv = v1.get(i).toFloatArray();
                long t = start[i] + 1;
                double bc1 = 1 - Math.pow(b1, t);
                double bc2 = 1 - Math.pow(b2, t);
                float[] e = new float[p.length];
                for (int j = 0; j < p.length; j++) {
                    double pj = p[j] * (1 - lr * wd);
                    double mj = b1 * mm[j] + (1 - b1) * g[j];
                    double vj = b2 * vv[j] + (1 - b2) * g[j] * g[j];
                    e[j] = (float) (pj - lr / bc1 * mj / (Math.sqrt(vj) / Math.sqrt(bc2) + eps));
                }
                expected.add(e);
            }
            ForeachOps.adamw(params, grads, m1, v1, steps, lr, wd, b1, b2, eps, m);
            for (int i = 0; i < params.size(); i++) {
                float[] got = params.get(i).toFloatArray();
                for (int j = 0; j < got.length; j++) {
                    assertEquals(expected.get(i)[j], got[j], 2e-6 * Math.max(1, Math.abs(got[j])),
                            "param " + i + "[" + j + "]");
                }
                assertEquals(start[i] + 1, (long) steps.get(i).toFloatArray()[0], "step count of param " + i);
            }
        }
    }
}
