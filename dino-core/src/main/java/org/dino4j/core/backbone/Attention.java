package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;
import org.dino4j.core.nn.Linear;
import org.dino4j.core.nn.ReferenceKernels;

/**
 * Multi-head self-attention with a fused {@code qkv} projection ({@code [3D, D]}: rows [0, D) are q, [D, 2D) k,
 * [2D, 3D) v, and within each head h owns rows [h*d, (h+1)*d)) and an output projection {@code proj}.
 *
 * <p>Scores are q k^T d^-0.5 with a softmax over keys; per-head outputs are concatenated in head order before
 * {@code proj}.
 */
public final class Attention extends DinoBlock {

    /**
     * The attention's result.
     *
     * @param values {@code [B, T, D]} the projected attention output (the residual branch)
     * @param probabilities {@code [B, heads, T, T]} post-softmax attention, queries along axis 2, keys along axis 3
     *     (null when not asked for)
     */
    public record Output(NDArray values, NDArray probabilities) {}

    private final int numHeads;
    private final int headDim;
    private final float scale;
    private final Linear qkv;
    private final Linear proj;

    /**
     * @param dim D
     * @param numHeads heads (D must be a multiple)
     * @param qkvBias whether {@code qkv} has a bias ({@code proj} always has one)
     */
    public Attention(int dim, int numHeads, boolean qkvBias) {
        if (numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("embed dim " + dim + " is not divisible by the number of heads "
                    + numHeads);
        }
        this.numHeads = numHeads;
        this.headDim = dim / numHeads;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.qkv = child("qkv", new Linear(dim, 3L * dim, qkvBias, Init.truncNormal(0.02)));
        this.proj = child("proj", new Linear(dim, dim, true, Init.truncNormal(0.02)));
    }

    /** The number of heads. */
    public int numHeads() {
        return numHeads;
    }

    /**
     * @param x {@code [B, T, D]} (already layer-normed)
     * @return the projected output and the attention probabilities
     */
    public Output forward(NDArray x) {
        return forward(x, true);
    }

    /**
     * @param x {@code [B, T, D]} (already layer-normed)
     * @param withProbabilities whether to return the attention probabilities; without them the attention core runs
     *     through the block's {@link org.dino4j.core.nn.Kernels} (a fused kernel never forms them)
     * @return the projected output, and the attention probabilities or null
     */
    public Output forward(NDArray x, boolean withProbabilities) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long d = s.get(2);
        // One matmul for q, k and v; [B, T, 3, heads, d] -> [3, B, heads, T, d] is a view, and q/k/v are views of it.
        // split rather than three selects: the backward pass then concatenates the three gradients once, where each
        // select's backward would write its gradient into a zero-filled tensor of the full qkv size and autograd
        // would add the three (same values: adding zeros is exact).
        NDList parts = qkv.forward(x).reshape(b, t, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4).split(3, 0);
        NDArray q = parts.get(0).squeeze(0);
        NDArray k = parts.get(1).squeeze(0);
        NDArray v = parts.get(2).squeeze(0);
        NDArray attn = null;
        NDArray heads;
        if (withProbabilities) {
            attn = ReferenceKernels.probabilities(q, k, scale);
            heads = attn.matMul(v);
        } else {
            heads = kernels().attention(q, k, v, scale);
        }
        NDArray out = heads.transpose(0, 2, 1, 3).reshape(b, t, d);
        return new Output(proj.forward(out), attn);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        Output o = forward(inputs.singletonOrThrow());
        return new NDList(o.values(), o.probabilities());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s, new Shape(s.get(0), numHeads, s.get(1), s.get(1))};
    }
}
