package org.dino4j.examples;

import org.dino4j.examples.CliRun.Result;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dino bench}: smoke runs of both modes on a tiny model, the JSON file, and option errors. */
class BenchCommandTest {

    /** A tiny run: patch 4, D 32, depth 2, 16 / 8 pixel crops (2 + 2), batch 4, one intra-op thread. */
    static final List<String> TINY = List.of("--set", "model.backbone.image_size=16", "--set",
            "model.backbone.patch_size=4", "--set", "model.backbone.embed_dim=32", "--set", "model.backbone.depth=2",
            "--set", "model.backbone.num_heads=2", "--set", "model.head.out_dim=64", "--set",
            "model.head.hidden_dim=32", "--set", "model.head.bottleneck_dim=16", "--set", "crops.global_size=16",
            "--set", "crops.local_size=8", "--set", "crops.local_count=2", "--set", "optim.batch_size=4", "--set",
            "run.threads=1", "--set", "data.workers=1");

    @TempDir
    Path tmp;


    @Test
    void stepSmokeRunPrintsEveryFigureAndWritesThemAsJson() throws IOException {
        Path json = tmp.resolve("out/bench.json");

        Result r = run(tiny("--steps", "3", "--warmup", "1", "--memory-every", "2", "--gemm-size", "32",
                "--json", json.toString()));

        assertEquals(0, r.exitCode(), r.err());
        String out = r.out();
        for (String expected : List.of("machine: ", "config: vit patch 4, dim 32, depth 2, heads 2; head out 64; "
                        + "objective dino; batch 4, crops 2 x 16 + 2 x 8\n",
                "1 warm-up step, then 3 timed steps (ms):\n",
                "      1-3    ", "median ", " ms/step, ", " images/s (batch 4, 4 crops per image)\n", " GFLOP/s\n",
                "fp32 GEMM peak: ", "(best of 10 products 32 x 32 @ 32 x 32 through the engine, same threads; median ",
                "MFU: ", "HFU: ", "run: ", "intra-op threads: 1\n", "native arrays alive: ",
                "memory every 2 steps (2 samples, "
                        + "warm-up steps counted):\n", "  first: after step 2, resident ", "  last:  after step 4, ",
                "  largest growth over the first: ", " native arrays, direct buffers ", "wrote " + json + "\n")) {
            assertTrue(out.contains(expected), "'" + expected + "' missing from\n" + out);
        }
        assertTrue(out.contains("memory: peak resident (VmHWM) ") || out.contains("memory: n/a"), out);

        JsonObject file = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(List.of("mode", "config_files", "overrides", "environment", "results"),
                List.copyOf(file.keySet()));
        assertEquals("step", file.get("mode").getAsString());
        assertEquals(TINY.size() / 2, file.getAsJsonArray("overrides").size());
        assertTrue(file.getAsJsonObject("environment").get("engine").getAsString().startsWith("PyTorch "));
        JsonObject results = file.getAsJsonObject("results");
        for (String key : List.of("objective", "batch_size", "crop_sizes", "intra_op_threads", "allocator",
                "warmup_steps", "steps", "step_ms", "median_ms", "images_per_second", "gflop_per_step",
                "gflop_per_image", "achieved_gflops", "run_gflop_per_step", "run_gflops", "gemm_peak", "mfu", "hfu",
                "peak_resident_mib", "resident_mib",
                "live_arrays_after_warmup", "live_arrays_at_end", "memory_samples")) {
            assertTrue(results.has(key), key + " missing from " + results);
        }
        assertEquals(3, results.getAsJsonArray("step_ms").size());
        assertEquals(2, results.getAsJsonArray("memory_samples").size(), "after steps 2 and 4 (the last)");
        assertEquals(32, results.getAsJsonObject("gemm_peak").get("size").getAsInt());
        double gemmBest = results.getAsJsonObject("gemm_peak").get("best_gflops").getAsDouble();
        assertEquals(results.get("achieved_gflops").getAsDouble() / gemmBest, results.get("mfu").getAsDouble(), 1e-12);
        assertEquals(results.get("run_gflops").getAsDouble() / gemmBest, results.get("hfu").getAsDouble(), 1e-12);
        assertEquals(results.get("mfu").getAsDouble() * results.get("run_gflop_per_step").getAsDouble()
                / results.get("gflop_per_step").getAsDouble(), results.get("hfu").getAsDouble(), 1e-9);
        assertEquals(results.get("live_arrays_after_warmup").getAsInt(),
                results.get("live_arrays_at_end").getAsInt());
    }

