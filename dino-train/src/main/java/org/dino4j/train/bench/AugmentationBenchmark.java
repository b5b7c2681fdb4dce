package org.dino4j.train.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.data.MultiCropBatch;
import org.dino4j.train.data.MultiCropLoader;
import org.dino4j.train.loop.DataFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Throughput of the configured multi-crop augmentation through the training data loader ({@link MultiCropLoader}:
 * worker threads, batches, prefetching), on synthetic already-decoded RGB images, so image decoding is not counted.
 * By default the images are 500 x 375, the size of a typical ImageNet photograph.
 *
 * <p>It runs once with 1 worker and once with the worker count training would use ({@code data.workers}; 0 = half
 * the cores, as the trainer resolves it), and reports for each the images per second of wall time, per second of
 * CPU time used by the whole process (the rate per core used, everything included: the consumer thread allocates
 * every batch's arrays, and garbage collection and compilation run on other threads), and per second of one
 * worker's augmentation time (the augmentation alone).
 */
public final class AugmentationBenchmark {

    /** Source image width used by {@code dino bench --augment} (a typical ImageNet photograph). */
    public static final int DEFAULT_WIDTH = 500;
    /** Source image height used by {@code dino bench --augment}. */
    public static final int DEFAULT_HEIGHT = 375;
    /** Warm-up time used by {@code dino bench --augment}, seconds. */
    public static final double DEFAULT_WARMUP_SECONDS = 10;
    /** Batches per warm-up pass (the warm-up repeats passes until its images and its time are reached). */
    private static final int WARMUP_PASS_BATCHES = 4;

    /**
     * One timed pass.
     *
     * @param workers loader worker threads
     * @param images images augmented
     * @param seconds wall time from the first request to the last batch
     * @param cpuSeconds CPU time the process used meanwhile (all threads: workers, the consumer that allocates the
     *     batches, garbage collection, compilation), NaN where the JVM does not report it
     * @param augmentSeconds time the workers spent augmenting, summed over the workers (the loader's own count)
     */
    public record Run(int workers, int images, double seconds, double cpuSeconds, double augmentSeconds) {

        /** Images per second of wall time. */
        public double imagesPerSecond() {
            return images / seconds;
        }

        /** Cores kept busy on average: CPU time over wall time. */
        public double coresBusy() {
            return cpuSeconds / seconds;
        }

        /** Images per second of the process's CPU time: the rate per core used, everything included. */
        public double imagesPerCpuSecond() {
            return images / cpuSeconds;
        }

        /** Images per second of one worker thread, counting only the augmentation itself. */
        public double imagesPerWorkerSecond() {
            return images / augmentSeconds;
        }
    }

    /**
     * The measurements.
     *
     * @param sourceWidth width of the synthetic source images
     * @param sourceHeight height of the synthetic source images
     * @param cropSizes the side of every crop of an image, global crops first
     * @param batchSize images per batch
     * @param warmupImages images augmented before the timed passes (so that the JIT compiler has optimised the code)
     * @param warmupSeconds wall time of the warm-up
     * @param configuredWorkers the worker count training would use
     * @param runs the timed passes, 1 worker first
     */
    public record Result(int sourceWidth, int sourceHeight, int[] cropSizes, int batchSize, int warmupImages,
                         double warmupSeconds, int configuredWorkers, List<Run> runs) {

        /** The figures as JSON, snake_case keys. */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("source_width", sourceWidth);
            o.addProperty("source_height", sourceHeight);
            JsonArray sizes = new JsonArray();
            for (int s : cropSizes) {
                sizes.add(s);
            }
            o.add("crop_sizes", sizes);
            o.addProperty("batch_size", batchSize);
            o.addProperty("warmup_images", warmupImages);
            o.addProperty("warmup_seconds", warmupSeconds);
            o.addProperty("configured_workers", configuredWorkers);
            o.addProperty("available_processors", Runtime.getRuntime().availableProcessors());
            JsonArray a = new JsonArray();
            for (Run r : runs) {
                JsonObject j = new JsonObject();
                j.addProperty("workers", r.workers());
                j.addProperty("images", r.images());
                j.addProperty("seconds", r.seconds());
                j.addProperty("images_per_second", r.imagesPerSecond());
                j.addProperty("augment_seconds", r.augmentSeconds());
                j.addProperty("images_per_worker_second", r.imagesPerWorkerSecond());
                if (Double.isFinite(r.cpuSeconds())) {
                    j.addProperty("cpu_seconds", r.cpuSeconds());
                    j.addProperty("cores_busy", r.coresBusy());
                    j.addProperty("images_per_cpu_second", r.imagesPerCpuSecond());
                } else {
                    j.add("cpu_seconds", JsonNull.INSTANCE);
                    j.add("cores_busy", JsonNull.INSTANCE);
                    j.add("images_per_cpu_second", JsonNull.INSTANCE);
                }
                a.add(j);
            }
            o.add("runs", a);
            return o;
        }
    }

    private final DinoConfig config;
    private final int images;
    private final int warmupBatches;
    private final double warmupSeconds;
    private final int width;
    private final int height;

    private AugmentationBenchmark(Builder b) {
        this.config = b.config;
        this.images = b.images;
        this.warmupBatches = b.warmupBatches;
        this.warmupSeconds = b.warmupSeconds;
        this.width = b.width;
        this.height = b.height;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The worker count training uses for a configuration: {@code data.workers}, or half the available cores (at
     * least 1) when it is 0, leaving the other cores to the training step.
     *
     * @param config the configuration
     * @return worker threads
     */
    public static int configuredWorkers(DinoConfig config) {
        return DataFactory.workers(config.data());
    }

    /**
     * Warms up, then times one pass over {@code images} images per worker count.
     *
     * <p>The warm-up matters: the JIT compiler optimises the per-crop code only after thousands of calls, and until
     * then the rate is lower by a third or more at small crop sizes.
     *
     * @return the measurements
     */
    public Result run() {
        MultiCropAugmentation augmentation = new MultiCropAugmentation(DataFactory.augmentation(config.crops()));
        int[] sizes = new int[augmentation.cropCount()];
        for (int k = 0; k < sizes.length; k++) {
            sizes[k] = augmentation.cropSize(k);
        }
        int configured = configuredWorkers(config);
        int batch = Math.min(config.optim().batchSize(), images);
        long start = System.nanoTime();
        long deadline = start + (long) (warmupSeconds * 1e9);
        int warmupImages = 0;
        while (warmupImages < warmupBatches * batch || System.nanoTime() < deadline) {
            warmupImages += pass(augmentation, WARMUP_PASS_BATCHES * batch, batch, configured).images();
        }
        double warmedSeconds = (System.nanoTime() - start) / 1e9;
        List<Run> runs = new ArrayList<>();
        runs.add(pass(augmentation, images, batch, 1));
        if (configured != 1) {
            runs.add(pass(augmentation, images, batch, configured));
        }
        return new Result(width, height, sizes, batch, warmupImages, warmedSeconds, configured, List.copyOf(runs));
    }

    private Run pass(MultiCropAugmentation augmentation, int n, int batch, int workers) {
        SyntheticImages dataset = new SyntheticImages(n, width, height, config.seed());
        try (MultiCropLoader loader = MultiCropLoader.builder()
                .setDataset(dataset)
                .setAugmentation(augmentation)
                .setBatchSize(batch)
                .optWorkers(workers)
                .optPrefetchBatches(config.data().prefetchBatches())
                .optSeed(config.seed())
                .optShuffle(false)
                .optDropLast(false)
                .build()) {
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            int seen = 0;
            try (MultiCropLoader.Epoch epoch = loader.epoch(0)) {
                while (epoch.hasNext()) {
                    MultiCropBatch b = epoch.next();
                    seen += b.size();
                    loader.recycle(b); // as the trainer does once the batch is in engine arrays
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long cpu1 = processCpuNanos();
            double cpu = cpu0 >= 0 && cpu1 >= 0 ? (cpu1 - cpu0) / 1e9 : Double.NaN;
            return new Run(workers, seen, seconds, cpu, loader.stats().augmentSeconds());
        }
    }

    /** CPU time of the whole process in nanoseconds, or -1 where the JVM does not report it. */
    private static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /**
     * Builds an {@link AugmentationBenchmark}: {@code setConfig} is required; by default 1024 images per pass after
     * a warm-up of at least 3 batches and 10 seconds, from 500 x 375 RGB images.
     */
    public static final class Builder {
        private DinoConfig config;
        private int images = 1024;
        private int warmupBatches = 3;
        private double warmupSeconds = DEFAULT_WARMUP_SECONDS;
        private int width = DEFAULT_WIDTH;
        private int height = DEFAULT_HEIGHT;

        private Builder() {}

        /** The configuration: crops, {@code data.workers}, {@code data.prefetch_batches}, batch size (required). */
        public Builder setConfig(DinoConfig config) {
            this.config = config;
            return this;
        }

        /** Images per timed pass (default 1024, {@code >= 1}). */
        public Builder optImages(int images) {
            this.images = images;
            return this;
        }

        /** Batches augmented at least before the timed passes (default 3, {@code >= 0}). */
        public Builder optWarmupBatches(int warmupBatches) {
            this.warmupBatches = warmupBatches;
            return this;
        }

        /** Seconds spent augmenting at least before the timed passes (default 10, {@code >= 0}). */
        public Builder optWarmupSeconds(double warmupSeconds) {
            this.warmupSeconds = warmupSeconds;
            return this;
        }

        /** Size of the synthetic source images in pixels (default 500 x 375). */
        public Builder optSourceSize(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /** Validates the settings. */
        public AugmentationBenchmark build() {
            Objects.requireNonNull(config, "setConfig(...) is required");
            if (images < 1) {
                throw new IllegalArgumentException("images must be >= 1, got " + images);
            }
            if (warmupBatches < 0) {
                throw new IllegalArgumentException("warmupBatches must be >= 0, got " + warmupBatches);
            }
            if (!(warmupSeconds >= 0 && Double.isFinite(warmupSeconds))) {
                throw new IllegalArgumentException("warmupSeconds must be >= 0, got " + warmupSeconds);
            }
            if (width < 1 || height < 1) {
                throw new IllegalArgumentException("the source image size must be at least 1x1, got " + width + "x"
                        + height);
            }
            return new AugmentationBenchmark(this);
        }
    }
}
