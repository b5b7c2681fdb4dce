package org.dino4j.train.config;

import java.nio.file.Path;

/**
 * The labelled images of the k-NN evaluation ({@code data.eval}): the memory bank and the queries classified by
 * their nearest neighbours in it. Unset (both paths {@code null}) when the run does no k-NN evaluation. Relative
 * paths are resolved against the working directory.
 *
 * @param type the dataset layout of both sets
 * @param trainPath the labelled memory bank (e.g. the training split)
 * @param testPath the queries (e.g. the test split)
 * @param perClassLimit use at most this many images per class of each set (0 = all)
 */
public record EvalDataConfig(DatasetType type, @Nullable Path trainPath, @Nullable Path testPath,
                             @Range(min = 0) int perClassLimit) {

    /** Whether both sets are given, i.e. k-NN evaluation is possible. */
    public boolean isConfigured() {
        return trainPath != null && testPath != null;
    }
}
