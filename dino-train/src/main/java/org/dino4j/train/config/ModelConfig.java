package org.dino4j.train.config;

/**
 * The network shared by student and teacher: a backbone followed by the DINO projection head.
 *
 * @param backbone the feature extractor
 * @param head the projection head producing K prototype scores
 */
public record ModelConfig(BackboneConfig backbone, HeadConfig head) {}
