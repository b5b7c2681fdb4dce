package org.dino4j.train.bench;

import com.google.gson.JsonObject;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.TrainingFlops;
import org.dino4j.train.loop.NativeRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A smoke run of the step benchmark on a tiny model: its figures are consistent (speed is never asserted). */
class StepBenchmarkTest {

    @Test
    void smokeRunReportsConsistentFiguresAndFlatMemory() {
        DinoConfig config = BenchConfigs.tiny();

        StepBenchmark.Result r = StepBenchmark.builder().setConfig(config).optWarmup(2).optSteps(3)
                .optMemoryEvery(2).optGemm(32, 2).build().run();

        assertEquals("dino", r.objective());
        assertEquals(4, r.batchSize());
        assertArrayEquals(new int[] {16, 16, 8, 8}, r.cropSizes());
        assertEquals(2, r.warmupSteps());
        assertEquals(3, r.stepMillis().length);
        for (double ms : r.stepMillis()) {
            assertTrue(ms > 0, "step time " + ms);
        }
        assertEquals(Stats.median(r.stepMillis()), r.medianMillis());
        assertEquals(4 / (r.medianMillis() / 1000), r.imagesPerSecond(), 1e-9);
        assertEquals(TrainingFlops.of(config).modelPerStep() / 1e9, r.gflopPerStep());
        assertEquals(r.gflopPerStep() / (r.medianMillis() / 1000), r.achievedGflops(), 1e-9);
        assertEquals(r.achievedGflops() / r.gemm().bestGflops(), r.mfu(), 1e-12);
        assertEquals(TrainingFlops.of(config).perStep() / 1e9, r.runGflopPerStep());
        assertEquals(r.runGflopPerStep() / (r.medianMillis() / 1000), r.runGflops(), 1e-9);
        assertEquals(r.runGflops() / r.gemm().bestGflops(), r.hfu(), 1e-12);
        // the last block computes the CLS token alone: the step runs fewer products than the model counts
        assertTrue(r.mfu() > r.hfu());
        assertEquals(32, r.gemm().size());
        assertEquals(1, r.intraOpThreads());
        assertEquals(1, r.batchParts(), "one intra-op thread: the batch runs whole");
        // every step frees what it made: the weights, optimiser and centre states are all that stays
        assertEquals(r.liveArraysAfterWarmup(), r.liveArraysAtEnd());
        assertTrue(r.liveArraysAtEnd() > 0);
        // samples after steps 2 and 4 and after the last (5)
        assertEquals(List.of(2, 4, 5), r.memorySamples().stream().map(StepBenchmark.MemorySample::step).toList());
        r.memorySamples().forEach(s -> assertEquals(r.liveArraysAtEnd(), s.liveArrays()));
        // the crops of every step are copied into direct buffers (at least until a garbage collection frees them)
        r.memorySamples().forEach(s -> assertTrue(s.directBufferBytes() >= 0));
        if (System.getProperty("os.name").toLowerCase().contains("linux")) {
            assertNotNull(r.memory());
            r.memorySamples().forEach(s -> assertTrue(s.residentKiB() > 0));
        }
    }

    @Test
    void theProfiledMatrixProductsMatchTheAnalyticCount(@TempDir Path dir) {
        // the fused attention (flash kernel) and the reference one (explicit products) must both count in full
        for (String kernels : List.of("fused", "reference")) {
            DinoConfig config = BenchConfigs.tiny("run.kernels=" + kernels);
            StepBenchmark.Result r = StepBenchmark.builder().setConfig(config).optWarmup(0).optSteps(1).optGemm(0, 1)
                    .optProfile(dir.resolve(kernels + ".json"), 2).build().run();
            double analytic = TrainingFlops.of(config).perStep();
            // within 0.5%: the loss's own small product is not part of the analytic count
            assertEquals(1.0, r.profile().productFlops() / analytic, 5e-3, kernels + " kernels: profiled "
                    + r.profile().productFlops() + " against analytic " + analytic);
            assertEquals(2, r.toJson().get("profiled_steps").getAsInt());
            assertEquals(r.profile().productFlops() / 1e9,
                    r.toJson().get("profiled_product_gflop_per_step").getAsDouble(), 1e-12);
        }
    }

