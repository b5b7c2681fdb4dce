package org.dino4j.train.config;

/**
 * Where the images come from and how they are loaded ({@code data}).
 *
 * @param train the self-supervised training images
 * @param eval the labelled k-NN evaluation sets (see {@link EvalDataConfig#isConfigured()})
 * @param workers augmentation worker threads (0 = half the available cores, at least 1)
 * @param prefetchBatches how many augmented batches may wait ahead of the training step
 */
public record DataConfig(DatasetConfig train, EvalDataConfig eval, @Range(min = 0) int workers,
                         @Range(min = 1) int prefetchBatches) {}
