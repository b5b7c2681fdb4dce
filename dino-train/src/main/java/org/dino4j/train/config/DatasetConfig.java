package org.dino4j.train.config;

import java.nio.file.Path;

/**
 * The self-supervised training images ({@code data.train}); labels, if any, are ignored.
 *
 * @param type the dataset layout
 * @param path where the dataset is (a relative path is resolved against the working directory); {@code null} until
 *     set by an experiment file or {@code --set data.train.path=DIR}
 * @param perClassLimit use at most this many images per class (0 = all), for quick experiments
 */
public record DatasetConfig(DatasetType type, @Nullable Path path, @Range(min = 0) int perClassLimit) {}