    @Test
    void productFlopsFollowTheRecordedShapes() {
        long[] none = new long[0];
        assertEquals(2.0 * 5 * 3 * 7, OpProfile.productFlops("aten::mm", List.of(new long[] {5, 3},
                new long[] {3, 7})));
        assertEquals(2.0 * 5 * 3 * 7, OpProfile.productFlops("aten::addmm", List.of(new long[] {7},
                new long[] {5, 3}, new long[] {3, 7}, none, none)));
        assertEquals(2.0 * 4 * 5 * 3 * 7, OpProfile.productFlops("aten::bmm", List.of(new long[] {4, 5, 3},
                new long[] {4, 3, 7})));
        long[] q = {2, 3, 65, 64};
        assertEquals(4.0 * 2 * 3 * 65 * 65 * 64, OpProfile.productFlops(
                "aten::_scaled_dot_product_flash_attention_for_cpu", List.of(q, q, q, none)));
        assertEquals(8.0 * 2 * 3 * 65 * 65 * 64, OpProfile.productFlops(
                "aten::_scaled_dot_product_flash_attention_for_cpu_backward", List.of(q, q, q, q, q, none)));
        // a 4 x 4 patch embedding of 32 x 32 images: 64 outputs of 3 * 16 products per channel
        assertEquals(2.0 * 2 * 192 * 3 * 16 * 64, OpProfile.productFlops("aten::convolution",
                List.of(new long[] {2, 3, 32, 32}, new long[] {192, 3, 4, 4}, new long[] {192})));
        assertEquals(0, OpProfile.productFlops("aten::matmul", List.of(new long[] {5, 3}, new long[] {3, 7})));
        assertEquals(0, OpProfile.productFlops("aten::add", List.of(new long[] {5, 3}, new long[] {5, 3})));
    }

    @Test
    void batchPartsRunAndFreeWhatTheyMake() {
        StepBenchmark.Result r = StepBenchmark.builder().setConfig(BenchConfigs.tiny("run.batch_parts=2"))
                .optWarmup(2).optSteps(3).optGemm(0, 1).build().run();
        assertEquals(2, r.batchParts());
        assertEquals(2, r.toJson().get("batch_parts").getAsInt());
        assertEquals(r.liveArraysAfterWarmup(), r.liveArraysAtEnd());
        for (double ms : r.stepMillis()) {
            assertTrue(ms > 0, "step time " + ms);
        }
    }

    @Test
    void jsonHoldsEveryFigure() {
        StepBenchmark.Result r = StepBenchmark.builder().setConfig(BenchConfigs.tiny()).optWarmup(0).optSteps(2)
                .optMemoryEvery(1).optGemm(0, 1).build().run();

        JsonObject j = r.toJson();

        assertEquals(List.of("objective", "batch_size", "crop_sizes", "intra_op_threads", "batch_parts", "allocator",
                "warmup_steps", "steps",
                "step_ms", "median_ms", "images_per_second", "gflop_per_step", "gflop_per_image", "achieved_gflops",
                "run_gflop_per_step", "run_gflops", "gemm_peak", "mfu", "mfu_vs_median_gemm", "hfu",
                "peak_resident_mib", "resident_mib", "live_arrays_after_warmup", "live_arrays_at_end",
                "memory_samples"), List.copyOf(j.keySet()));
        assertEquals(NativeRuntime.allocator(), j.get("allocator").getAsString());
        assertEquals(2, j.getAsJsonArray("step_ms").size());
        assertEquals(r.medianMillis(), j.get("median_ms").getAsDouble());
        assertTrue(j.get("gemm_peak").isJsonNull());
        assertTrue(j.get("mfu").isJsonNull());
        assertTrue(j.get("hfu").isJsonNull());
        assertTrue(Double.isNaN(r.mfu()));
        // the tiny DINO configuration computes only the CLS token in its last block
        assertTrue(r.gflopPerStep() > r.runGflopPerStep());
        assertEquals(r.runGflopPerStep(), j.get("run_gflop_per_step").getAsDouble());
        assertEquals(2, j.getAsJsonArray("memory_samples").size());
        JsonObject sample = j.getAsJsonArray("memory_samples").get(1).getAsJsonObject();
        assertEquals(List.of("step", "resident_mib", "live_arrays", "direct_buffers_mib", "java_heap_committed_mib",
                "malloc_held_mib", "malloc_in_use_mib"), List.copyOf(sample.keySet()));
        assertEquals(2, sample.get("step").getAsInt());
        assertEquals(r.liveArraysAtEnd(), sample.get("live_arrays").getAsInt());
    }

    @Test
    void badSettingsAreRefusedWithTheirValue() {
        DinoConfig c = BenchConfigs.tiny();
        assertEquals("steps must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> StepBenchmark.builder().setConfig(c).optSteps(0).build()).getMessage());
        assertEquals("warmup must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> StepBenchmark.builder().setConfig(c).optWarmup(-1).build()).getMessage());
        assertEquals("memoryEvery must be >= 0 (0 = no samples), got -2", assertThrows(IllegalArgumentException.class,
                () -> StepBenchmark.builder().setConfig(c).optMemoryEvery(-2).build()).getMessage());
        assertEquals("the GEMM size must be >= 0 (0 = not measured) and its repeats >= 1, got size 64 and 0 repeats",
                assertThrows(IllegalArgumentException.class,
                        () -> StepBenchmark.builder().setConfig(c).optGemm(64, 0).build()).getMessage());
        assertEquals("setConfig(...) is required",
                assertThrows(NullPointerException.class, () -> StepBenchmark.builder().build()).getMessage());
    }
}
