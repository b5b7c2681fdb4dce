package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.LayerNorm;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * One pre-norm transformer block: x = x + DropPath(Attn(LN1(x))), then x = x + DropPath(FFN(LN2(x))). Children
 * {@code norm1}, {@code attn}, {@code norm2}, {@code mlp}, as in the official {@code Block}. The two residual
 * branches draw independent drop-path masks.
 *
 * <p>DINOv2 options: LayerScale scales each branch output per channel before the residual add (children
 * {@code ls1} after {@code attn} and {@code ls2} after {@code mlp}, in the official state-dict order), and the
 * feed-forward may be {@link SwiGluFfn} instead of {@link Mlp} (still under the name {@code mlp}).
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
    private final LayerScale ls1;
    private final LayerNorm norm2;
    private final FeedForward mlp;
    private final LayerScale ls2;
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
        this(dim, numHeads, Ffn.MLP, mlpHidden, qkvBias, dropPathRate, eps, 0, StochasticDepth.Mode.MASK);
    }

    /**
     * A block with the DINOv2 options and DINO's masking stochastic depth.
     *
     * @param dim D
     * @param numHeads heads
     * @param ffn the feed-forward kind
     * @param ffnHidden the feed-forward's hidden width (for SwiGLU: h, see {@link Ffn#hiddenWidth})
     * @param qkvBias whether {@code qkv} has a bias
     * @param dropPathRate this block's stochastic-depth rate
     * @param eps LayerNorm eps
     * @param layerScaleInit the LayerScale start value; 0 for no LayerScale (no {@code ls1} / {@code ls2})
     */
    public TransformerBlock(int dim, int numHeads, Ffn ffn, int ffnHidden, boolean qkvBias, double dropPathRate,
                            float eps, double layerScaleInit) {
        this(dim, numHeads, ffn, ffnHidden, qkvBias, dropPathRate, eps, layerScaleInit, StochasticDepth.Mode.MASK);
    }

    /**
     * A block with the DINOv2 options.
     *
     * @param dim D
     * @param numHeads heads
     * @param ffn the feed-forward kind
     * @param ffnHidden the feed-forward's hidden width (for SwiGLU: h, see {@link Ffn#hiddenWidth})
     * @param qkvBias whether {@code qkv} has a bias
     * @param dropPathRate this block's stochastic-depth rate
     * @param eps LayerNorm eps
     * @param layerScaleInit the LayerScale start value; 0 for no LayerScale (no {@code ls1} / {@code ls2})
     * @param dropPathMode how stochastic depth drops a branch in training
     */
    public TransformerBlock(int dim, int numHeads, Ffn ffn, int ffnHidden, boolean qkvBias, double dropPathRate,
                            float eps, double layerScaleInit, StochasticDepth.Mode dropPathMode) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new Attention(dim, numHeads, qkvBias));
        this.ls1 = layerScaleInit != 0 ? child("ls1", new LayerScale(dim, layerScaleInit)) : null;
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = ffn == Ffn.SWIGLU ? child("mlp", new SwiGluFfn(dim, ffnHidden))
                : child("mlp", new Mlp(dim, ffnHidden));
        this.ls2 = layerScaleInit != 0 ? child("ls2", new LayerScale(dim, layerScaleInit)) : null;
        this.dropPath = new StochasticDepth(dropPathRate, dropPathMode);
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
        return run(x, training, rng, false).tokens();
    }

    /**
     * Like {@link #forward} but also returns the attention probabilities (through the explicit attention, whatever
     * the block's kernels). In training with {@link StochasticDepth.Mode#SUBSET} they cover only the samples whose
     * attention branch ran.
     *
     * @param x {@code [B, T, D]}
     * @param training whether stochastic depth is active
     * @param rng draws the drop-path masks (may be null unless training with a non-zero rate)
     * @return the output tokens and the attention
     */
    public Output forwardWithAttention(NDArray x, boolean training, SplittableRandom rng) {
        return run(x, training, rng, true);
    }

    /**
     * The block's output for the CLS token alone, {@code forward(x, training, rng)[:, :1]} up to the rounding of the
     * smaller products: what a caller needs of the last block when only the CLS feature is used (DINO's objective,
     * every local crop of DINOv2's, k-NN features). The CLS token attends to every token as before
     * ({@link Attention#forwardClassToken}: no keys or values are formed); the other tokens' queries, attention,
     * projection and feed-forward are not computed, which on a ViT-S/16 at 224 saves over 99% of the block's
     * products (layer norm still runs on every token). Stochastic depth draws exactly what {@link #forward} draws for
     * the same batch.
     *
     * @param x {@code [B, T, D]} the block's input, CLS at token 0
     * @param training whether stochastic depth is active
     * @param rng draws the drop-path masks (may be null unless training with a non-zero rate)
     * @return {@code [B, 1, D]}
     */
    public NDArray forwardClassToken(NDArray x, boolean training, SplittableRandom rng) {
        NDArray h = dropPath.addResidual(x.get(VisionTransformer.FIRST_TOKEN_KEEP_AXIS), x, in -> {
            NDArray a = attn.forwardClassToken(norm1.forward(in));
            return ls1 == null ? a : ls1.forward(a);
        }, training, rng);
        return dropPath.addResidual(h, in -> {
            NDArray f = mlp.forward(norm2.forward(in));
            return ls2 == null ? f : ls2.forward(f);
        }, training, rng);
    }

    /**
     * The block on packed sequences ({@link PackedSequences}, DINOv2's sequence packing): layer norms, the linear
     * layers, the feed-forward, LayerScale and the residual additions run once over all rows, the attention core once
     * per group. Each group's result equals {@link #forward(NDArray, boolean, SplittableRandom)} on that group alone
     * with that group's generator, up to the rounding of the larger products.
     *
     * @param x the packed tokens
     * @param training whether stochastic depth is active
     * @param rngs one generator per group for the drop-path masks (may be null unless training with a non-zero rate)
     * @return the packed output tokens, same groups
     * @throws IllegalStateException in training with a non-zero rate in {@link StochasticDepth.Mode#SUBSET}, which
     *     needs the groups apart (see {@link StochasticDepth#addResidual(PackedSequences, UnaryOperator, boolean,
     *     List)})
     */
    public PackedSequences forward(PackedSequences x, boolean training, List<SplittableRandom> rngs) {
        NDArray h = dropPath.addResidual(x, in -> {
            NDArray a = attn.forward(x.with(norm1.forward(in)));
            return ls1 == null ? a : ls1.forward(a);
        }, training, rngs);
        NDArray out = dropPath.addResidual(x.with(h), in -> {
            NDArray f = mlp.forward(norm2.forward(in));
            return ls2 == null ? f : ls2.forward(f);
        }, training, rngs);
        return x.with(out);
    }

    private Output run(NDArray x, boolean training, SplittableRandom rng, boolean withAttention) {
        NDArray[] attention = new NDArray[1];
        NDArray h = dropPath.addResidual(x, in -> {
            Attention.Output a = attn.forward(norm1.forward(in), withAttention);
            attention[0] = a.probabilities();
            return ls1 == null ? a.values() : ls1.forward(a.values());
        }, training, rng);
        NDArray out = dropPath.addResidual(h, in -> {
            NDArray f = mlp.forward(norm2.forward(in));
            return ls2 == null ? f : ls2.forward(f);
        }, training, rng);
        return new Output(out, attention[0]);
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
