package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;
import org.dino4j.core.nn.LayerNorm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The Vision Transformer of DINO (the official {@code VisionTransformer} with the {@code vit_*} conventions): patch
 * embedding, a learned CLS token, learned positional embeddings (resampled for other input sizes), pre-norm
 * transformer blocks with stochastic depth, and a final LayerNorm. No classifier.
 *
 * <p>State dict, in the official order: {@code cls_token [1,1,D]}, {@code pos_embed [1,1+N,D]},
 * {@code patch_embed.proj.weight/bias}, {@code blocks.{i}.norm1.*}, {@code blocks.{i}.attn.qkv.*},
 * {@code blocks.{i}.attn.proj.*}, {@code blocks.{i}.norm2.*}, {@code blocks.{i}.mlp.fc1.*},
 * {@code blocks.{i}.mlp.fc2.*}, {@code norm.*}.
 *
 * <p>Initialisation ({@link #initializeWeights}): trunc normal (std 0.02) for Linear weights, {@code cls_token} and
 * {@code pos_embed}; Linear biases 0; LayerNorm (1, 0); PyTorch's default for the patch conv.
 *
 * <p>Token preparation ({@link #prepareTokens}) embeds the patches first and only then adds the CLS token and the
 * positions, so a masked-image-modelling variant (iBOT) can replace masked patch embeddings by a mask token between
 * the two steps, before the positions are added, as the official dinov2 code does.
 *
 * <pre>{@code
 * VisionTransformer vit = Vit.small(16).optDropPathRate(0.1).build();
 * vit.initializeWeights(manager, seed);
 * BackboneOutput out = vit.forward(images, true, rng);  // out.cls(): [B, 384]
 * }</pre>
 */
public final class VisionTransformer extends DinoBlock implements Backbone {

    private static final NDIndex FIRST_TOKEN = new NDIndex(":, 0");
    private static final NDIndex FIRST_TOKEN_KEEP_AXIS = new NDIndex(":, :1");
    private static final NDIndex AFTER_FIRST_TOKEN = new NDIndex(":, 1:");

    private final VitConfig config;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final PatchEmbed patchEmbed;
    private final List<TransformerBlock> blocks;
    private final LayerNorm norm;
    private final PositionalEmbedding positions;
    private final boolean stochasticDepth;

    /**
     * Creates the model (parameters are created by {@link #initializeWeights}). Prefer {@link #builder()} or the
     * presets in {@link Vit}.
     *
     * @param config the architecture
     */
    public VisionTransformer(VitConfig config) {
        this.config = config;
        int d = config.embedDim();
        this.clsToken = param("cls_token", new Shape(1, 1, d), Init.truncNormal(0.02));
        this.posEmbed = param("pos_embed", new Shape(1, 1 + config.numPatches(), d), Init.truncNormal(0.02));
        this.patchEmbed = child("patch_embed", new PatchEmbed(config.patchSize(), config.inChannels(), d));
        double[] rates = StochasticDepth.linearRates(config.dropPathRate(), config.depth());
        List<TransformerBlock> list = new ArrayList<>();
        boolean anyDrop = false;
        for (int i = 0; i < config.depth(); i++) {
            list.add(child("blocks." + i, new TransformerBlock(d, config.numHeads(), config.mlpHidden(),
                    config.qkvBias(), rates[i], config.layerNormEps())));
            anyDrop |= rates[i] > 0;
        }
        this.blocks = Collections.unmodifiableList(list);
        this.norm = child("norm", new LayerNorm(d, config.layerNormEps()));
        this.positions = new PositionalEmbedding(config.gridSize());
        this.stochasticDepth = anyDrop;
    }

    /** A builder; see {@link Vit} for the standard sizes. */
    public static Builder builder() {
        return new Builder();
    }

    /** The architecture. */
    public VitConfig config() {
        return config;
    }

    /** {@inheritDoc} */
    @Override
    public long embedDim() {
        return config.embedDim();
    }

    /** The patch side p. */
    public int patchSize() {
        return config.patchSize();
    }

    /** The number of attention heads. */
    public int numHeads() {
        return config.numHeads();
    }

    /** The transformer blocks, first to last. */
    public List<TransformerBlock> blocks() {
        return blocks;
    }

    /** The patch embedding. */
    public PatchEmbed patchEmbed() {
        return patchEmbed;
    }

    /** The positional-embedding resampler of this model's trained grid. */
    public PositionalEmbedding positionalEmbedding() {
        return positions;
    }

    /** {@inheritDoc} */
    @Override
    public DinoBlock block() {
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public BackboneOutput forward(NDArray images, boolean training, SplittableRandom rng) {
        return run(images, training, rng, false);
    }

    /** {@inheritDoc} */
    @Override
    public BackboneOutput forwardWithAttention(NDArray images) {
        return run(images, false, null, true);
    }

    private BackboneOutput run(NDArray images, boolean training, SplittableRandom rng, boolean keepAttention) {
        if (training && stochasticDepth && rng == null) {
            throw new IllegalArgumentException("training with drop path rate " + config.dropPathRate()
                    + " needs a SplittableRandom to draw the per-sample keep masks; pass one (e.g. new"
                    + " SplittableRandom(seed)), or use forward(images) for evaluation");
        }
        NDArray x = prepareTokens(images);
        NDArray attention = null;
        int last = blocks.size() - 1;
        for (int i = 0; i < last; i++) {
            x = blocks.get(i).forward(x, training, rng);
        }
        // The last block's attention comes from LN1 of its input, the same tensor the official
        // get_last_selfattention returns; its residual update still runs so the tokens are complete.
        TransformerBlock.Output lastOut = blocks.get(last).forwardWithAttention(x, training, rng);
        if (keepAttention) {
            attention = lastOut.attention();
        }
        NDArray tokens = norm.forward(lastOut.tokens());
        return new BackboneOutput(tokens, tokens.get(FIRST_TOKEN), tokens.get(AFTER_FIRST_TOKEN), attention);
    }

    /**
     * The official {@code prepare_tokens}: patch embeddings with the CLS token prepended and positional embeddings
     * added (resampled if the input is not the training size or not square).
     *
     * @param images {@code [B, C, H, W]}, H and W multiples of the patch size
     * @return {@code [B, 1+N, D]} with N = (H/p)*(W/p)
     */
    public NDArray prepareTokens(NDArray images) {
        checkImages(images);
        Shape s = images.getShape();
        int gridH = Math.toIntExact(s.get(2) / config.patchSize());
        int gridW = Math.toIntExact(s.get(3) / config.patchSize());
        NDArray patches = patchEmbed.forward(images);
        // (A mask-token substitution for iBOT belongs here: after embedding, before positions are added.)
        return addClsAndPositions(patches, gridH, gridW);
    }

    private NDArray addClsAndPositions(NDArray patches, int gridH, int gridW) {
        long b = patches.getShape().get(0);
        NDArray pos = value(posEmbed, patches);
        NDArray patchPos = pos.get(AFTER_FIRST_TOKEN);
        if (positions.needsInterpolation(gridH, gridW)) {
            patchPos = positions.resample(patchPos, gridH, gridW);
        }
        // cls_token + its position, broadcast over the batch; equal to adding pos_embed after the concatenation.
        NDArray cls = value(clsToken, patches).add(pos.get(FIRST_TOKEN_KEEP_AXIS))
                .broadcast(new Shape(b, 1, config.embedDim()));
        return NDArrays.concat(new NDList(cls, patches.add(patchPos)), 1);
    }

    /**
     * The positional embedding used for an input of this size: the official {@code interpolate_pos_encoding}.
     *
     * @param height image height in pixels (a multiple of the patch size)
     * @param width image width in pixels (a multiple of the patch size)
     * @param scope the manager the result (and any intermediate) belongs to
     * @return {@code [1, 1 + (H/p)*(W/p), D]}, differentiable with respect to {@code pos_embed}
     */
    public NDArray positionalEmbedding(int height, int width, NDManager scope) {
        checkSize(height, width);
        int gridH = height / config.patchSize();
        int gridW = width / config.patchSize();
        NDArray pos = alias(posEmbed.getArray(), scope);
        if (!positions.needsInterpolation(gridH, gridW)) {
            return pos;
        }
        NDArray patchPos = positions.resample(pos.get(AFTER_FIRST_TOKEN), gridH, gridW);
        return NDArrays.concat(new NDList(pos.get(FIRST_TOKEN_KEEP_AXIS), patchPos), 1);
    }

    private void checkImages(NDArray images) {
        Shape s = images.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("images must be [B, C, H, W], got shape " + s);
        }
        if (s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("images have " + s.get(1) + " channels but the model expects "
                    + config.inChannels() + " (shape " + s + ", expected [B, " + config.inChannels() + ", H, W])");
        }
        checkSize(s.get(2), s.get(3));
    }

    private void checkSize(long height, long width) {
        int p = config.patchSize();
        if (height <= 0 || width <= 0 || height % p != 0 || width % p != 0) {
            long h = Math.max(p, height / p * p);
            long w = Math.max(p, width / p * p);
            throw new IllegalArgumentException("image size " + height + "x" + width
                    + " (HxW) is not a multiple of the patch size " + p + "; crop or resize to multiples of " + p
                    + " (e.g. " + h + "x" + w + ")");
        }
    }

    /**
     * DJL entry point: evaluation features. Training through this entry point is only possible without stochastic
     * depth (it has no generator); use {@link #forward(NDArray, boolean, SplittableRandom)}.
     *
     * @return {@code [B, D]} CLS features and {@code [B, N, D]} patch tokens
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        BackboneOutput out = forward(inputs.singletonOrThrow(), training, null);
        return new NDList(out.cls(), out.patchTokens());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        long n = (s.get(2) / config.patchSize()) * (s.get(3) / config.patchSize());
        return new Shape[] {new Shape(s.get(0), config.embedDim()), new Shape(s.get(0), n, config.embedDim())};
    }

    /**
     * Builds a {@link VisionTransformer} ({@code setX} required, {@code optX} optional; validated in
     * {@link #build()}). Defaults follow the official {@code vit_*} factories: image 224, 3 channels, MLP ratio 4,
     * qkv bias, no drop path, LayerNorm eps 1e-6.
     */
    public static final class Builder {
        private int patchSize;
        private int embedDim;
        private int depth;
        private int numHeads;
        private int imageSize = 224;
        private int inChannels = 3;
        private double mlpRatio = 4;
        private boolean qkvBias = true;
        private double dropPathRate;
        private float layerNormEps = LayerNorm.VIT_EPS;

        Builder() {}

        /** Sets the patch side p (required). */
        public Builder setPatchSize(int patchSize) {
            this.patchSize = patchSize;
            return this;
        }

        /** Sets the token width D (required). */
        public Builder setEmbedDim(int embedDim) {
            this.embedDim = embedDim;
            return this;
        }

        /** Sets the number of blocks (required). */
        public Builder setDepth(int depth) {
            this.depth = depth;
            return this;
        }

        /** Sets the number of attention heads (required; must divide D). */
        public Builder setNumHeads(int numHeads) {
            this.numHeads = numHeads;
            return this;
        }

        /** Sets the training image side (default 224), which fixes the size of {@code pos_embed}. */
        public Builder optImageSize(int imageSize) {
            this.imageSize = imageSize;
            return this;
        }

        /** Sets the input channels (default 3). */
        public Builder optInChannels(int inChannels) {
            this.inChannels = inChannels;
            return this;
        }

        /** Sets the MLP hidden width as a multiple of D (default 4). */
        public Builder optMlpRatio(double mlpRatio) {
            this.mlpRatio = mlpRatio;
            return this;
        }

        /** Sets whether {@code qkv} has a bias (default true, as in every official {@code vit_*}). */
        public Builder optQkvBias(boolean qkvBias) {
            this.qkvBias = qkvBias;
            return this;
        }

        /** Sets the last block's stochastic-depth rate (default 0; DINO uses 0.1). */
        public Builder optDropPathRate(double dropPathRate) {
            this.dropPathRate = dropPathRate;
            return this;
        }

        /** Sets the LayerNorm eps (default 1e-6). */
        public Builder optLayerNormEps(float layerNormEps) {
            this.layerNormEps = layerNormEps;
            return this;
        }

        /**
         * The configuration this builder describes.
         *
         * @throws IllegalArgumentException if it is invalid (the message says what would be valid)
         */
        public VitConfig config() {
            return new VitConfig(imageSize, patchSize, inChannels, embedDim, depth, numHeads, mlpRatio, qkvBias,
                    dropPathRate, layerNormEps);
        }

        /**
         * Validates and builds the model (its parameters are created by
         * {@link VisionTransformer#initializeWeights}).
         *
         * @throws IllegalArgumentException if the configuration is invalid
         */
        public VisionTransformer build() {
            return new VisionTransformer(config());
        }
    }
}
