package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.LayerNorm;

import java.util.SplittableRandom;

/**
 * One pre-norm transformer block: x = x + DropPath(Attn(LN1(x))), then x = x + DropPath(MLP(LN2(x))). Children
 * {@code norm1}, {@code attn}, {@code norm2}, {@code mlp}, as in the official {@code Block}. The two residual
 * branches draw independent drop-path masks.
 */
public final class TransformerBlock extends DinoBlock {

    /**
     * A block's result with its attention.
     *
     * @param tokens {@code [B, T, D]} the block's output tokens
     * @param attention {@code [B, heads, T, T]} the attention probabilities computed from LN1 of the block's input
     */
    public record Output(NDArray tokens, NDArray attention) {}

    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final StochasticDepth dropPath;

    /**
     * @param dim D
     * @param numHeads heads
     * @param mlpHidden MLP hidden width
     * @param qkvBias whether {@code qkv} has a bias
     * @param dropPathRate this block's stochastic-depth rate
     * @param eps LayerNorm eps
     */
    public TransformerBlock(int dim, int numHeads, int mlpHidden, boolean qkvBias, double dropPathRate, float eps) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new Attention(dim, numHeads, qkvBias));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden));
        this.dropPath = new StochasticDepth(dropPathRate);
    }

    /** This block's stochastic depth. */
    public StochasticDepth dropPath() {
        return dropPath;
    }

    /** The attention module. */
    public Attention attention() {
        return attn;
    }

    /**
     * @param x {@code [B, T, D]}
     * @param training whether stochastic depth is active
     * @param rng draws the drop-path masks (may be null unless training with a non-zero rate)
     * @return {@code [B, T, D]}
     */
    public NDArray forward(NDArray x, boolean training, SplittableRandom rng) {
        return forwardWithAttention(x, training, rng).tokens();
    }

    /**
     * Like {@link #forward} but also returns the attention probabilities (they are computed anyway).
     *
     * @param x {@code [B, T, D]}
     * @param training whether stochastic depth is active
     * @param rng draws the drop-path masks (may be null unless training with a non-zero rate)
     * @return the output tokens and the attention
     */
    public Output forwardWithAttention(NDArray x, boolean training, SplittableRandom rng) {
        Attention.Output a = attn.forward(norm1.forward(x));
        NDArray h = x.add(dropPath.apply(a.values(), training, rng));
        NDArray out = h.add(dropPath.apply(mlp.forward(norm2.forward(h)), training, rng));
        return new Output(out, a.probabilities());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow(), training, null));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
