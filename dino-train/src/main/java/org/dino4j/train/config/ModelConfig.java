package org.dino4j.train.config;

import java.nio.file.Path;

/**
 * The network shared by student and teacher: a backbone followed by the projection head.
 *
 * @param backbone the feature extractor
 * @param initFrom a PyTorch checkpoint ({@code .pth}) the run starts from instead of a random initialisation: an
 *     official DINO training checkpoint (student, teacher and centre) or backbone weights (then the heads start
 *     fresh); null for a random start. Read by the trainer of a new run only; a resumed run continues from its own
 *     checkpoint.
 * @param head the projection head producing K prototype scores
 * @param sequencePacking whether a ViT student runs its crops of all resolutions as one packed pass (DINOv2's
 *     sequence packing: token-wise operations over all crops at once, attention within each crop) instead of one pass
 *     per resolution as the official DINO code; same results up to rounding, fewer and larger operations. Subset
 *     stochastic depth in training always runs one pass per resolution.
 */
public record ModelConfig(BackboneConfig backbone, @Nullable Path initFrom, HeadConfig head,
                          boolean sequencePacking) {}
