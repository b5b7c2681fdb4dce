package org.dino4j.train.config;

import java.util.List;

/**
 * Weighted k-NN evaluation during training ({@code eval}), on the sets of {@link DataConfig#eval()}.
 *
 * @param knnEpochs epochs after which to evaluate (0 = before training, at random initialisation); empty = never
 * @param knnK the neighbour counts k to report (the paper reports 20)
 * @param knnTemperature temperature T of the neighbour vote weights exp(similarity / T)
 */
public record EvalConfig(@Range(min = 0) List<Integer> knnEpochs,
                         @Size(min = 1) @Range(min = 1) List<Integer> knnK,
                         @Range(min = 0, minExclusive = true) double knnTemperature) {

    public EvalConfig {
        // copies, so that the record is immutable
        knnEpochs = List.copyOf(knnEpochs);
        knnK = List.copyOf(knnK);
    }
}
