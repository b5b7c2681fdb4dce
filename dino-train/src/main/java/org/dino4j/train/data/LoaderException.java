package org.dino4j.train.data;

/**
 * A failure of the data pipeline, thrown to the consumer of {@link MultiCropLoader}: a worker's exception (kept as the
 * cause), a sample that could not be replaced, or an interrupt while waiting for a batch.
 */
public final class LoaderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the epoch, batch and sample
     * @param cause the original exception
     */
    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
