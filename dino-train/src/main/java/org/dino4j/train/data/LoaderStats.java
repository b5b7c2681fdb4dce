package org.dino4j.train.data;

/**
 * Counters of a {@link MultiCropLoader} since it was built. Worker times are summed over all workers, so
 * {@link #augmentImagesPerSecond()} is the throughput of one core; the consumer's {@code waitSeconds} is the time the
 * training loop spent blocked on data (ideally close to 0).
 *
 * @param images samples decoded and augmented
 * @param batches batches delivered to the consumer
 * @param decodeSeconds worker time spent decoding images
 * @param augmentSeconds worker time spent augmenting
 * @param waitSeconds consumer time spent waiting for batches
 * @param substituted samples replaced because their file was unreadable
 */
public record LoaderStats(long images, long batches, double decodeSeconds, double augmentSeconds, double waitSeconds,
        long substituted) {

    /** Augmentation throughput of one worker thread, images per second (decode excluded). */
    public double augmentImagesPerSecond() {
        return augmentSeconds > 0 ? images / augmentSeconds : 0;
    }

    /** Decode plus augmentation throughput of one worker thread, images per second. */
    public double imagesPerWorkerSecond() {
        double busy = decodeSeconds + augmentSeconds;
        return busy > 0 ? images / busy : 0;
    }
}