    @Test
    void augmentSmokeRunReportsOneWorkerAndTheConfiguredCount() throws IOException {
        Path json = tmp.resolve("augment.json");

        Result r = run(tiny("--augment", "--images", "6", "--warmup", "1", "--warmup-seconds", "0", "--image-size",
                "40x30",
                "--set", "data.workers=2", "--json", json.toString()));

        assertEquals(0, r.exitCode(), r.err());
        for (String expected : List.of("augmentation: 2 x 16 + 2 x 8 crops from synthetic 40x30 RGB images "
                        + "(decoding not counted), batches of 4, after a warm-up of 16 images in ", "  1 worker ",
                "  2 workers (configured) ",
                " images/s (6 images in ", " per core used: ", " cores busy); per worker thread, augmentation alone: ",
                "configured workers: 2 (data.workers; 0 = half the ")) {
            assertTrue(r.out().contains(expected), "'" + expected + "' missing from\n" + r.out());
        }
        JsonObject file = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("augment", file.get("mode").getAsString());
        JsonObject results = file.getAsJsonObject("results");
        assertEquals(2, results.getAsJsonArray("runs").size());
        assertEquals(40, results.get("source_width").getAsInt());
        assertEquals("[16,16,8,8]", results.get("crop_sizes").toString());
    }

    @Test
    void badOptionsGiveAClearMessage() {
        assertError("--steps must be at least 1, got 0", tiny("--steps", "0"));
        assertError("--warmup must be 0 or more, got -1", tiny("--warmup", "-1"));
        assertError("--memory-every must be 0 (off) or a number of steps, got -5", tiny("--memory-every", "-5"));
        assertError("--gemm-size must be 0 (skip) or a matrix side, got -1", tiny("--gemm-size", "-1"));
        assertError("--gemm-repeats must be at least 1, got 0", tiny("--gemm-repeats", "0"));
        assertError("--images applies to the augmentation benchmark only: add --augment", tiny("--images", "5"));
        assertError("--steps, --memory-every time the training step and do not apply with --augment (its options: "
                + "--images, --image-size, --warmup, --warmup-seconds)",
                tiny("--augment", "--steps", "5", "--memory-every", "2"));
        assertError("--warmup-seconds applies to the augmentation benchmark only: add --augment",
                tiny("--warmup-seconds", "2"));
        assertError("--warmup-seconds must be 0 or more, got -1.0", tiny("--augment", "--warmup-seconds", "-1"));
        assertError("--images must be at least 1, got 0", tiny("--augment", "--images", "0"));
        assertError("--image-size must be WIDTHxHEIGHT in pixels, e.g. 500x375, got '500*375'",
                tiny("--augment", "--image-size", "500*375"));
        assertError("--json " + tmp + " is a directory: give a file name, e.g. " + tmp.resolve("bench.json"),
                tiny("--json", tmp.toString()));
    }

    @Test
    void helpShowsBothModes() {
        Result r = run("bench", "--help");

        assertEquals(0, r.exitCode());
        for (String option : List.of("--config=FILE", "--set=KEY=VALUE", "--steps=N", "--warmup=N", "--memory-every=N",
                "--gemm-size=N", "--gemm-repeats=N", "--augment", "--warmup-seconds=S", "--images=N",
                "--image-size=WxH", "--json=FILE")) {
            assertTrue(r.out().contains(option), option + " missing from\n" + r.out());
        }
        assertTrue(r.out().contains("dino bench --augment --config configs/bench-small.yaml"), r.out());
    }

    private void assertError(String message, String... args) {
        Result r = run(args);
        assertEquals(new Result(DinoCli.EXIT_BAD_INPUT, "", "error: " + message + "\n"), r,
                Arrays.toString(args));
    }

    private static String[] tiny(String... more) {
        List<String> args = new ArrayList<>(List.of("bench"));
        args.addAll(TINY);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static Result run(String... args) {
        return CliRun.run(args);
    }
}
