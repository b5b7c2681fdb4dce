package org.dino4j.train.optim;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.dino4j.train.kernels.ForeachOps;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DINO's gradient clipping: each parameter tensor separately, g <- g * c / (||g|| + 1e-6) when that factor is below
 * one (official {@code utils.clip_gradients}); neither a global-norm clip nor DJL's element-wise clamp.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Clips in place and returns the pre-clip norms as device arrays (read them only when logging: each read is a
     * device sync).
     *
     * @param params parameters by name
     * @param maxNorm the threshold c (3.0 in DINO); a value <= 0 disables clipping
     * @param scope the step scope that owns the returned norms
     * @return name to pre-clip norm (scalar arrays in {@code scope}); parameters without gradient are absent
     */
    public static Map<String, NDArray> clipPerTensor(Map<String, Parameter> params, double maxNorm, NDManager scope) {
        return clipPerTensor(params, maxNorm, scope, false);
    }

    /**
     * As {@link #clipPerTensor(Map, double, NDManager)}, optionally in one engine call for all tensors
     * ({@link ForeachOps#clip}; equal up to the rounding of the norm).
     *
     * @param params parameters by name
     * @param maxNorm the threshold c; a value <= 0 disables clipping
     * @param scope the step scope that owns the returned norms
     * @param foreach true for the single multi-tensor call
     * @return name to pre-clip norm
     */
    public static Map<String, NDArray> clipPerTensor(Map<String, Parameter> params, double maxNorm, NDManager scope,
                                                     boolean foreach) {
        LinkedHashMap<String, NDArray> norms = new LinkedHashMap<>();
        if (maxNorm <= 0) {
            return norms;
        }
        if (foreach) {
            List<String> names = new ArrayList<>();
            List<NDArray> grads = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                PtNDArray grad = JniUtils.getGradient((PtNDArray) e.getValue().getArray());
                if (grad != null) {
                    grad.attach(scope);
                    names.add(e.getKey());
                    grads.add(grad);
                }
            }
            if (!grads.isEmpty()) {
                NDArray all = ForeachOps.clip(grads, maxNorm, scope);
                for (int i = 0; i < names.size(); i++) {
                    norms.put(names.get(i), all.get(i));
                }
            }
            return norms;
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            PtNDArray grad = JniUtils.getGradient((PtNDArray) e.getValue().getArray());
            if (grad == null) {
                continue;
            }
            grad.attach(scope);
            NDArray norm = grad.norm();
            // factor = min(1, c / (norm + 1e-6)), in the order PyTorch evaluates `float / tensor` (reciprocal, then
            // multiply). DJL makes 0-d float64 tensors of the numbers, so the factor is computed in float64 here
            // (the official code and ForeachOps.clip compute it in float32; the factors may differ in the last
            // bit). Multiplying by exactly 1 leaves unclipped tensors bit-identical, and keeping the decision on the
            // device avoids a sync per tensor.
            NDArray factor = norm.add(1e-6).pow(-1).mul(maxNorm).minimum(1f);
            grad.muli(factor);
            norms.put(e.getKey(), norm);
        }
        return norms;
    }
}
