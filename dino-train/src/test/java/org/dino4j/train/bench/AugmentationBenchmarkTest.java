package org.dino4j.train.bench;

import com.google.gson.JsonObject;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A smoke run of the augmentation benchmark on a tiny recipe (speed is never asserted). */
class AugmentationBenchmarkTest {

    @Test
    void runsWithOneWorkerThenTheConfiguredCount() {
        DinoConfig config = BenchConfigs.tiny("data.workers=2");

        AugmentationBenchmark.Result r = AugmentationBenchmark.builder().setConfig(config).optImages(10)
                .optWarmupBatches(1).optWarmupSeconds(0).optSourceSize(40, 30).build().run();

        assertEquals(40, r.sourceWidth());
        assertEquals(30, r.sourceHeight());
        assertArrayEquals(new int[] {16, 16, 8, 8}, r.cropSizes());
        assertEquals(4, r.batchSize());
        assertEquals(16, r.warmupImages(), "one warm-up pass of 4 batches");
        assertTrue(r.warmupSeconds() > 0);
        assertEquals(2, r.configuredWorkers());
        assertEquals(List.of(1, 2), r.runs().stream().map(AugmentationBenchmark.Run::workers).toList());
        for (AugmentationBenchmark.Run run : r.runs()) {
            assertEquals(10, run.images(), "a partial last batch counts too");
            assertTrue(run.seconds() > 0);
            assertEquals(10 / run.seconds(), run.imagesPerSecond(), 1e-9);
            assertTrue(run.augmentSeconds() > 0);
        }
    }

    @Test
    void oneConfiguredWorkerRunsOnce() {
        AugmentationBenchmark.Result r = AugmentationBenchmark.builder()
                .setConfig(BenchConfigs.tiny("data.workers=1")).optImages(3).optWarmupBatches(0)
                .optWarmupSeconds(0).optSourceSize(20, 20).build().run();

        assertEquals(1, r.runs().size());
        assertEquals(3, r.batchSize(), "a batch is never larger than the images of a pass");
        assertEquals(0, r.warmupImages());
    }

    @Test
    void configuredWorkersDefaultToHalfTheCores() {
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                AugmentationBenchmark.configuredWorkers(BenchConfigs.tiny("data.workers=0")));
        assertEquals(3, AugmentationBenchmark.configuredWorkers(BenchConfigs.tiny("data.workers=3")));
    }

    @Test
    void jsonHoldsEveryFigure() {
        AugmentationBenchmark.Result r = new AugmentationBenchmark.Result(500, 375, new int[] {224, 224, 96}, 32, 96,
                10.5, 1, List.of(new AugmentationBenchmark.Run(1, 100, 2.0, 1.6, 1.25)));

        JsonObject j = r.toJson();

        assertEquals(List.of("source_width", "source_height", "crop_sizes", "batch_size", "warmup_images",
                "warmup_seconds", "configured_workers", "available_processors", "runs"), List.copyOf(j.keySet()));
        JsonObject run = j.getAsJsonArray("runs").get(0).getAsJsonObject();
        assertEquals(List.of("workers", "images", "seconds", "images_per_second", "augment_seconds",
                "images_per_worker_second", "cpu_seconds", "cores_busy", "images_per_cpu_second"),
                List.copyOf(run.keySet()));
        assertEquals(50.0, run.get("images_per_second").getAsDouble());
        assertEquals(80.0, run.get("images_per_worker_second").getAsDouble());
        assertEquals(0.8, run.get("cores_busy").getAsDouble(), 1e-12);
        assertEquals(62.5, run.get("images_per_cpu_second").getAsDouble());
    }

    @Test
    void syntheticImagesAreDecodedRgbOfTheRequestedSize() {
        SyntheticImages d = new SyntheticImages(6, 50, 20, 0);

        FloatImage image = d.image(5);

        assertEquals(6, d.size());
        assertEquals(List.of(3, 20, 50), List.of(image.channels(), image.height(), image.width()));
        assertEquals(-1, d.label(0));
        assertEquals(List.of(), d.classNames());
        for (float v : image.data()) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void badSettingsAreRefusedWithTheirValue() {
        DinoConfig c = BenchConfigs.tiny();
        assertEquals("images must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> AugmentationBenchmark.builder().setConfig(c).optImages(0).build()).getMessage());
        assertEquals("warmupBatches must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> AugmentationBenchmark.builder().setConfig(c).optWarmupBatches(-1).build()).getMessage());
        assertEquals("warmupSeconds must be >= 0, got NaN", assertThrows(IllegalArgumentException.class,
                () -> AugmentationBenchmark.builder().setConfig(c).optWarmupSeconds(Double.NaN).build()).getMessage());
        assertEquals("the source image size must be at least 1x1, got 0x375", assertThrows(
                IllegalArgumentException.class,
                () -> AugmentationBenchmark.builder().setConfig(c).optSourceSize(0, 375).build()).getMessage());
    }
}
