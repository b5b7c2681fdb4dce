/**
 * Backbones: the networks whose image features DINO learns.
 *
 * <p>{@link org.dino4j.core.backbone.Backbone} is the extension point (a ResNet can implement it as well);
 * {@link org.dino4j.core.backbone.VisionTransformer} is the official DINO ViT, built from small parts named after
 * the paper's and the official code's concepts: {@link org.dino4j.core.backbone.PatchEmbed},
 * {@link org.dino4j.core.backbone.PositionalEmbedding} (with the bicubic resampling used for crops of other
 * sizes), {@link org.dino4j.core.backbone.TransformerBlock} ({@link org.dino4j.core.backbone.Attention},
 * {@link org.dino4j.core.backbone.Mlp}, {@link org.dino4j.core.backbone.StochasticDepth}). {@link
 * org.dino4j.core.backbone.Vit} holds the standard sizes ({@code Vit.small(16)}).
 *
 * <p>Parameter names and their order are those of the official PyTorch state dict, so official checkpoints load
 * by name.
 */
package org.dino4j.core.backbone;
