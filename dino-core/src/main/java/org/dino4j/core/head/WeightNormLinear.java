package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;

/**
 * A linear layer without bias whose weight is split into a direction and a length (weight normalisation, Salimans
 * and Kingma 2016), with the parameter names of PyTorch's original {@code weight_norm} API used by the official
 * DINO checkpoints.
 *
 * <p>Parameters: {@code weight_g} [out, 1] (the length of each row, starts at 1) and {@code weight_v} [out, in]
 * (the direction, PyTorch's default Linear init U(+-1/sqrt(in))). The effective weight is
 * W[o, :] = g[o] v[o, :] / ||v[o, :]||_2, with no eps. With {@code freezeNorm} (DINO's {@code norm_last_layer})
 * g is not trainable, so every row of W keeps unit length and each output is a cosine similarity when the input is
 * L2-normalised.
 *
 * <p>The forward pass never builds W: y = (x v^T) * (g / ||v||)^T, which is the same product with the per-row scale
 * applied to the K outputs instead of the K x in weight.
 */
public final class WeightNormLinear extends DinoBlock {

    private final long in;
    private final long out;
    private final Parameter weightG;
    private final Parameter weightV;

    /**
     * @param in input features
     * @param out output features (prototypes)
     * @param freezeNorm true to keep {@code weight_g} fixed at its value (DINO's {@code norm_last_layer})
     */
    public WeightNormLinear(long in, long out, boolean freezeNorm) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("WeightNormLinear needs positive sizes, got in " + in + ", out " + out);
        }
        this.in = in;
        this.out = out;
        // weight_g is registered first, as the weight_norm hook does, which gives the official state-dict order.
        this.weightG = param("weight_g", new Shape(out, 1), Init.ones(), !freezeNorm);
        this.weightV = param("weight_v", new Shape(out, in), Init.pytorchDefault(in));
    }

    /** Input features. */
    public long inFeatures() {
        return in;
    }

    /** Output features. */
    public long outFeatures() {
        return out;
    }

    /** {@code weight_g} [out, 1]. */
    public Parameter weightG() {
        return weightG;
    }

    /** {@code weight_v} [out, in]. */
    public Parameter weightV() {
        return weightV;
    }

    /** Whether {@code weight_g} is frozen. */
    public boolean isNormFrozen() {
        return !weightG.requiresGradient();
    }

    /**
     * @param x [..., in]
     * @return [..., out], x W^T
     */
    public NDArray forward(NDArray x) {
        NDArray v = value(weightV, x);
        NDArray scale = value(weightG, x).div(v.norm(new int[] {1}, true)).reshape(out);
        return kernels().linear(x, v, null).mul(scale);
    }

    /**
     * The effective weight W = g v / ||v|| (row-wise), for inspection and export.
     *
     * @param like an array whose manager receives the result
     * @return [out, in]
     */
    public NDArray effectiveWeight(NDArray like) {
        NDArray v = value(weightV, like);
        return value(weightG, like).div(v.norm(new int[] {1}, true)).mul(v);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
