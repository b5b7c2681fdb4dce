package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;

/**
 * LayerScale (CaiT, used by DINOv2): a learned per-channel factor {@code gamma [D]} on a residual branch's output,
 * before it is added to the stream. Starts at a small constant ({@code init_values}, 1e-5 in DINOv2 training), so
 * each block starts close to the identity.
 */
public final class LayerScale extends DinoBlock {

    private final Parameter gamma;

    /**
     * @param dim D
     * @param initValue the starting value of every channel
     */
    public LayerScale(int dim, double initValue) {
        this.gamma = param("gamma", new Shape(dim), new Init(Init.Kind.CONSTANT, initValue));
    }

    /**
     * @param x {@code [..., D]} a branch output
     * @return {@code x * gamma}
     */
    public NDArray forward(NDArray x) {
        return x.mul(value(gamma, x));
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
