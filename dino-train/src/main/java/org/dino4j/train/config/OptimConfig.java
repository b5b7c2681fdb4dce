package org.dino4j.train.config;

/**
 * Optimisation of the student ({@code optim}): AdamW with a linear-warm-up cosine learning rate, a cosine weight
 * decay that rises, per-tensor gradient clipping and the last head layer frozen for the first epochs.
 *
 * @param batchSize images per iteration (each yields {@code 2 + local_count} crops)
 * @param epochs training epochs
 * @param lr base learning rate for a batch of 256; the peak is {@link #scaledLr()}
 * @param minLr learning rate at the end of the cosine decay
 * @param warmupEpochs epochs of linear learning-rate warm-up from 0
 * @param weightDecay weight decay at the first iteration (not applied to biases and norm parameters)
 * @param weightDecayEnd weight decay at the last iteration
 * @param clipGrad largest l2 norm of each parameter tensor's gradient (0 = no clipping)
 * @param freezeLastLayer epochs during which the head's last layer is not updated
 * @param betas AdamW moment decay rates
 * @param eps AdamW denominator epsilon
 */
public record OptimConfig(@Range(min = 2) int batchSize,
                          @Range(min = 1) int epochs,
                          @Range(min = 0) double lr,
                          @Range(min = 0) double minLr,
                          @Range(min = 0) int warmupEpochs,
                          @Range(min = 0) double weightDecay,
                          @Range(min = 0) double weightDecayEnd,
                          @Range(min = 0) double clipGrad,
                          @Range(min = 0) int freezeLastLayer,
                          AdamBetas betas,
                          @Range(min = 0, minExclusive = true) double eps) {

    /** The peak learning rate, {@code lr * batchSize / 256} (the linear scaling rule of the paper). */
    public double scaledLr() {
        return lr * batchSize / 256.0;
    }
}
