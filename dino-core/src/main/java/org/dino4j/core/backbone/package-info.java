/**
 * Backbones: the networks whose image features DINO learns.
 *
 * <p>{@link org.dino4j.core.backbone.Backbone} is the extension point. {@link
 * org.dino4j.core.backbone.VisionTransformer} is the official DINO ViT, built from small parts named after the
 * paper's and the official code's concepts: {@link org.dino4j.core.backbone.PatchEmbed},
 * {@link org.dino4j.core.backbone.PositionalEmbedding} (with the bicubic resampling used for crops of other
 * sizes, in DINO's and DINOv2's modes), {@link org.dino4j.core.backbone.TransformerBlock} ({@link
 * org.dino4j.core.backbone.Attention}, {@link org.dino4j.core.backbone.Mlp}, {@link
 * org.dino4j.core.backbone.StochasticDepth}). DINOv2's options are part of the same model: register tokens,
 * {@link org.dino4j.core.backbone.LayerScale}, the {@link org.dino4j.core.backbone.SwiGluFfn} feed-forward
 * ({@link org.dino4j.core.backbone.Ffn}), the mask token with a masked forward, and pre-norm / register outputs in
 * {@link org.dino4j.core.backbone.BackboneOutput}. {@link org.dino4j.core.backbone.Vit} holds the standard sizes
 * ({@code Vit.small(16)}).
 *
 * <p>{@link org.dino4j.core.backbone.ResNet} is the ResNet DINO also trains (18 to 152 layers, torchvision layout,
 * {@link org.dino4j.core.backbone.BatchNorm2d} with running statistics as buffers, global average pooling, no
 * classifier).
 *
 * <p>Parameter names and their order are those of the official PyTorch state dicts, so official checkpoints load
 * by name ({@code org.dino4j.core.interop.OfficialCheckpoints}).
 */
package org.dino4j.core.backbone;
