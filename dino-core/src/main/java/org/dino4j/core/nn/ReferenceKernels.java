package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@link Kernels#REFERENCE}: DJL's own operators, in the order the official code computes. */
public final class ReferenceKernels implements Kernels {

    ReferenceKernels() {}

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        if (bias == null || s.dimension() <= 2) {
            return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
        }
        // DJL reaches libtorch's C++ functional linear, which for inputs of more than two axes runs a matmul and then
        // adds the bias in a separate pass (and sums its gradient separately). PyTorch's own nn.Linear flattens
        // such inputs to rows and runs one addmm with the bias in the product; so does this.
        NDArray rows = x.reshape(-1, s.get(s.dimension() - 1));
        NDArray y = ai.djl.nn.core.Linear.linear(rows, weight, bias).singletonOrThrow();
        return y.reshape(s.slice(0, s.dimension() - 1).add(weight.getShape().get(0)));
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, float scale) {
        return probabilities(q, k, scale).matMul(v);
    }

    /**
     * The post-softmax attention {@code softmax(q k^T * scale)}, {@code [B, heads, T, T]}.
     *
     * <p>Scaling q (B*T*d products) rather than the scores (B*T*T) is cheaper; for the usual head widths (16, 64) the
     * scale is a power of two and the result is bit-identical to the official order.
     *
     * @param q {@code [B, heads, T, d]}
     * @param k {@code [B, heads, T, d]}
     * @param scale the score scale
     * @return the probabilities, queries along axis 2, keys along axis 3
     */
    public static NDArray probabilities(NDArray q, NDArray k, float scale) {
        return q.mul(DinoBlock.constant(q, scale)).matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
    }

    @Override
    public String toString() {
        return name();
    }
}
