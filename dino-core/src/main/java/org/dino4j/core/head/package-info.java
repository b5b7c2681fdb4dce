/**
 * Projection heads: the part of the student and teacher networks that maps a backbone embedding to K prototype
 * scores (logits).
 *
 * <p>{@link org.dino4j.core.head.ProjectionHead} is the extension point. {@link org.dino4j.core.head.DinoHead} is
 * the official DINO head: an MLP down to a bottleneck, L2 normalisation, and a weight-normalised linear layer
 * ({@link org.dino4j.core.head.WeightNormLinear}) onto the K prototypes. Parameter names follow the official
 * state dict ({@code mlp.0.weight}, {@code last_layer.weight_g}, ...), so official checkpoints load by name.
 */
package org.dino4j.core.head;
