package org.dino4j.core.interop;

import org.dino4j.core.io.TorchTensor;

import java.util.Objects;

/**
 * The AdamW state of one parameter in an official checkpoint.
 *
 * @param step the number of updates this parameter received (torch >= 1.12 stores it as a 0-d tensor, older
 *     versions as an int; both are read)
 * @param expAvg {@code exp_avg}, the first moment, shaped like the parameter
 * @param expAvgSq {@code exp_avg_sq}, the second moment, shaped like the parameter
 */
public record AdamMoments(long step, TorchTensor expAvg, TorchTensor expAvgSq) {

    /** Checks that both moments are present. */
    public AdamMoments {
        Objects.requireNonNull(expAvg, "expAvg");
        Objects.requireNonNull(expAvgSq, "expAvgSq");
    }
}
