package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A fully connected layer with PyTorch's layout: {@code weight [out, in]}, {@code bias [out]}, y = x W^T + b over the
 * last axis.
 */
public final class Linear extends DinoBlock {

    private final long in;
    private final long out;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input features
     * @param out output features
     * @param bias whether the layer has a bias
     * @param weightInit the weight's initialisation (official: trunc normal 0.02, or PyTorch's default)
     */
    public Linear(long in, long out, boolean bias, Init weightInit) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", new Shape(out, in), weightInit);
        this.bias = bias ? param("bias", new Shape(out), weightInit.kind() == Init.Kind.UNIFORM
                ? Init.pytorchDefault(in) : Init.zeros()) : null;
    }

    /** Input features. */
    public long inFeatures() {
        return in;
    }

    /** Output features. */
    public long outFeatures() {
        return out;
    }

    /** The weight parameter {@code [out, in]}. */
    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null. */
    public Parameter bias() {
        return bias;
    }

    /**
     * @param x {@code [..., in]}
     * @return {@code [..., out]}
     */
    public NDArray forward(NDArray x) {
        return kernels().linear(x, value(weight, x), bias == null ? null : value(bias, x));
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
