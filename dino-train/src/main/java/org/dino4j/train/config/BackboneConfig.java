package org.dino4j.train.config;

/**
 * The backbone architecture ({@code model.backbone}); for a ViT these are the arguments of the official
 * {@code VisionTransformer} (DINO's, with DINOv2's options), for a ResNet only {@code depth} counts.
 *
 * @param type the architecture
 * @param imageSize the side in pixels the positional embedding is made for (global crops at other sizes interpolate
 *     it); a multiple of {@code patchSize}
 * @param patchSize the patch side p in pixels; every crop size must be a multiple of it
 * @param embedDim token width D; a multiple of {@code numHeads}
 * @param depth number of transformer blocks (ViT), or the ResNet depth (18, 34, 50, 101, 152)
 * @param numHeads attention heads
 * @param mlpRatio MLP hidden width as a multiple of D
 * @param qkvBias whether the fused qkv projection has a bias
 * @param dropPathRate stochastic-depth rate of the last block (rising linearly from 0 over the blocks)
 * @param numRegisterTokens DINOv2's register tokens (0 = none)
 * @param layerScale the initial value of DINOv2's LayerScale gammas (0 = no LayerScale; DINOv2 uses 1e-5)
 * @param ffn the feed-forward layer of each block
 * @param interpolation how the positional embedding is resampled to other crop sizes
 * @param dropPathMode how stochastic depth drops a branch: {@code mask} (DINO) or {@code subset} (DINOv2: the
 *     branch runs only on the kept samples)
 * @param dropPathUniform every block at {@code dropPathRate} (DINOv2) instead of the linear rise from 0 (DINO)
 */
public record BackboneConfig(BackboneType type,
                             @Range(min = 1) int imageSize,
                             @Range(min = 1) int patchSize,
                             @Range(min = 1) int embedDim,
                             @Range(min = 1) int depth,
                             @Range(min = 1) int numHeads,
                             @Range(min = 0, minExclusive = true) double mlpRatio,
                             boolean qkvBias,
                             @Range(min = 0, max = 1, maxExclusive = true) double dropPathRate,
                             @Range(min = 0) int numRegisterTokens,
                             @Range(min = 0) double layerScale,
                             FfnType ffn,
                             PosEmbedInterpolation interpolation,
                             DropPathMode dropPathMode,
                             boolean dropPathUniform) {

    /** The width of the features the head receives: D for a ViT, 512 (ResNet-18/34) or 2048 for a ResNet. */
    public long featureDim() {
        return type == BackboneType.RESNET ? (depth >= 50 ? 2048 : 512) : embedDim;
    }
}
