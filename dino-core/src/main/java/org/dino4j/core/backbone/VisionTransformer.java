package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
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
 * positions, so that masked-image modelling (iBOT) can replace masked patch embeddings by the mask token between
 * the two steps, before the positions are added, as the official dinov2 code does
 * ({@link #forward(NDArray, NDArray, boolean, SplittableRandom)}).
 *
 * <p>DINOv2 options (see {@link VitConfig}): register tokens {@code register_tokens [1, R, D]} inserted right after
 * CLS and given no positional embedding, so the sequence is {@code [CLS, reg_0..reg_{R-1}, patch_0..]}; LayerScale
 * in every block; the SwiGLU feed-forward; the mask token {@code mask_token [1, D]}; and the antialiased
 * positional-embedding interpolation. Their parameters follow {@code pos_embed} in the state dict:
 * {@code cls_token}, {@code pos_embed}, {@code register_tokens}, {@code mask_token}, {@code patch_embed.*}, ...
 * DINOv2 initialises {@code register_tokens} with a normal of std 1e-6 and {@code mask_token} with zeros; the
 * {@code cls_token} keeps DINO's trunc normal (0.02) here.
 *
 * <pre>{@code
 * VisionTransformer vit = Vit.small(16).optDropPathRate(0.1).build();
 * vit.initializeWeights(manager, seed);
 * BackboneOutput out = vit.forward(images, true, rng);  // out.cls(): [B, 384]
 * }</pre>
 */
public final class VisionTransformer extends DinoBlock implements Backbone {

    private static final NDIndex FIRST_TOKEN = new NDIndex(":, 0");
    /** Token 0 of {@code [B, T, ...]} tokens, keeping the token axis: {@code [B, 1, ...]}. */
    static final NDIndex FIRST_TOKEN_KEEP_AXIS = new NDIndex(":, :1");
    private static final NDIndex AFTER_FIRST_TOKEN = new NDIndex(":, 1:");

    private final VitConfig config;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final Parameter registerTokens;
    private final Parameter maskToken;
    private final NDIndex registerSlice;
    private final NDIndex patchSlice;
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
        int r = config.numRegisterTokens();
        this.registerTokens = r > 0 ? param("register_tokens", new Shape(1, r, d), Init.truncNormal(1e-6)) : null;
        this.maskToken = config.maskToken() ? param("mask_token", new Shape(1, d), Init.zeros()) : null;
        this.registerSlice = new NDIndex(":, 1:" + (1 + r));
        this.patchSlice = new NDIndex(":, " + (1 + r) + ":");
        this.patchEmbed = child("patch_embed", new PatchEmbed(config.patchSize(), config.inChannels(), d));
        double[] rates = config.dropPathRates();
        List<TransformerBlock> list = new ArrayList<>();
        boolean anyDrop = false;
        for (int i = 0; i < config.depth(); i++) {
            list.add(child("blocks." + i, new TransformerBlock(d, config.numHeads(), config.ffn(),
                    config.ffnHidden(), config.qkvBias(), rates[i], config.layerNormEps(), config.layerScaleInit(),
                    config.dropPathMode())));
            anyDrop |= rates[i] > 0;
        }
        this.blocks = Collections.unmodifiableList(list);
        this.norm = child("norm", new LayerNorm(d, config.layerNormEps()));
        this.positions = new PositionalEmbedding(config.gridSize(), config.interpolation());
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
        return run(images, null, training, rng, false);
    }

    /**
     * Runs the backbone on masked images (masked-image modelling, as iBOT and DINOv2 train the student): the patch
     * embeddings of masked patches are replaced by {@code mask_token} before the CLS token and the positions are
     * added.
     *
     * @param images {@code [B, C, H, W]} images
     * @param masks {@code [B, N]} true (or non-zero) for the patches to mask, N = (H/p)*(W/p) in row-major order;
     *     null for no masking
     * @param training true for the training forward (stochastic depth active)
     * @param rng draws the stochastic-depth masks (see {@link Backbone#forward(NDArray, boolean, SplittableRandom)})
     * @return the features, with {@link BackboneOutput#registerTokens()} (if any) and
     *     {@link BackboneOutput#preNormTokens()} filled
     * @throws IllegalStateException if masks are given but the model has no mask token
     */
    public BackboneOutput forward(NDArray images, NDArray masks, boolean training, SplittableRandom rng) {
        return run(images, masks, training, rng, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every block but the last runs on all tokens; the last computes the CLS token alone
     * ({@link TransformerBlock#forwardClassToken}), then the final norm. The result has only
     * {@link BackboneOutput#cls()}.
     */
    @Override
    public BackboneOutput forwardClassToken(NDArray images, boolean training, SplittableRandom rng) {
        NDArray x = beforeLastBlock(images, null, training, rng);
        NDArray cls = norm.forward(blocks.get(blocks.size() - 1).forwardClassToken(x, training, rng));
        return BackboneOutput.pooled(cls.reshape(cls.getShape().get(0), config.embedDim()));
    }

    /** {@inheritDoc} */
    @Override
    public BackboneOutput forwardWithAttention(NDArray images) {
        return run(images, null, false, null, true);
    }

    /**
     * Whether {@link #forwardPacked} can run in this mode: always in evaluation and without stochastic depth; in
     * training with stochastic depth only in {@link StochasticDepth.Mode#MASK} (DINOv2's subset mode picks the
     * samples of each branch per group).
     *
     * @param training whether stochastic depth would be active
     * @return true if the groups can be packed
     */
    public boolean canPack(boolean training) {
        return !training || !stochasticDepth || config.dropPathMode() == StochasticDepth.Mode.MASK;
    }

    /**
     * Several crop groups (one resolution each) in one packed pass, DINOv2's sequence packing: the tokens of all
     * groups go through every token-wise operation together ({@link PackedSequences}) and attend only within their
     * own image. Each group's output equals {@link #forward(NDArray, NDArray, boolean, SplittableRandom)} on that
     * group alone with that group's generator, up to the rounding of the larger matrix products.
     *
     * @param images one {@code [B_g, C, H_g, W_g]} batch per group
     * @param firstGroupMasks {@code [B_0, N_0]} patch masks of the first group (see
     *     {@link #prepareTokens(NDArray, NDArray)}), or null
     * @param training whether stochastic depth is active
     * @param rngs one generator per group for the stochastic-depth masks (may be null unless training with a
     *     non-zero rate)
     * @return one output per group, in order, without attention
     * @throws IllegalStateException if {@link #canPack} is false for {@code training}
     */
    public List<BackboneOutput> forwardPacked(List<NDArray> images, NDArray firstGroupMasks, boolean training,
                                              List<SplittableRandom> rngs) {
        if (!canPack(training)) {
            throw new IllegalStateException("this ViT trains with " + config.dropPathMode() + " stochastic depth,"
                    + " which runs each branch on a subset of each group's samples; forward the groups one by one");
        }
        if (training && stochasticDepth && (rngs == null || rngs.size() != images.size())) {
            throw new IllegalArgumentException("training with drop path rate " + config.dropPathRate() + " needs one"
                    + " SplittableRandom per group (" + images.size() + "), got "
                    + (rngs == null ? "none" : rngs.size()));
        }
        List<NDArray> sequences = new ArrayList<>(images.size());
        for (int g = 0; g < images.size(); g++) {
            sequences.add(prepareTokens(images.get(g), g == 0 ? firstGroupMasks : null));
        }
        PackedSequences x = PackedSequences.pack(sequences);
        for (TransformerBlock block : blocks) {
            x = block.forward(x, training, rngs);
        }
        NDList preNorm = x.unpack();
        NDList tokens = x.with(norm.forward(x.tokens())).unpack();
        List<BackboneOutput> out = new ArrayList<>(tokens.size());
        for (int g = 0; g < tokens.size(); g++) {
            out.add(output(tokens.get(g), null, preNorm.get(g)));
        }
        return out;
    }

    private BackboneOutput run(NDArray images, NDArray masks, boolean training, SplittableRandom rng,
                               boolean keepAttention) {
        NDArray x = beforeLastBlock(images, masks, training, rng);
        NDArray attention = null;
        int last = blocks.size() - 1;
        // The last block's attention comes from LN1 of its input, the same tensor the official
        // get_last_selfattention returns; its residual update still runs so the tokens are complete.
        NDArray preNorm;
        if (keepAttention) {
            TransformerBlock.Output lastOut = blocks.get(last).forwardWithAttention(x, training, rng);
            attention = lastOut.attention();
            preNorm = lastOut.tokens();
        } else {
            preNorm = blocks.get(last).forward(x, training, rng);
        }
        return output(norm.forward(preNorm), attention, preNorm);
    }

    // the tokens (masked patches replaced) through every block but the last, which the callers run their own way
    private NDArray beforeLastBlock(NDArray images, NDArray masks, boolean training, SplittableRandom rng) {
        requireRng(training, rng);
        NDArray x = prepareTokens(images, masks);
        for (int i = 0; i < blocks.size() - 1; i++) {
            x = blocks.get(i).forward(x, training, rng);
        }
        return x;
    }

    private void requireRng(boolean training, SplittableRandom rng) {
        if (training && stochasticDepth && rng == null) {
            throw new IllegalArgumentException("training with drop path rate " + config.dropPathRate()
                    + " needs a SplittableRandom to draw the per-sample keep masks; pass one (e.g. new"
                    + " SplittableRandom(seed)), or use forward(images) for evaluation");
        }
    }

    // the parts of the final (normed) tokens [B, 1 + R + N, D]: CLS, registers, patch tokens
    private BackboneOutput output(NDArray tokens, NDArray attention, NDArray preNorm) {
        NDArray registers = registerTokens == null ? null : tokens.get(registerSlice);
        return new BackboneOutput(tokens, tokens.get(FIRST_TOKEN), tokens.get(patchSlice), attention, registers,
                preNorm);
    }

    /**
     * The official {@code prepare_tokens}: patch embeddings with the CLS token prepended and positional embeddings
     * added (resampled if the input is not the training size or not square), then the register tokens, if any.
     *
     * @param images {@code [B, C, H, W]}, H and W multiples of the patch size
     * @return {@code [B, 1+R+N, D]} with N = (H/p)*(W/p)
     */
    public NDArray prepareTokens(NDArray images) {
        return prepareTokens(images, null);
    }

    /**
     * DINOv2's {@code prepare_tokens_with_masks}: as {@link #prepareTokens(NDArray)}, with the embeddings of masked
     * patches replaced by {@code mask_token} before anything is added to them.
     *
     * @param images {@code [B, C, H, W]}, H and W multiples of the patch size
     * @param masks {@code [B, N]} boolean or 0/1 patch masks, or null
     * @return {@code [B, 1+R+N, D]}
     */
    public NDArray prepareTokens(NDArray images, NDArray masks) {
        checkImages(images);
        Shape s = images.getShape();
        int gridH = Math.toIntExact(s.get(2) / config.patchSize());
        int gridW = Math.toIntExact(s.get(3) / config.patchSize());
        NDArray patches = patchEmbed.forward(images);
        if (masks != null) {
            patches = applyMaskToken(patches, masks);
        }
        return addClsAndPositions(patches, gridH, gridW);
    }

    private NDArray applyMaskToken(NDArray patches, NDArray masks) {
        if (maskToken == null) {
            throw new IllegalStateException("this ViT has no mask token; build it with optMaskToken(true) to run"
                    + " masked forwards");
        }
        Shape ps = patches.getShape();
        Shape expected = new Shape(ps.get(0), ps.get(1));
        if (!masks.getShape().equals(expected)) {
            throw new IllegalArgumentException("masks must be [B, N] = " + expected + " (one flag per patch,"
                    + " row-major), got " + masks.getShape());
        }
        NDArray masked = masks.getDataType() == DataType.BOOLEAN ? masks : masks.neq(0);
        masked = masked.toDevice(patches.getDevice(), false).expandDims(2).broadcast(ps);
        NDArray token = value(maskToken, patches).reshape(1, 1, ps.get(2)).broadcast(ps);
        return NDArrays.where(masked, token, patches);
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
        if (registerTokens == null) {
            return NDArrays.concat(new NDList(cls, patches.add(patchPos)), 1);
        }
        // Registers go right after CLS and get no positional embedding.
        NDArray registers = value(registerTokens, patches)
                .broadcast(new Shape(b, config.numRegisterTokens(), config.embedDim()));
        return NDArrays.concat(new NDList(cls, registers, patches.add(patchPos)), 1);
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
        private StochasticDepth.Mode dropPathMode = StochasticDepth.Mode.MASK;
        private boolean dropPathUniform;
        private float layerNormEps = LayerNorm.VIT_EPS;
        private int numRegisterTokens;
        private double layerScaleInit;
        private Ffn ffn = Ffn.MLP;
        private boolean maskToken;
        private PositionalEmbedding.Interpolation interpolation =
                PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS;

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

        /**
         * Every block at the drop path rate (DINOv2's {@code drop_path_uniform}) instead of the default linear rise
         * from 0 in the first block.
         *
         * @param dropPathUniform true for the same rate in every block
         * @return this builder
         */
        public Builder optDropPathUniform(boolean dropPathUniform) {
            this.dropPathUniform = dropPathUniform;
            return this;
        }

        /**
         * How stochastic depth drops a residual branch in training (default {@link StochasticDepth.Mode#MASK}, as
         * DINO; {@link StochasticDepth.Mode#SUBSET} runs the branch only on the kept samples, as DINOv2).
         *
         * @param dropPathMode the mode
         * @return this builder
         */
        public Builder optDropPathMode(StochasticDepth.Mode dropPathMode) {
            this.dropPathMode = dropPathMode;
            return this;
        }

        /** Sets the LayerNorm eps (default 1e-6). */
        public Builder optLayerNormEps(float layerNormEps) {
            this.layerNormEps = layerNormEps;
            return this;
        }

        /** Sets DINOv2's number of register tokens (default 0; the released register models use 4). */
        public Builder optRegisterTokens(int numRegisterTokens) {
            this.numRegisterTokens = numRegisterTokens;
            return this;
        }

        /**
         * Enables DINOv2's LayerScale with this start value ({@code init_values}; DINOv2 trains with 1e-5); 0
         * (the default) disables it.
         */
        public Builder optLayerScale(double initValue) {
            this.layerScaleInit = initValue;
            return this;
        }

        /** Sets the feed-forward kind (default {@link Ffn#MLP}; DINOv2's ViT-g uses {@link Ffn#SWIGLU}). */
        public Builder optFfn(Ffn ffn) {
            this.ffn = ffn;
            return this;
        }

        /** Adds DINOv2's {@code mask_token} for masked forwards (default false). */
        public Builder optMaskToken(boolean maskToken) {
            this.maskToken = maskToken;
            return this;
        }

        /**
         * Sets how {@code pos_embed} is resampled for other input sizes (default
         * {@link PositionalEmbedding.Interpolation#OFFSET_0_1_NO_ANTIALIAS}, DINO's and DINOv2's training setting).
         */
        public Builder optInterpolation(PositionalEmbedding.Interpolation interpolation) {
            this.interpolation = interpolation;
            return this;
        }

        /**
         * The configuration this builder describes.
         *
         * @throws IllegalArgumentException if it is invalid (the message says what would be valid)
         */
        public VitConfig config() {
            return new VitConfig(imageSize, patchSize, inChannels, embedDim, depth, numHeads, mlpRatio, qkvBias,
                    dropPathRate, layerNormEps, numRegisterTokens, layerScaleInit, ffn, maskToken, interpolation,
                    dropPathMode, dropPathUniform);
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
