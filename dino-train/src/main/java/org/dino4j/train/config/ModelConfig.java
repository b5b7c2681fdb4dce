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
 */
public record ModelConfig(BackboneConfig backbone, @Nullable Path initFrom, HeadConfig head) {}
