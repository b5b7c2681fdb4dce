package org.dino4j.train.config;

/**
 * The backbone architecture ({@code model.backbone}); for a ViT these are the arguments of the official
 * {@code VisionTransformer}.
 *
 * @param type the architecture
 * @param imageSize the side in pixels the positional embedding is made for (global crops at other sizes interpolate
 *     it); a multiple of {@code patchSize}
 * @param patchSize the patch side p in pixels; every crop size must be a multiple of it
 * @param embedDim token width D; a multiple of {@code numHeads}
 * @param depth number of transformer blocks
 * @param numHeads attention heads
 * @param mlpRatio MLP hidden width as a multiple of D
 * @param qkvBias whether the fused qkv projection has a bias
 * @param dropPathRate stochastic-depth rate of the last block (rising linearly from 0 over the blocks)
 */
public record BackboneConfig(BackboneType type,
                             @Range(min = 1) int imageSize,
                             @Range(min = 1) int patchSize,
                             @Range(min = 1) int embedDim,
                             @Range(min = 1) int depth,
                             @Range(min = 1) int numHeads,
                             @Range(min = 0, minExclusive = true) double mlpRatio,
                             boolean qkvBias,
                             @Range(min = 0, max = 1, maxExclusive = true) double dropPathRate) {}
