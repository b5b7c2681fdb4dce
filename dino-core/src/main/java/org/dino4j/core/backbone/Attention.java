package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
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
    private final NDIndex queryRows;
    private final NDIndex keyRows;
    private final NDIndex valueRows;

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
        this.queryRows = new NDIndex("0:" + dim);
        this.keyRows = new NDIndex(dim + ":" + 2 * dim);
        this.valueRows = new NDIndex(2 * dim + ":");
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
        NDArray[] probabilities = new NDArray[1];
        NDArray heads = heads(qkv.forward(x), b, t, withProbabilities ? probabilities : null);
        return new Output(proj.forward(heads.reshape(b, t, s.get(2))), probabilities[0]);
    }

    /**
     * Attention over packed sequences ({@link PackedSequences}): one {@code qkv} and one {@code proj} product over
     * all rows, the attention core per group, so that tokens attend only within their own sequence (DINOv2's
     * block-diagonal attention of a packed forward). Each group's result equals {@link #forward(NDArray, boolean)}
     * on that group alone, up to the rounding of the larger products.
     *
     * @param x the packed (already layer-normed) tokens, {@code [N, D]}
     * @return {@code [N, D]} the projected output, in the same row order
     */
    public NDArray forward(PackedSequences x) {
        NDList rows = x.splitRows(qkv.forward(x.tokens()));
        NDList heads = new NDList(rows.size());
        for (int g = 0; g < rows.size(); g++) {
            PackedSequences.Group group = x.groups().get(g);
            heads.add(heads(rows.get(g), group.batch(), group.length(), null));
        }
        return proj.forward(heads.size() == 1 ? heads.get(0) : NDArrays.concat(heads, 0));
    }

    /**
     * The attention of the CLS token alone, for a caller that needs only the CLS output of the last block. Equal to
     * row 0 of {@link #forward(NDArray, boolean)} up to rounding, without the keys and values of the other tokens:
     * with {@code x_j} the normed tokens and, per head h, {@code k_j = W_k,h x_j + b_k,h} and
     * {@code v_j = W_v,h x_j + b_v,h}, the score {@code q_h . k_j = (W_k,h^T q_h) . x_j + q_h . b_k,h} (the last term
     * is the same for every j and cancels in the softmax) and the output {@code sum_j p_j v_j =
     * W_v,h (sum_j p_j x_j) + b_v,h} (the weights sum to one). So each head folds its query through the key weights
     * once, scores the tokens with it, pools the tokens with the attention weights and projects the pooled token:
     * about {@code 4 D^2 + 2 heads T D} multiply-adds per crop instead of the {@code 2 T D^2} of the keys and values.
     *
     * @param x {@code [B, T, D]} (already layer-normed)
     * @return {@code [B, 1, D]} the projected output of token 0
     */
    public NDArray forwardClassToken(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long d = s.get(2);
        NDArray w = value(qkv.weight(), x);
        NDArray bias = qkv.bias() == null ? null : value(qkv.bias(), x);
        NDArray q = kernels().linear(x.get(VisionTransformer.FIRST_TOKEN_KEEP_AXIS), w.get(queryRows),
                bias == null ? null : bias.get(queryRows));
        // [heads, B, d] @ [heads, d, D]: each head's query folded through its key weights, scaled as the scores
        NDArray folded = q.reshape(b, numHeads, headDim).transpose(1, 0, 2)
                .matMul(w.get(keyRows).reshape(numHeads, headDim, d))
                .mul(constant(q, scale)).transpose(1, 0, 2);
        // [B, heads, D] @ [B, D, T]: the scores; softmax over the tokens; [B, heads, T] @ [B, T, D]: pooled tokens
        NDArray pooled = folded.matMul(x.transpose(0, 2, 1)).softmax(-1).matMul(x);
        // [heads, B, D] @ [heads, D, d]: each head's value projection of its pooled token, then the value bias
        NDArray heads = pooled.transpose(1, 0, 2)
                .matMul(w.get(valueRows).reshape(numHeads, headDim, d).transpose(0, 2, 1))
                .transpose(1, 0, 2).reshape(b, 1, d);
        if (bias != null) {
            heads = heads.add(bias.get(valueRows));
        }
        return proj.forward(heads);
    }

    // The attention core on the qkv product of b sequences of t tokens ([b, t, 3D] or [b * t, 3D]); returns the
    // concatenated heads, [b * t, D] in token order. [b, t, 3, heads, d] is split along its "3" axis into views, so
    // that the backward pass concatenates the q, k and v gradients straight into qkv's [b, t, 3D] layout (splitting
    // a [3, b, heads, t, d] permutation instead needs a second copy to bring the concatenation back into it). The
    // fused kernel returns its output in [b, t, heads, d] memory, so the transposition back is a view.
    private NDArray heads(NDArray qkvOut, long b, long t, NDArray[] probabilities) {
        NDList parts = qkvOut.reshape(b, t, 3, numHeads, headDim).split(3, 2);
        NDArray q = parts.get(0).squeeze(2).transpose(0, 2, 1, 3);
        NDArray k = parts.get(1).squeeze(2).transpose(0, 2, 1, 3);
        NDArray v = parts.get(2).squeeze(2).transpose(0, 2, 1, 3);
        NDArray heads;
        if (probabilities != null) {
            NDArray attn = ReferenceKernels.probabilities(q, k, scale);
            probabilities[0] = attn;
            heads = attn.matMul(v);
        } else {
            heads = kernels().attention(q, k, v, scale);
        }
        return heads.transpose(0, 2, 1, 3).reshape(b * t, (long) numHeads * headDim);
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
