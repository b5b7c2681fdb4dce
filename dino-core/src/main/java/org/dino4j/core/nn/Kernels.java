package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The compute kernels of a network's hot spots, the extension point for faster or lower-precision
 * implementations of the same mathematics: the fully connected layer, the attention core and the transformer's
 * feed-forward MLP (by default two {@link #linear} layers around an exact GELU).
 *
 * <p>Every {@link DinoBlock} of a network uses the kernels set with {@link DinoBlock#useKernels} (by default
 * {@link #REFERENCE}, plain DJL operators in the arrays' own precision). An implementation must accept and return
 * float32 arrays on any device, keep autograd history (gradients flow to every input), attach results to the first
 * operand's manager, and compute the same function up to the rounding of the precision it declares.
 */
public interface Kernels {

    /** Plain DJL operators, float32: the numerics every parity fixture is checked against. */
    Kernels REFERENCE = new ReferenceKernels();

    /** A short name for logs and configuration ({@code reference}, {@code fused}, {@code fused-bf16}). */
    String name();

    /**
     * A fully connected layer, PyTorch's {@code linear}: {@code x W^T + b} over the last axis.
     *
     * @param x {@code [..., in]}
     * @param weight {@code [out, in]}
     * @param bias {@code [out]}, or null
     * @return {@code [..., out]}
     */
    NDArray linear(NDArray x, NDArray weight, NDArray bias);

    /**
     * The attention core, {@code softmax(q k^T * scale) v} with the softmax over keys.
     *
     * @param q {@code [B, heads, T, d]}
     * @param k {@code [B, heads, T, d]}
     * @param v {@code [B, heads, T, d]}
     * @param scale the score scale, d^-0.5 in a ViT
     * @return {@code [B, heads, T, d]}
     */
    NDArray attention(NDArray q, NDArray k, NDArray v, float scale);

    /**
     * The transformer's feed-forward MLP: {@code linear(gelu(linear(x, w1, b1)), w2, b2)} with the exact (erf)
     * GELU. An implementation may keep the hidden activation in its own precision (it is never returned).
     *
     * @param x {@code [..., D]}
     * @param w1 {@code [hidden, D]}
     * @param b1 {@code [hidden]}, or null
     * @param w2 {@code [D, hidden]}
     * @param b2 {@code [D]}, or null
     * @return {@code [..., D]}
     */
    default NDArray mlp(NDArray x, NDArray w1, NDArray b1, NDArray w2, NDArray b2) {
        return linear(Activation.gelu(linear(x, w1, b1)), w2, b2);
    }
}
