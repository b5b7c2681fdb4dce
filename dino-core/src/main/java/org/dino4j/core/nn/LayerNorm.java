package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Layer normalisation over the last axis only (PyTorch's {@code nn.LayerNorm(dim)}; DJL's block would normalise all
 * non-batch axes), biased variance, parameters {@code weight} (gamma, starts at 1) and {@code bias} (beta, 0).
 */
public final class LayerNorm extends DinoBlock {

    /** The eps of the official {@code vit_*} factories (the class default would be 1e-5). */
    public static final float VIT_EPS = 1e-6f;

    private final long dim;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param dim the normalised (last) axis size
     * @param eps added to the variance
     */
    public LayerNorm(long dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = param("weight", new Shape(dim), Init.ones());
        this.bias = param("bias", new Shape(dim), Init.zeros());
    }

    /**
     * @param x {@code [..., dim]}
     * @return normalised, same shape
     */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), value(weight, x), value(bias, x), eps)
                .singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
