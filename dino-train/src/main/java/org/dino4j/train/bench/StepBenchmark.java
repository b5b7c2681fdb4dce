package org.dino4j.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.data.HostStaging;
import org.dino4j.train.eval.TrainingFlops;
import org.dino4j.train.loop.NativeRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Times the full training step of a configuration on synthetic crops, without data loading: teacher and student
 * forward, loss, backward, clipping, AdamW and the teacher update, exactly the step training runs (see
 * {@link ConfiguredStep}). Each timed step also includes, as in training, copying the batch's crops from Java
 * arrays into native tensors.
 *
 * <p>Besides the step times it measures what is needed to judge them: the analytic FLOP of a step
 * ({@link TrainingFlops}: the model's, and the products the step runs), the engine's own fp32 GEMM rate
 * ({@link GemmPeak}) and their ratios (MFU for the model's FLOP, HFU for the products run), the process's
 * resident memory ({@link ProcessMemory}) and the native arrays alive, optionally sampled every few steps to show
 * whether memory stays flat over a long run. Speed is measured and reported here, never asserted.
 *
 * <pre>{@code
 * StepBenchmark.Result r = StepBenchmark.builder().setConfig(config).optWarmup(3).optSteps(20).build().run();
 * }</pre>
 */
public final class StepBenchmark {

    /**
     * Resident memory and live native arrays after a number of steps.
     *
     * <p>The JVM's direct buffers are part of the resident memory: on the PyTorch engine, an array created from
     * Java data (as training creates the crops of every batch) wraps a new direct buffer, which only the garbage
     * collector frees, some time after the array is closed. Their total shows how much of a growth is such garbage
     * waiting for a collection rather than a leak.
     *
     * @param step steps completed (warm-up included)
     * @param residentKiB VmRSS in KiB, or -1 where the platform does not report it
     * @param liveArrays native arrays alive in the benchmark's manager
     * @param directBufferBytes memory of the JVM's direct buffers not yet collected, or -1 where not reported
     * @param javaHeapCommittedBytes the Java heap the JVM has committed (part of the resident memory once touched)
     * @param nativeHeap the C allocator's heap figures, or null where not available
     */
    public record MemorySample(int step, long residentKiB, int liveArrays, long directBufferBytes,
                               long javaHeapCommittedBytes, NativeHeap nativeHeap) {}

    /**
     * The measurements.
     *
     * @param objective the objective's CLS loss assembly ({@code dino} or {@code dinov2}) and whether iBOT is on
     * @param batchSize images per step
     * @param cropSizes the side of every crop of an image, global crops first
     * @param warmupSteps untimed steps before the timed ones
     * @param stepMillis every timed step, in milliseconds
     * @param medianMillis their median
     * @param flops the analytic FLOP count of the configuration
     * @param gemm the engine's fp32 GEMM rate, or null when it was not measured
     * @param intraOpThreads intra-op threads of the engine during the run
     * @param batchParts the parts of the batch whose backbones ran in parallel threads (1: the whole batch)
     * @param allocator the C allocator that served the engine's tensors ({@link NativeRuntime#allocator()})
     * @param memory the process's resident memory after the last step, or null where not reported (not Linux)
     * @param liveArraysAfterWarmup native arrays alive after the warm-up (after the first step without warm-up)
     * @param liveArraysAtEnd native arrays alive after the last step
     * @param memorySamples resident memory and live arrays every {@code memoryEvery} steps and after the last
     *     (empty when not requested)
     * @param profile the engine's per-operator profile of extra steps (null when not requested)
     */
    public record Result(String objective, int batchSize, int[] cropSizes, int warmupSteps, double[] stepMillis,
                         double medianMillis, TrainingFlops flops, GemmPeak gemm, int intraOpThreads,
                         int batchParts, String allocator, ProcessMemory memory, int liveArraysAfterWarmup,
                         int liveArraysAtEnd, List<MemorySample> memorySamples, OpProfile profile) {

        /** Images per second at the median step time. */
        public double imagesPerSecond() {
            return batchSize / (medianMillis / 1000);
        }

        /**
         * The model's analytic GFLOP per step: every token through every block ({@link TrainingFlops#modelPerStep}),
         * whatever the step skips.
         */
        public double gflopPerStep() {
            return flops.modelPerStep() / 1e9;
        }

        /** The model's FLOP per step over the median step time, GFLOP/s. */
        public double achievedGflops() {
            return gflopPerStep() / (medianMillis / 1000);
        }

        /**
         * GFLOP per step of the matrix products the step runs ({@link TrainingFlops#perStep}): below
         * {@link #gflopPerStep} where the step skips products it does not need (the CLS-only last block, the dropped
         * samples of subset stochastic depth); the count the operator profiler checks.
         */
        public double runGflopPerStep() {
            return flops.perStep() / 1e9;
        }

        /** The rate of the products the step runs, GFLOP/s. */
        public double runGflops() {
            return runGflopPerStep() / (medianMillis / 1000);
        }

        /**
         * Model FLOP utilisation, in the usual sense: the model's FLOP rate ({@link #achievedGflops}) over the
         * measured GEMM rate; NaN without a GEMM measurement. Where the step runs every product of the model this
         * equals {@link #hfu}.
         */
        public double mfu() {
            return gemm == null ? Double.NaN : achievedGflops() / gemm.bestGflops();
        }

        /**
         * Hardware FLOP utilisation: the rate of the products the step runs ({@link #runGflops}) over the measured
         * GEMM rate, how busy the step keeps the machine's multiply units; NaN without a GEMM measurement.
         */
        public double hfu() {
            return gemm == null ? Double.NaN : runGflops() / gemm.bestGflops();
        }

        /** The figures as JSON, snake_case keys; figures that were not measured are null. */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("objective", objective);
            o.addProperty("batch_size", batchSize);
            o.add("crop_sizes", ints(cropSizes));
            o.addProperty("intra_op_threads", intraOpThreads);
            o.addProperty("batch_parts", batchParts);
            o.addProperty("allocator", allocator);
            o.addProperty("warmup_steps", warmupSteps);
            o.addProperty("steps", stepMillis.length);
            JsonArray steps = new JsonArray();
            for (double ms : stepMillis) {
                steps.add(ms);
            }
            o.add("step_ms", steps);
            o.addProperty("median_ms", medianMillis);
            o.addProperty("images_per_second", imagesPerSecond());
            o.addProperty("gflop_per_step", gflopPerStep());
            o.addProperty("gflop_per_image", flops.modelPerImage() / 1e9);
            o.addProperty("achieved_gflops", achievedGflops());
            o.addProperty("run_gflop_per_step", runGflopPerStep());
            o.addProperty("run_gflops", runGflops());
            if (gemm != null) {
                JsonObject g = new JsonObject();
                g.addProperty("size", gemm.size());
                JsonArray runs = new JsonArray();
                for (double r : gemm.gflops()) {
                    runs.add(r);
                }
                g.add("runs_gflops", runs);
                g.addProperty("median_gflops", gemm.medianGflops());
                g.addProperty("best_gflops", gemm.bestGflops());
                o.add("gemm_peak", g);
                o.addProperty("mfu", mfu());
                o.addProperty("mfu_vs_median_gemm", achievedGflops() / gemm.medianGflops());
                o.addProperty("hfu", hfu());
            } else {
                o.add("gemm_peak", JsonNull.INSTANCE);
                o.add("mfu", JsonNull.INSTANCE);
                o.add("mfu_vs_median_gemm", JsonNull.INSTANCE);
                o.add("hfu", JsonNull.INSTANCE);
            }
            if (memory != null) {
                o.addProperty("peak_resident_mib", memory.peakResidentMiB());
                o.addProperty("resident_mib", memory.residentMiB());
            } else {
                o.add("peak_resident_mib", JsonNull.INSTANCE);
                o.add("resident_mib", JsonNull.INSTANCE);
            }
            o.addProperty("live_arrays_after_warmup", liveArraysAfterWarmup);
            o.addProperty("live_arrays_at_end", liveArraysAtEnd);
            JsonArray samples = new JsonArray();
            for (MemorySample s : memorySamples) {
                JsonObject j = new JsonObject();
                j.addProperty("step", s.step());
                if (s.residentKiB() >= 0) {
                    j.addProperty("resident_mib", s.residentKiB() / 1024.0);
                } else {
                    j.add("resident_mib", JsonNull.INSTANCE);
                }
                j.addProperty("live_arrays", s.liveArrays());
                if (s.directBufferBytes() >= 0) {
                    j.addProperty("direct_buffers_mib", s.directBufferBytes() / (1024.0 * 1024.0));
                } else {
                    j.add("direct_buffers_mib", JsonNull.INSTANCE);
                }
                j.addProperty("java_heap_committed_mib", s.javaHeapCommittedBytes() / (1024.0 * 1024.0));
                if (s.nativeHeap() != null) {
                    j.addProperty("malloc_held_mib", s.nativeHeap().heldBytes() / (1024.0 * 1024.0));
                    j.addProperty("malloc_in_use_mib", s.nativeHeap().inUseBytes() / (1024.0 * 1024.0));
                }
                samples.add(j);
            }
            o.add("memory_samples", samples);
            if (profile != null) {
                o.addProperty("profiled_steps", profile.steps());
                o.addProperty("profiled_product_gflop_per_step", profile.productFlops() / 1e9);
            }
            return o;
        }

        private static JsonArray ints(int[] values) {
            JsonArray a = new JsonArray();
            for (int v : values) {
                a.add(v);
            }
            return a;
        }
    }

    private final DinoConfig config;
    private final int warmup;
    private final int steps;
    private final int memoryEvery;
    private final int gemmSize;
    private final int gemmRepeats;
    private final Path profileTrace;
    private final int profileSteps;

    private StepBenchmark(Builder b) {
        this.config = b.config;
        this.warmup = b.warmup;
        this.steps = b.steps;
        this.memoryEvery = b.memoryEvery;
        this.gemmSize = b.gemmSize;
        this.gemmRepeats = b.gemmRepeats;
        this.profileTrace = b.profileTrace;
        this.profileSteps = b.profileSteps;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code warmup} untimed and {@code steps} timed iterations, then measures the GEMM rate (after the steps,
     * so that its buffers do not count in the step's memory figures).
     *
     * <p>Sets up the native runtime first as training does ({@link NativeRuntime#configure}, intra-op threads from
     * {@code run.threads}); the allocator part takes effect only if the engine is not loaded yet.
     *
     * @return the measurements
     */
    public Result run() {
        NativeRuntime.configure(config.run().threads());
        int total = warmup + steps;
        int profiled = profileTrace == null ? 0 : profileSteps;
        int batch = config.optim().batchSize();
        int[] sizes = new int[ConfiguredStep.GLOBAL_CROPS + config.crops().localCount()];
        for (int c = 0; c < sizes.length; c++) {
            sizes[c] = c < ConfiguredStep.GLOBAL_CROPS ? config.crops().globalSize() : config.crops().localSize();
        }
        float[][] data = syntheticCrops(batch, sizes, config.seed());
        HostStaging staging = new HostStaging();
        try (NDManager root = NDManager.newBaseManager()) {
            root.setName("dino-bench");
            double[] ms = new double[steps];
            int afterWarmup;
            int atEnd;
            List<MemorySample> samples = new ArrayList<>();
            String objective;
            OpProfile profile = null;
            int parts;
            try (ConfiguredStep s = ConfiguredStep.build(config, total + profiled, root)) {
                parts = s.step().batchParts();
                objective = s.objective().method().configName()
                        + (s.objective().ibot() ? " + ibot" : "");
                int epoch = s.firstUnfrozenEpoch();
                afterWarmup = -1;
                for (int it = 0; it < total; it++) {
                    long t0 = System.nanoTime();
                    runStep(s, root, staging, data, sizes, batch, it, epoch);
                    long nanos = System.nanoTime() - t0;
                    if (it >= warmup) {
                        ms[it - warmup] = nanos / 1e6;
                    }
                    if (it == Math.max(warmup, 1) - 1) {
                        afterWarmup = root.getManagedArrays().size();
                    }
                    boolean last = it == total - 1;
                    if (memoryEvery > 0 && ((it + 1) % memoryEvery == 0 || last)) {
                        samples.add(new MemorySample(it + 1,
                                ProcessMemory.current().map(ProcessMemory::residentKiB).orElse(-1L),
                                root.getManagedArrays().size(), directBufferBytes(),
                                Runtime.getRuntime().totalMemory(), NativeHeap.current().orElse(null)));
                    }
                }
                atEnd = root.getManagedArrays().size();
                if (profiled > 0) {
                    // the engine's profiler records the thread that starts it only: the profiled steps run whole
                    s.step().useBatchParts(1);
                    JniUtils.startProfile(false, true, false);
                    try {
                        for (int it = total; it < total + profiled; it++) {
                            runStep(s, root, staging, data, sizes, batch, it, epoch);
                        }
                    } finally {
                        JniUtils.stopProfile(profileTrace.toAbsolutePath().toString());
                    }
                    profile = OpProfile.read(profileTrace, profiled);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ProcessMemory memory = ProcessMemory.current().orElse(null);
            GemmPeak gemm = gemmSize > 0 ? GemmPeak.measure(root, gemmSize, gemmRepeats) : null;
            // what the engine reports, which is what the step ran with
            int inUse = JniUtils.getNumThreads();
            return new Result(objective, batch, sizes, warmup, ms, Stats.median(ms), TrainingFlops.of(config), gemm,
                    inUse, parts, NativeRuntime.allocator(), memory, afterWarmup, atEnd, List.copyOf(samples), profile);
        }
    }

    private static void runStep(ConfiguredStep s, NDManager root, HostStaging staging, float[][] data, int[] sizes,
                                int batch, int it, int epoch) {
        try (NDManager scope = root.newSubManager()) {
            List<NDArray> crops = new ArrayList<>(sizes.length);
            for (int c = 0; c < sizes.length; c++) {
                crops.add(staging.upload(scope, c, data[c], new Shape(batch, 3, sizes[c], sizes[c])));
            }
            s.step().run(crops, it, epoch, new SplittableRandom(it), scope);
        }
    }

    /** Bytes held by the JVM's direct buffers, or -1 where the JVM does not report them. */
    private static long directBufferBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** Standard normal values, the statistics of normalised crops; the same batch is fed every step. */
    private static float[][] syntheticCrops(int batch, int[] sizes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] data = new float[sizes.length][];
        for (int c = 0; c < sizes.length; c++) {
            data[c] = new float[batch * 3 * sizes[c] * sizes[c]];
            for (int i = 0; i < data[c].length; i++) {
                data[c][i] = (float) rng.nextGaussian();
            }
        }
        return data;
    }

    /**
     * Builds a {@link StepBenchmark}: {@code setConfig} is required; by default 3 warm-up and 20 timed steps, no
     * memory sampling, and a GEMM rate from 10 products of side 2048.
     */
    public static final class Builder {
        private DinoConfig config;
        private int warmup = 3;
        private int steps = 20;
        private int memoryEvery;
        private int gemmSize = GemmPeak.DEFAULT_SIZE;
        private int gemmRepeats = GemmPeak.DEFAULT_REPEATS;
        private Path profileTrace;
        private int profileSteps = 3;

        private Builder() {}

        /** The configuration: model, objective, crops, batch size, optimiser, {@code run.threads} (required). */
        public Builder setConfig(DinoConfig config) {
            this.config = config;
            return this;
        }

        /** Untimed steps before the timed ones (default 3, {@code >= 0}). */
        public Builder optWarmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Timed steps (default 20, {@code >= 1}). */
        public Builder optSteps(int steps) {
            this.steps = steps;
            return this;
        }

        /** Record resident memory and live arrays every this many steps and after the last (default 0 = never). */
        public Builder optMemoryEvery(int memoryEvery) {
            this.memoryEvery = memoryEvery;
            return this;
        }

        /**
         * The GEMM measurement: {@code repeats} products of two {@code size x size} matrices (default 10 of 2048);
         * size 0 skips it (no MFU then).
         */
        public Builder optGemm(int size, int repeats) {
            this.gemmSize = size;
            this.gemmRepeats = repeats;
            return this;
        }

        /**
         * Profiles {@code steps} more steps after the timed ones with the engine's operator profiler, writes its
         * Chrome trace (viewable in chrome://tracing or Perfetto) to {@code trace} and sums it per operator
         * ({@link Result#profile()}). Profiled steps are slower and are not part of the timing.
         */
        public Builder optProfile(Path trace, int steps) {
            this.profileTrace = trace;
            this.profileSteps = steps;
            return this;
        }

        /** Validates the settings. */
        public StepBenchmark build() {
            Objects.requireNonNull(config, "setConfig(...) is required");
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
            }
            if (memoryEvery < 0) {
                throw new IllegalArgumentException("memoryEvery must be >= 0 (0 = no samples), got " + memoryEvery);
            }
            if (profileTrace != null && profileSteps < 1) {
                throw new IllegalArgumentException("profile steps must be >= 1, got " + profileSteps);
            }
            if (gemmSize < 0 || (gemmSize > 0 && gemmRepeats < 1)) {
                throw new IllegalArgumentException("the GEMM size must be >= 0 (0 = not measured) and its repeats "
                        + ">= 1, got size " + gemmSize + " and " + gemmRepeats + " repeats");
            }
            return new StepBenchmark(this);
        }
    }
}
