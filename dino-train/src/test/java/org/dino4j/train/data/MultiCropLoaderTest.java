package org.dino4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.dino4j.train.augment.MultiCropConfig;
import org.junit.jupiter.api.Test;

class MultiCropLoaderTest {

    private static final MultiCropAugmentation AUG = new MultiCropAugmentation(MultiCropConfig.dino()
            .withSizes(8, 4, 3));

    private static MultiCropLoader.Builder builder(ImageDataset ds, int batch) {
        return MultiCropLoader.builder().setDataset(ds).setAugmentation(AUG).setBatchSize(batch).optSeed(7);
    }

    private static List<MultiCropBatch> all(MultiCropLoader loader, int epoch) {
        List<MultiCropBatch> out = new ArrayList<>();
        try (MultiCropLoader.Epoch e = loader.epoch(epoch)) {
            while (e.hasNext()) {
                out.add(e.next());
            }
        }
        return out;
    }

    @Test
    void recycledArraysAreReusedAndGiveTheSameBatches() {
        List<float[][]> expected = new ArrayList<>();
        try (MultiCropLoader plain = builder(new InMemoryDataset(13, 12, 3), 3).optWorkers(2).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                for (MultiCropBatch b : all(plain, epoch)) {
                    float[][] copy = new float[b.crops().size()][];
                    for (int k = 0; k < copy.length; k++) {
                        copy[k] = b.crop(k).data().clone();
                    }
                    expected.add(copy);
                }
            }
        }
        try (MultiCropLoader loader = builder(new InMemoryDataset(13, 12, 3), 3).optWorkers(2)
                .optPrefetchBatches(1).build()) {
            java.util.Set<float[]> handedBack = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            int reused = 0;
            int i = 0;
            for (int epoch = 0; epoch < 2; epoch++) {
                try (MultiCropLoader.Epoch e = loader.epoch(epoch)) {
                    while (e.hasNext()) {
                        MultiCropBatch b = e.next();
                        for (int k = 0; k < b.crops().size(); k++) {
                            assertArrayEquals(expected.get(i)[k], b.crop(k).data(), "batch " + i + " crop " + k);
                        }
                        if (handedBack.contains(b.crop(0).data())) {
                            reused++;
                        }
                        handedBack.add(b.crop(0).data());
                        loader.recycle(b);
                        i++;
                    }
                }
            }
            assertEquals(expected.size(), i);
            assertTrue(reused > 0, "recycled arrays were used again");
        }
    }

    @Test
    void dropsTheLastPartialBatch() {
        try (MultiCropLoader loader = builder(new InMemoryDataset(10, 12, 3), 3).optWorkers(2).build()) {
            assertEquals(3, loader.batchesPerEpoch());
            List<MultiCropBatch> batches = all(loader, 0);
            assertEquals(3, batches.size());
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < 3; b++) {
                MultiCropBatch batch = batches.get(b);
                assertEquals(b, batch.index());
                assertEquals(0, batch.epoch());
                assertEquals(3, batch.size());
                assertEquals(5, batch.crops().size());
                assertArrayEquals(new long[] {3, 3, 8, 8}, batch.crop(1).shape());
                assertArrayEquals(new long[] {3, 3, 4, 4}, batch.crop(4).shape());
                for (int i = 0; i < 3; i++) {
                    seen.add(batch.sampleIndices()[i]);
                    assertEquals(batch.sampleIndices()[i] % 3, batch.labels()[i]);
                }
            }
            assertEquals(9, seen.size());
            assertEquals(9, loader.stats().images());
            assertEquals(3, loader.stats().batches());
        }
    }

    @Test
    void keepsTheLastPartialBatchWhenAsked() {
        try (MultiCropLoader loader = builder(new InMemoryDataset(10, 12, 3), 3).optDropLast(false)
                .optShuffle(false).build()) {
            List<MultiCropBatch> batches = all(loader, 0);
            assertEquals(4, batches.size());
            assertArrayEquals(new int[] {9}, batches.get(3).sampleIndices());
            assertArrayEquals(new long[] {1, 3, 8, 8}, batches.get(3).crop(0).shape());
        }
    }

    @Test
    void batchesFollowTheEpochOrder() {
        try (MultiCropLoader loader = builder(new InMemoryDataset(12, 12, 3), 4).optWorkers(3).build()) {
            int[] order;
            List<MultiCropBatch> batches = new ArrayList<>();
            try (MultiCropLoader.Epoch e = loader.epoch(2)) {
                order = e.order();
                while (e.hasNext()) {
                    batches.add(e.next());
                }
                assertThrows(NoSuchElementException.class, e::next);
            }
            assertFalse(Arrays.equals(order, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), "not shuffled");
            for (int b = 0; b < batches.size(); b++) {
                assertArrayEquals(Arrays.copyOfRange(order, 4 * b, 4 * b + 4), batches.get(b).sampleIndices());
            }
            try (MultiCropLoader.Epoch other = loader.epoch(3)) {
                assertFalse(Arrays.equals(order, other.order()), "each epoch has its own shuffle");
            }
        }
    }

    @Test
    void samplesAreTheAugmentationOfTheirOwnStream() {
        InMemoryDataset ds = new InMemoryDataset(6, 12, 3);
        try (MultiCropLoader loader = builder(ds, 3).optWorkers(2).build()) {
            MultiCropBatch batch = all(loader, 1).get(1);
            int slot = 2;
            int index = batch.sampleIndices()[slot];
            float[][] expected = AUG.apply(ds.image(index), RandomStreams.forSample(7, 1, index));
            for (int k = 0; k < expected.length; k++) {
                int len = expected[k].length;
                assertArrayEquals(expected[k], Arrays.copyOfRange(batch.crop(k).data(), slot * len, slot * len + len));
            }
        }
    }

    @Test
    void sameBatchesWithOneOrThreeWorkers() {
        InMemoryDataset ds = new InMemoryDataset(23, 12, 4);
        try (MultiCropLoader one = builder(ds, 5).optWorkers(1).optPrefetchBatches(1).build();
                MultiCropLoader three = builder(ds, 5).optWorkers(3).optPrefetchBatches(3).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<MultiCropBatch> a = all(one, epoch);
                List<MultiCropBatch> b = all(three, epoch);
                assertEquals(4, a.size());
                assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(a.get(i).sampleIndices(), b.get(i).sampleIndices());
                    assertArrayEquals(a.get(i).labels(), b.get(i).labels());
                    for (int k = 0; k < AUG.cropCount(); k++) {
                        assertArrayEquals(a.get(i).crop(k).data(), b.get(i).crop(k).data(),
                                "epoch " + epoch + " batch " + i + " crop " + k);
                    }
                }
            }
            assertNotEquals(Arrays.toString(all(one, 0).get(0).sampleIndices()),
                    Arrays.toString(all(one, 1).get(0).sampleIndices()));
        }
    }

    @Test
    void resumingInTheMiddleGivesTheSameBatches() {
        InMemoryDataset ds = new InMemoryDataset(12, 12, 3);
        try (MultiCropLoader loader = builder(ds, 4).build()) {
            List<MultiCropBatch> full = all(loader, 5);
            try (MultiCropLoader.Epoch e = loader.epoch(5, 1)) {
                MultiCropBatch second = e.next();
                assertEquals(1, second.index());
                assertArrayEquals(full.get(1).sampleIndices(), second.sampleIndices());
                assertArrayEquals(full.get(1).crop(2).data(), second.crop(2).data());
            }
        }
    }

    @Test
    void workerExceptionReachesTheConsumerWithItsCause() {
        IllegalStateException boom = new IllegalStateException("boom");
        InMemoryDataset ds = new InMemoryDataset(8, 12, 3, i -> {
            if (i == 5) {
                throw boom;
            }
        });
        try (MultiCropLoader loader = builder(ds, 2).optShuffle(false).optWorkers(2).build();
                MultiCropLoader.Epoch e = loader.epoch(0)) {
            e.next();
            e.next();
            LoaderException thrown = assertThrows(LoaderException.class, e::next);
            assertEquals("loading sample 5 (epoch 0, batch 2) failed: java.lang.IllegalStateException: boom",
                    thrown.getMessage());
            assertTrue(thrown.getCause() == boom, "cause is the worker's exception");
            assertFalse(e.hasNext(), "a failed epoch ends");
        }
    }

    @Test
    void unreadableSamplesAreReplacedByTheNextOne() {
        InMemoryDataset ds = new InMemoryDataset(6, 12, 3, i -> {
            if (i == 1 || i == 2) {
                throw new UnreadableImageException(Path.of("img" + i + ".jpg"), "corrupt", null);
            }
        });
        try (MultiCropLoader loader = builder(ds, 3).optShuffle(false).optWorkers(2).build()) {
            List<MultiCropBatch> batches = all(loader, 0);
            assertArrayEquals(new int[] {0, 3, 3}, batches.get(0).sampleIndices());
            assertArrayEquals(new int[] {0, 0, 0}, batches.get(0).labels());
            assertEquals(2, loader.stats().substituted());
            // The replacement of sample 2 is augmented with sample 2's randomness, so it is not a duplicate view.
            assertFalse(Arrays.equals(Arrays.copyOfRange(batches.get(0).crop(0).data(), 192, 384),
                    Arrays.copyOfRange(batches.get(0).crop(0).data(), 384, 576)));
        }
    }

    @Test
    void aDatasetOfUnreadableFilesFailsClearly() {
        InMemoryDataset ds = new InMemoryDataset(4, 12, 3, i -> {
            throw new UnreadableImageException(Path.of("img" + i + ".jpg"), "corrupt", null);
        });
        // One worker, so sample 0 is the first to fail.
        try (MultiCropLoader loader = builder(ds, 2).optShuffle(false).optWorkers(1).build();
                MultiCropLoader.Epoch e = loader.epoch(0)) {
            LoaderException thrown = assertThrows(LoaderException.class, e::next);
            assertTrue(thrown.getMessage().startsWith("loading sample 0 (epoch 0, batch 0) failed: it and the 3 "
                    + "samples after it are unreadable; last error: cannot decode image img3.jpg: corrupt"),
                    thrown.getMessage());
            assertInstanceOf(UnreadableImageException.class, thrown.getCause());
        }
    }

    @Test
    void closingMidEpochReturnsQuickly() {
        InMemoryDataset slow = new InMemoryDataset(40, 12, 3, i -> sleep(200));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            MultiCropLoader loader = builder(slow, 4).optWorkers(2).optPrefetchBatches(4).build();
            MultiCropLoader.Epoch e = loader.epoch(0);
            loader.close();
            assertFalse(e.hasNext());
            assertThrows(NoSuchElementException.class, e::next);
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> loader.epoch(1));
            assertEquals("the loader is closed", closed.getMessage());
            loader.close();
        });
    }

    @Test
    void closeFromAnotherThreadWakesTheConsumer() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        InMemoryDataset slow = new InMemoryDataset(8, 12, 3, i -> {
            started.countDown();
            sleep(5000);
        });
        MultiCropLoader loader = builder(slow, 4).optWorkers(1).build();
        MultiCropLoader.Epoch e = loader.epoch(0);
        AtomicReference<Throwable> consumerError = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                e.next();
            } catch (Throwable t) {
                consumerError.set(t);
            }
        });
        consumer.start();
        started.await();
        awaitBlocked(consumer);
        long t0 = System.nanoTime();
        loader.close();
        consumer.join(10_000);
        assertFalse(consumer.isAlive(), "the consumer hangs after close");
        assertTrue(System.nanoTime() - t0 < 9e9);
        assertInstanceOf(LoaderException.class, consumerError.get());
        assertEquals("epoch 0 was closed while waiting for batch 0", consumerError.get().getMessage());
    }

    @Test
    void interruptWhileWaitingEndsTheEpoch() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        InMemoryDataset slow = new InMemoryDataset(8, 12, 3, i -> {
            started.countDown();
            sleep(2000);
        });
        try (MultiCropLoader loader = builder(slow, 4).optWorkers(1).build()) {
            MultiCropLoader.Epoch e = loader.epoch(0);
            AtomicReference<Throwable> error = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    e.next();
                } catch (Throwable t) {
                    error.set(t);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            consumer.start();
            started.await();
            awaitBlocked(consumer);
            consumer.interrupt();
            consumer.join(10_000);
            assertEquals("interrupted while waiting for batch 0 of epoch 0", error.get().getMessage());
            assertInstanceOf(InterruptedException.class, error.get().getCause());
            assertTrue(flag.get(), "the interrupt flag is restored");
            assertFalse(e.hasNext());
        }
    }

    @Test
    void builderValidatesItsSettings() {
        InMemoryDataset ds = new InMemoryDataset(5, 12, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder(ds, 8).build());
        assertEquals("the dataset has 5 samples, fewer than one batch of 8; with drop-last every epoch would be "
                + "empty. Use a batch size <= 5 or optDropLast(false)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(ds, 0).build());
        assertEquals("setBatchSize(...) is required and must be positive, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(ds, 2).optWorkers(0).build());
        assertEquals("workers must be positive, got 0", e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> MultiCropLoader.builder().setAugmentation(AUG).setBatchSize(2).build());
        assertEquals("setDataset(...) is required", npe.getMessage());
        try (MultiCropLoader loader = builder(ds, 2).build()) {
            e = assertThrows(IllegalArgumentException.class, () -> loader.epoch(0, 3));
            assertEquals("firstBatch must be in [0, 2], got 3", e.getMessage());
        }
    }

    @Test
    void seedsDifferPerEpochAndIndex() {
        Set<Long> seeds = new HashSet<>();
        for (int epoch = 0; epoch < 10; epoch++) {
            for (int index = 0; index < 1000; index++) {
                seeds.add(RandomStreams.forSample(0, epoch, index).nextLong());
            }
        }
        assertEquals(10_000, seeds.size());
        assertEquals(RandomStreams.forSample(3, 1, 2).nextLong(), RandomStreams.forSample(3, 1, 2).nextLong());
    }

    /** Waits until {@code t} blocks (in {@code next()}), so that the test acts while it waits for a batch. */
    private static void awaitBlocked(Thread t) throws InterruptedException {
        for (int i = 0; i < 1000 && t.getState() != Thread.State.WAITING; i++) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.WAITING, t.getState());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
