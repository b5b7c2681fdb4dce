package org.dino4j.core.backbone;

/**
 * The architecture of a {@link VisionTransformer}, as the official {@code VisionTransformer(...)} arguments.
 *
 * <p>Built and validated by {@link VisionTransformer.Builder}; the constructor checks every constraint too, so an
 * invalid configuration cannot exist.
 *
 * @param imageSize the training image side in pixels (square); fixes the size of {@code pos_embed}
 * @param patchSize the patch side p in pixels (the patch-embedding conv has kernel = stride = p)
 * @param inChannels input channels (3 for RGB)
 * @param embedDim token width D
 * @param depth number of transformer blocks
 * @param numHeads attention heads; D must be a multiple of it (head width d = D / heads)
 * @param mlpRatio MLP hidden width as a multiple of D (hidden = (int) (D * mlpRatio), as Python's {@code int()})
 * @param qkvBias whether the fused {@code qkv} projection has a bias (true in all official {@code vit_*} models)
 * @param dropPathRate the stochastic-depth rate of the last block; block i uses
 *     {@code rate * i / (depth - 1)} (PyTorch's {@code linspace(0, rate, depth)}), or every block when
 *     {@code dropPathUniform}
 * @param layerNormEps eps of every LayerNorm (1e-6 in the official {@code vit_*} factories)
 * @param numRegisterTokens DINOv2's register tokens R ({@code register_tokens [1, R, D]}, inserted right after CLS,
 *     without positional embedding); 0 for DINO
 * @param layerScaleInit DINOv2's LayerScale start value ({@code init_values}); 0 for no LayerScale (DINO)
 * @param ffn the feed-forward kind ({@link Ffn#MLP} for DINO)
 * @param maskToken whether the model has DINOv2's {@code mask_token [1, D]} for masked-image modelling (iBOT)
 * @param interpolation how {@code pos_embed} is resampled for other input sizes
 * @param dropPathMode how stochastic depth drops a branch in training ({@link StochasticDepth.Mode#MASK} for DINO,
 *     {@link StochasticDepth.Mode#SUBSET} for DINOv2's training path)
 * @param dropPathUniform every block at {@code dropPathRate} (DINOv2's {@code drop_path_uniform}) instead of the
 *     linear rise from 0
 */
public record VitConfig(int imageSize, int patchSize, int inChannels, int embedDim, int depth, int numHeads,
                        double mlpRatio, boolean qkvBias, double dropPathRate, float layerNormEps,
                        int numRegisterTokens, double layerScaleInit, Ffn ffn, boolean maskToken,
                        PositionalEmbedding.Interpolation interpolation, StochasticDepth.Mode dropPathMode,
                        boolean dropPathUniform) {

    /**
     * A DINO configuration: no registers, no LayerScale, the MLP feed-forward, no mask token, DINO's
     * interpolation.
     */
    public VitConfig(int imageSize, int patchSize, int inChannels, int embedDim, int depth, int numHeads,
                     double mlpRatio, boolean qkvBias, double dropPathRate, float layerNormEps) {
        this(imageSize, patchSize, inChannels, embedDim, depth, numHeads, mlpRatio, qkvBias, dropPathRate,
                layerNormEps, 0, 0, Ffn.MLP, false, PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS,
                StochasticDepth.Mode.MASK, false);
    }

    /** Validates the configuration; the messages say what was wrong and what would be right. */
    public VitConfig {
        if (dropPathMode == null) {
            throw new IllegalArgumentException("the drop path mode must not be null; use MASK (DINO) or SUBSET"
                    + " (DINOv2)");
        }
        if (patchSize <= 0) {
            throw new IllegalArgumentException("patch size must be positive, got " + patchSize
                    + "; set it with setPatchSize (official models use 8, 14 or 16)");
        }
        if (embedDim <= 0) {
            throw new IllegalArgumentException("embed dim must be positive, got " + embedDim
                    + "; set it with setEmbedDim (e.g. 384 for ViT-S)");
        }
        if (depth <= 0) {
            throw new IllegalArgumentException("depth must be positive, got " + depth
                    + "; set it with setDepth (e.g. 12)");
        }
        if (numHeads <= 0) {
            throw new IllegalArgumentException("number of heads must be positive, got " + numHeads
                    + "; set it with setNumHeads (e.g. 6 for ViT-S)");
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed dim " + embedDim + " is not divisible by the number of heads "
                    + numHeads + "; use an embed dim that is a multiple of " + numHeads + " (e.g. "
                    + Math.max(numHeads, embedDim / numHeads * numHeads) + ") or a divisor of " + embedDim
                    + " as the head count");
        }
        if (imageSize <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        }
        if (imageSize % patchSize != 0) {
            int lower = imageSize / patchSize * patchSize;
            throw new IllegalArgumentException("image size " + imageSize + " is not divisible by the patch size "
                    + patchSize + "; use a multiple of " + patchSize + " (e.g. "
                    + (lower > 0 ? lower + " or " : "") + (lower + patchSize) + ")");
        }
        if (inChannels <= 0) {
            throw new IllegalArgumentException("input channels must be positive, got " + inChannels);
        }
        if (!(mlpRatio > 0) || (int) (embedDim * mlpRatio) < 1) {
            throw new IllegalArgumentException("mlp ratio must give a hidden width of at least 1, got ratio "
                    + mlpRatio + " for embed dim " + embedDim + " (official models use 4)");
        }
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("drop path rate must be in [0, 1), got " + dropPathRate
                    + " (DINO uses 0.1 for ViT-S/16)");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer norm eps must be positive, got " + layerNormEps
                    + " (official ViTs use 1e-6)");
        }
        if (numRegisterTokens < 0) {
            throw new IllegalArgumentException("number of register tokens must be 0 or more, got "
                    + numRegisterTokens + " (DINOv2 register models use 4)");
        }
        if (!(layerScaleInit >= 0) || Double.isInfinite(layerScaleInit)) {
            throw new IllegalArgumentException("layer scale init must be 0 (no LayerScale) or a positive value, got "
                    + layerScaleInit + " (DINOv2 trains with 1e-5)");
        }
        if (ffn == null) {
            throw new IllegalArgumentException("ffn must be set (Ffn.MLP or Ffn.SWIGLU)");
        }
        if (interpolation == null) {
            throw new IllegalArgumentException("interpolation must be set (e.g."
                    + " PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS)");
        }
    }

    /** The feed-forward hidden width: {@link #mlpHidden()} for the MLP, the reduced SwiGLU width otherwise. */
    public int ffnHidden() {
        return ffn.hiddenWidth(mlpHidden());
    }

    /** The head width d = D / heads. */
    public int headDim() {
        return embedDim / numHeads;
    }

    /** The MLP hidden width, {@code int(D * mlpRatio)} as in the official code. */
    public int mlpHidden() {
        return (int) (embedDim * mlpRatio);
    }

    /** The side of the patch grid at the training size, {@code imageSize / patchSize}. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** The number of patches N at the training size (the length of {@code pos_embed} minus the CLS slot). */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** The stochastic-depth rate of each block: uniform, or rising linearly from 0 to {@code dropPathRate}. */
    public double[] dropPathRates() {
        return StochasticDepth.rates(dropPathRate, depth, dropPathUniform);
    }
}
