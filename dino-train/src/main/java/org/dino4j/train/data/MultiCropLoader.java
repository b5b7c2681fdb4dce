package org.dino4j.train.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iterates a dataset in batches of multi-crop views, decoding and augmenting in worker threads.
 *
 * <p>Each epoch visits the samples in a seeded random order (or in dataset order without shuffling) and, like the
 * official {@code DataLoader(drop_last=True)}, drops the last partial batch unless told otherwise. Workers fill up to
 * {@code prefetchBatches} batches ahead of the consumer, so the training step rarely waits and memory stays bounded.
 * Every sample's augmentation draws from its own generator, derived from (seed, epoch, sample index) by
 * {@link RandomStreams}: the batches are bit-identical for any number of workers and any thread timing, and they are
 * delivered in order.
 *
 * <p>A sample whose file is unreadable ({@link UnreadableImageException}) is replaced by the next readable sample in
 * dataset order (index + 1, + 2, ..., wrapping around), so batches stay full and deterministic; replacements are
 * counted in {@link LoaderStats#substituted()}. Any other worker failure ends the epoch and is rethrown to the
 * consumer as a {@link LoaderException} with the original exception as its cause.
 *
 * <p>One consumer thread uses the loader. Closing it stops the workers without waiting for queued work; it never
 * blocks for more than a few seconds.
 *
 * <pre>{@code
 * try (MultiCropLoader loader = MultiCropLoader.builder().setDataset(ds).setAugmentation(aug).setBatchSize(64)
 *         .optWorkers(4).optSeed(0).build()) {
 *     for (int e = 0; e < epochs; e++) {
 *         try (MultiCropLoader.Epoch epoch = loader.epoch(e)) {
 *             while (epoch.hasNext()) {
 *                 MultiCropBatch batch = epoch.next();
 *                 // batch.crop(k).data() is [B, 3, H, W]
 *             }
 *         }
 *     }
 * }
 * }</pre>
 */
public final class MultiCropLoader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultiCropLoader.class);
    private static final AtomicInteger POOL_COUNTER = new AtomicInteger();
    /** Most consecutive unreadable samples tried before the loader gives up on a sample. */
    static final int MAX_REPLACEMENT_ATTEMPTS = 100;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final ImageDataset dataset;
    private final MultiCropAugmentation augmentation;
    private final int batchSize;
    private final int workers;
    private final int prefetchBatches;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;
    private final ThreadPoolExecutor executor;

    private final LongAdder images = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder decodeNanos = new LongAdder();
    private final LongAdder augmentNanos = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final LongAdder substituted = new LongAdder();
    // crop arrays of full batches handed back with recycle(), reused by the next batches
    private final java.util.concurrent.ConcurrentLinkedQueue<float[][]> spareCrops =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private volatile boolean closed;
    private Epoch active;

    private MultiCropLoader(Builder b) {
        this.dataset = b.dataset;
        this.augmentation = b.augmentation;
        this.batchSize = b.batchSize;
        this.workers = b.workers;
        this.prefetchBatches = b.prefetchBatches;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        int pool = POOL_COUNTER.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "dino4j-loader-" + pool + "-" + thread.incrementAndGet());
            t.setDaemon(true); // never keeps the JVM alive if a caller forgets close()
            return t;
        };
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                factory);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Batches per epoch: {@code floor(n / B)} with drop-last, else {@code ceil(n / B)}. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Samples per full batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Worker threads. */
    public int workers() {
        return workers;
    }

    /** The dataset. */
    public ImageDataset dataset() {
        return dataset;
    }

    /** The augmentation. */
    public MultiCropAugmentation augmentation() {
        return augmentation;
    }

    /** Starts epoch {@code epoch} from its first batch. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * Starts an epoch, possibly in the middle (to resume training): batches before {@code firstBatch} are skipped
     * without being computed, the others are exactly those of a full pass. Starting an epoch closes the previous one.
     *
     * @param epoch epoch number, {@code >= 0}; selects the shuffle and the augmentation randomness
     * @param firstBatch first batch to deliver, in {@code [0, batchesPerEpoch()]}
     * @return the iterator over the epoch's batches
     */
    public synchronized Epoch epoch(int epoch, int firstBatch) {
        if (closed) {
            throw new IllegalStateException("the loader is closed");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (firstBatch < 0 || firstBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("firstBatch must be in [0, " + batchesPerEpoch() + "], got "
                    + firstBatch);
        }
        if (active != null) {
            active.close();
        }
        active = new Epoch(epoch, firstBatch);
        return active;
    }

    /**
     * Hands a batch's crop arrays back for reuse by later batches. At 224/96 with 2 + 6 crops a batch of 32 holds
     * about 60 MB; reusing the arrays spares the garbage collector that much per batch. Call it once the batch's
     * values have been copied out (e.g. into engine arrays); the batch must not be read afterwards. Batches of
     * another loader or of a smaller size (the last of an epoch) are ignored.
     *
     * @param batch a batch this loader produced
     */
    public void recycle(MultiCropBatch batch) {
        if (batch.size() != batchSize || batch.crops().size() != augmentation.cropCount()
                || spareCrops.size() > prefetchBatches + 1) {
            return;
        }
        float[][] arrays = new float[batch.crops().size()][];
        for (int k = 0; k < arrays.length; k++) {
            arrays[k] = batch.crop(k).data();
            if (arrays[k].length != batchSize * augmentation.cropLength(k)) {
                return;
            }
        }
        spareCrops.add(arrays);
    }

    /** Counters since the loader was built. */
    public LoaderStats stats() {
        return new LoaderStats(images.sum(), batches.sum(), decodeNanos.sum() * 1e-9, augmentNanos.sum() * 1e-9,
                waitNanos.sum() * 1e-9, substituted.sum());
    }

    /** Stops the workers; queued work is dropped. Returns within a few seconds even if a decode hangs. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (active != null) {
                active.close();
            }
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("Loader workers still busy {} s after close; they are daemon threads and end with their "
                        + "current sample", CLOSE_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The batches of one epoch, in order. One consumer thread calls {@link #next()}; {@link #close()} (or the
     * loader's) may come from any thread and wakes a consumer that is waiting. Closing cancels the batches being
     * prepared.
     */
    public final class Epoch implements Iterator<MultiCropBatch>, AutoCloseable {

        private final int epoch;
        private final int[] order;
        private final int batchCount;
        private final ArrayDeque<PendingBatch> pending = new ArrayDeque<>();
        private int nextBatch;
        private int submitted;
        private volatile boolean cancelled;

        private Epoch(int epoch, int firstBatch) {
            this.epoch = epoch;
            int n = dataset.size();
            this.order = shuffle ? RandomStreams.permutation(n, RandomStreams.forShuffle(seed, epoch))
                    : IntStream.range(0, n).toArray();
            this.batchCount = batchesPerEpoch();
            this.nextBatch = firstBatch;
            this.submitted = firstBatch;
            topUp();
        }

        /** The epoch number. */
        public int epoch() {
            return epoch;
        }

        /** Batches in this epoch (including skipped ones when it was started in the middle). */
        public int batchCount() {
            return batchCount;
        }

        /** The dataset indices in visiting order (a copy). */
        public int[] order() {
            return order.clone();
        }

        @Override
        public boolean hasNext() {
            return !cancelled && nextBatch < batchCount;
        }

        /**
         * Waits for the next batch.
         *
         * @throws LoaderException if a worker failed (the cause is its exception) or the wait was interrupted
         * @throws NoSuchElementException after the last batch or once the epoch is closed
         */
        @Override
        public MultiCropBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException(cancelled ? "epoch " + epoch + " was closed"
                        : "epoch " + epoch + " has no batch after " + (batchCount - 1));
            }
            PendingBatch p;
            synchronized (this) {
                topUp();
                // Stays in the queue while awaited, so that close() from another thread can cancel it.
                p = pending.peek();
            }
            if (p == null) {
                throw new NoSuchElementException("epoch " + epoch + " was closed");
            }
            long t0 = System.nanoTime();
            MultiCropBatch batch;
            try {
                batch = p.future.get();
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new LoaderException("interrupted while waiting for batch " + p.index + " of epoch " + epoch, e);
            } catch (CancellationException e) {
                throw new LoaderException("epoch " + epoch + " was closed while waiting for batch " + p.index, e);
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof LoaderException && cause.getCause() != null) {
                    // Rethrown from this thread, with the worker's original exception as the cause.
                    throw new LoaderException(cause.getMessage(), cause.getCause());
                }
                throw new LoaderException("batch " + p.index + " of epoch " + epoch + " failed: " + cause, cause);
            } finally {
                waitNanos.add(System.nanoTime() - t0);
            }
            synchronized (this) {
                pending.poll();
                nextBatch++;
                batches.increment();
                topUp();
            }
            return batch;
        }

        /** Cancels the batches in preparation; workers stop after their current sample. Idempotent. */
        @Override
        public synchronized void close() {
            cancelled = true;
            for (PendingBatch p : pending) {
                p.future.cancel(false);
            }
            pending.clear();
        }

        private void topUp() {
            int limit = Math.min(batchCount, nextBatch + prefetchBatches);
            while (!cancelled && submitted < limit) {
                PendingBatch p = new PendingBatch(this, submitted++);
                pending.add(p);
                p.submit();
            }
        }
    }

    /** A batch being filled by workers; the last chunk to finish completes the future. */
    private final class PendingBatch {
        final Epoch owner;
        final int index;
        final int start;
        final int size;
        final int[] sampleIndices;
        final int[] labels;
        final float[][] crops;
        final CompletableFuture<MultiCropBatch> future = new CompletableFuture<>();
        final AtomicInteger remainingChunks = new AtomicInteger();

        PendingBatch(Epoch owner, int index) {
            this.owner = owner;
            this.index = index;
            this.start = index * batchSize;
            this.size = Math.min(batchSize, dataset.size() - start);
            this.sampleIndices = new int[size];
            this.labels = new int[size];
            float[][] spare = size == batchSize ? spareCrops.poll() : null;
            if (spare != null) {
                // every value is overwritten: each sample writes its whole slot of every crop
                this.crops = spare;
            } else {
                this.crops = new float[augmentation.cropCount()][];
                for (int k = 0; k < crops.length; k++) {
                    crops[k] = new float[size * augmentation.cropLength(k)];
                }
            }
        }

        void submit() {
            // A few chunks per worker balance uneven image sizes without per-sample task overhead.
            int chunks = Math.min(size, workers * 4);
            remainingChunks.set(chunks);
            for (int c = 0; c < chunks; c++) {
                int from = (int) ((long) size * c / chunks);
                int to = (int) ((long) size * (c + 1) / chunks);
                try {
                    executor.execute(() -> runChunk(from, to));
                } catch (RejectedExecutionException e) {
                    future.completeExceptionally(new LoaderException("the loader was closed", e));
                    return;
                }
            }
        }

        private void runChunk(int from, int to) {
            try {
                for (int j = from; j < to; j++) {
                    if (owner.cancelled || future.isDone() || Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    loadSample(j);
                }
                if (remainingChunks.decrementAndGet() == 0) {
                    future.complete(toBatch());
                }
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        }

        private void loadSample(int slot) {
            int index = owner.order[start + slot];
            String where = "loading sample " + index + " (epoch " + owner.epoch + ", batch " + this.index + ") failed: ";
            try {
                int used = index;
                long t0 = System.nanoTime();
                FloatImage image = null;
                for (int attempt = 1; image == null; attempt++) {
                    try {
                        image = dataset.image(used);
                    } catch (UnreadableImageException e) {
                        if (attempt >= Math.min(MAX_REPLACEMENT_ATTEMPTS, dataset.size())) {
                            throw new LoaderException(where + "it and the " + (attempt - 1) + " samples after it are "
                                    + "unreadable; last error: " + e.getMessage(), e);
                        }
                        if (attempt == 1) {
                            substituted.increment();
                        }
                        int replacement = (used + 1) % dataset.size();
                        LOG.debug("Sample {} is unreadable, trying {} instead", used, replacement);
                        used = replacement;
                    }
                }
                long t1 = System.nanoTime();
                augmentation.applyInto(image, RandomStreams.forSample(seed, owner.epoch, index), crops, slot);
                long t2 = System.nanoTime();
                sampleIndices[slot] = used;
                labels[slot] = dataset.label(used);
                decodeNanos.add(t1 - t0);
                augmentNanos.add(t2 - t1);
                images.increment();
            } catch (LoaderException e) {
                throw e;
            } catch (RuntimeException | Error e) {
                throw new LoaderException(where + e, e);
            }
        }

        private MultiCropBatch toBatch() {
            List<CropTensor> tensors = new ArrayList<>(crops.length);
            for (int k = 0; k < crops.length; k++) {
                int s = augmentation.cropSize(k);
                tensors.add(new CropTensor(size, 3, s, s, crops[k]));
            }
            return new MultiCropBatch(owner.epoch, index, sampleIndices, labels, tensors);
        }
    }

    /**
     * Builds a {@link MultiCropLoader}: {@code setDataset}, {@code setAugmentation} and {@code setBatchSize} are
     * required; the rest have defaults.
     */
    public static final class Builder {
        private ImageDataset dataset;
        private MultiCropAugmentation augmentation;
        private int batchSize;
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int prefetchBatches = 2;
        private long seed;
        private boolean shuffle = true;
        private boolean dropLast = true;

        private Builder() {
        }

        /** The dataset (required). */
        public Builder setDataset(ImageDataset dataset) {
            this.dataset = dataset;
            return this;
        }

        /** The augmentation (required). */
        public Builder setAugmentation(MultiCropAugmentation augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /** Samples per batch (required, {@code > 0}). */
        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Worker threads (default: available processors). */
        public Builder optWorkers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Batches prepared ahead of the consumer (default 2). */
        public Builder optPrefetchBatches(int prefetchBatches) {
            this.prefetchBatches = prefetchBatches;
            return this;
        }

        /** Seed of the shuffles and augmentations (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether each epoch visits the samples in a new random order (default true). */
        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Whether the last partial batch of an epoch is dropped (default true, as in the official code). */
        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Validates the settings and starts the worker threads. */
        public MultiCropLoader build() {
            Objects.requireNonNull(dataset, "setDataset(...) is required");
            Objects.requireNonNull(augmentation, "setAugmentation(...) is required");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("setBatchSize(...) is required and must be positive, got "
                        + batchSize);
            }
            if (workers <= 0) {
                throw new IllegalArgumentException("workers must be positive, got " + workers);
            }
            if (prefetchBatches <= 0) {
                throw new IllegalArgumentException("prefetchBatches must be positive, got " + prefetchBatches);
            }
            if (dataset.size() == 0) {
                throw new IllegalArgumentException("the dataset is empty");
            }
            if (dropLast && dataset.size() < batchSize) {
                throw new IllegalArgumentException("the dataset has " + dataset.size() + " samples, fewer than one "
                        + "batch of " + batchSize + "; with drop-last every epoch would be empty. Use a batch size <= "
                        + dataset.size() + " or optDropLast(false)");
            }
            return new MultiCropLoader(this);
        }
    }
}
