package org.dino4j.train.loop;

/** The loss became NaN or infinite; training stops before any weight is changed by that step. */
public final class NonFiniteLossException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param iteration the global iteration
     * @param epoch the epoch
     * @param value the loss value
     */
    public NonFiniteLossException(long iteration, int epoch, double value) {
        super("loss is " + value + " at iteration " + iteration + " (epoch " + epoch + "); training stopped before "
                + "this step changed any weight. Likely causes: a learning rate too high for the batch size (lower "
                + "optim.lr or raise optim.warmup_epochs), clipping disabled (optim.clip_grad 0), a teacher "
                + "temperature so low that exp overflows, or NaN/inf pixels in the input data.");
    }
}
