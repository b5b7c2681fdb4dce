package org.dino4j.examples;

import ai.djl.engine.Engine;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import org.dino4j.train.bench.AugmentationBenchmark;
import org.dino4j.train.bench.GemmPeak;
import org.dino4j.train.bench.StepBenchmark;
import org.dino4j.train.config.DinoConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dino bench}: times the full training step of a configuration on synthetic crops, with its FLOP rate, the
 * engine's GEMM peak, MFU and memory; with {@code --augment}, the multi-crop augmentation's throughput instead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the full training step of a configuration (teacher and student forward, loss, backward, "
                + "clipping, AdamW, teacher update: the step training runs, for the configured objective) on "
                + "synthetic crops, without data loading.",
                "Prints every timed step, the median ms/step, images/s, the model's GFLOP/s (analytic FLOP count "
                        + "of its matrix products), the engine's fp32 GEMM peak on this machine, MFU = model GFLOP/s "
                        + "/ peak, HFU = GFLOP/s of the products the step runs / peak (where it skips some), the "
                        + "peak resident memory, the native arrays alive and the intra-op threads.",
                "With --augment: images/s of the configured multi-crop augmentation through the data loader, on "
                        + "synthetic decoded images, with 1 worker and with the configured worker count.",
                "Speed depends on everything else the machine runs: the CPU use in the second before the run is "
                        + "printed first."},
        footer = {"", "Examples:",
                "  dino bench --config configs/bench-small.yaml --json bench.json",
                "  dino bench --config configs/bench-small.yaml --steps 2000 --memory-every 100",
                "  dino bench --config configs/bench-small.yaml --config configs/dinov2.yaml",
                "  dino bench --augment --config configs/bench-small.yaml",
                "  dino bench --augment --config configs/bench-small.yaml \\",
                "      --set crops.global_size=224 --set crops.local_size=96"})
final class BenchCommand implements Callable<Integer> {

    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)");
    private static final int STEPS_PER_ROW = 10;
    /** A share of busy CPU time before the run from which other processes visibly compete for the cores. */
    private static final double BUSY = 0.1;
    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20",
            description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed warm-up steps, or at least as many batches with --augment (default: "
                    + "${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--memory-every", paramLabel = "N", defaultValue = "0",
            description = {"Record resident memory and live native arrays every N steps and after the last, and "
                    + "print the first, the last and the largest growth (default: 0 = off)."})
    int memoryEvery;

    @Option(names = "--gemm-size", paramLabel = "N", defaultValue = "" + GemmPeak.DEFAULT_SIZE,
            description = "Side of the square fp32 matrices of the GEMM peak measurement; 0 skips it "
                    + "(default: ${DEFAULT-VALUE}).")
    int gemmSize;

    @Option(names = "--gemm-repeats", paramLabel = "N", defaultValue = "" + GemmPeak.DEFAULT_REPEATS,
            description = "Timed products of the GEMM measurement, the median counts (default: ${DEFAULT-VALUE}).")
    int gemmRepeats;

    @Option(names = "--augment", description = "Time the multi-crop augmentation instead of the training step.")
    boolean augment;

    @Option(names = "--warmup-seconds", paramLabel = "S",
            defaultValue = "" + (int) AugmentationBenchmark.DEFAULT_WARMUP_SECONDS,
            description = "With --augment: augment at least this long before timing, besides the --warmup batches: "
                    + "the JIT compiler needs thousands of images to optimise the code (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--images", paramLabel = "N", defaultValue = "1024",
            description = "With --augment: images per timed pass (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--image-size", paramLabel = "WxH",
            defaultValue = AugmentationBenchmark.DEFAULT_WIDTH + "x" + AugmentationBenchmark.DEFAULT_HEIGHT,
            description = "With --augment: width x height of the synthetic RGB source images "
                    + "(default: ${DEFAULT-VALUE}).")
    String imageSize;

    @Option(names = "--profile", paramLabel = "FILE",
            description = "After the timed steps, profile --profile-steps more with the engine's operator profiler, "
                    + "write its Chrome trace to FILE and print the operators with the most self time.")
    Path profile;

    @Option(names = "--profile-steps", paramLabel = "N", defaultValue = "3",
            description = "Steps profiled with --profile (default: ${DEFAULT-VALUE}).")
    int profileSteps;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to FILE as JSON.")
    Path json;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        checkOptions();
        DinoConfig config = configOptions.load();
        PrintWriter out = spec.commandLine().getOut();
        JsonObject environment = environment();
        out.println(machine(environment));
        JsonObject figures;
        if (augment) {
            int[] wh = sourceSize();
            AugmentationBenchmark.Result r = AugmentationBenchmark.builder().setConfig(config).optImages(images)
                    .optWarmupBatches(warmup).optWarmupSeconds(warmupSeconds).optSourceSize(wh[0], wh[1]).build()
                    .run();
            print(out, r);
            figures = r.toJson();
        } else {
            out.printf("config: %s%n", describe(config));
            out.flush();
            StepBenchmark.Builder b = StepBenchmark.builder().setConfig(config).optWarmup(warmup).optSteps(steps)
                    .optMemoryEvery(memoryEvery).optGemm(gemmSize, gemmRepeats);
            if (profile != null) {
                b.optProfile(profile, profileSteps);
            }
            StepBenchmark.Result r = b.build().run();
            print(out, r);
            if (r.profile() != null) {
                out.print(r.profile().format(25));
                out.printf(Locale.ROOT, "matrix products in the profiled steps (from the recorded shapes): %.2f GFLOP"
                        + " per step, %.3f x the analytic count%n", r.profile().productFlops() / 1e9,
                        r.profile().productFlops() / 1e9 / r.runGflopPerStep());
                out.printf("trace: %s%n", profile);
            }
            figures = r.toJson();
            environment.addProperty("engine", Engine.getInstance().getEngineName() + " "
                    + Engine.getInstance().getVersion());
        }
        if (json != null) {
            JsonObject file = new JsonObject();
            file.addProperty("mode", augment ? "augment" : "step");
            file.add("config_files", JSON.toJsonTree(configOptions.files.stream().map(Path::toString).toList()));
            file.add("overrides", JSON.toJsonTree(configOptions.overrides));
            file.add("environment", environment);
            file.add("results", figures);
            write(json, file);
            out.printf("wrote %s%n", json);
        }
        out.flush();
        return 0;
    }

    private void checkOptions() {
        ParseResult parsed = spec.commandLine().getParseResult();
        if (augment) {
            List<String> stepOnly = new ArrayList<>();
            for (String o : List.of("--steps", "--memory-every", "--gemm-size", "--gemm-repeats", "--profile",
                    "--profile-steps")) {
                if (parsed.hasMatchedOption(o)) {
                    stepOnly.add(o);
                }
            }
            if (!stepOnly.isEmpty()) {
                throw new UserInputException(String.join(", ", stepOnly) + " time the training step and do not "
                        + "apply with --augment (its options: --images, --image-size, --warmup, --warmup-seconds)");
            }
            if (images < 1) {
                throw new UserInputException("--images must be at least 1, got " + images);
            }
            if (!(warmupSeconds >= 0 && Double.isFinite(warmupSeconds))) {
                throw new UserInputException("--warmup-seconds must be 0 or more, got " + warmupSeconds);
            }
            sourceSize();
        } else {
            for (String o : List.of("--images", "--image-size", "--warmup-seconds")) {
                if (parsed.hasMatchedOption(o)) {
                    throw new UserInputException(o + " applies to the augmentation benchmark only: add --augment");
                }
            }
            if (steps < 1) {
                throw new UserInputException("--steps must be at least 1, got " + steps);
            }
            if (memoryEvery < 0) {
                throw new UserInputException("--memory-every must be 0 (off) or a number of steps, got "
                        + memoryEvery);
            }
            if (profileSteps < 1) {
                throw new UserInputException("--profile-steps must be at least 1, got " + profileSteps);
            }
            if (gemmSize < 0) {
                throw new UserInputException("--gemm-size must be 0 (skip) or a matrix side, got " + gemmSize);
            }
            if (gemmRepeats < 1) {
                throw new UserInputException("--gemm-repeats must be at least 1, got " + gemmRepeats);
            }
        }
        if (warmup < 0) {
            throw new UserInputException("--warmup must be 0 or more, got " + warmup);
        }
        if (json != null && Files.isDirectory(json)) {
            throw new UserInputException("--json " + json + " is a directory: give a file name, e.g. "
                    + json.resolve("bench.json"));
        }
    }

    private int[] sourceSize() {
        Matcher m = SIZE.matcher(imageSize.trim());
        int w = m.matches() ? parse(m.group(1)) : 0;
        int h = m.matches() ? parse(m.group(2)) : 0;
        if (w < 1 || h < 1) {
            throw new UserInputException("--image-size must be WIDTHxHEIGHT in pixels, e.g. 500x375, got '"
                    + imageSize + "'");
        }
        return new int[] {w, h};
    }

    private static int parse(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String describe(DinoConfig c) {
        var b = c.model().backbone();
        var o = c.objective();
        String model = b.type().name().toLowerCase(Locale.ROOT) + (b.type().name().equals("VIT")
                ? " patch " + b.patchSize() + ", dim " + b.embedDim() + ", depth " + b.depth() + ", heads "
                + b.numHeads() : " depth " + b.depth());
        return String.format(Locale.ROOT, "%s; head out %d; objective %s%s; batch %d, crops 2 x %d + %d x %d",
                model, c.model().head().outDim(), o.method().configName(), o.ibotEnabled() ? " + ibot" : "",
                c.optim().batchSize(), c.crops().globalSize(), c.crops().localCount(), c.crops().localSize());
    }

    private void print(PrintWriter out, StepBenchmark.Result r) {
        double[] ms = r.stepMillis();
        out.printf("%d warm-up %s, then %d timed %s (ms):%n", r.warmupSteps(), r.warmupSteps() == 1 ? "step" : "steps",
                ms.length, ms.length == 1 ? "step" : "steps");
        for (int i = 0; i < ms.length; i += STEPS_PER_ROW) {
            StringBuilder row = new StringBuilder();
            for (int j = i; j < Math.min(ms.length, i + STEPS_PER_ROW); j++) {
                row.append(String.format(Locale.ROOT, " %7.1f", ms[j]));
            }
            out.printf("  %5d-%-5d%s%n", i + 1, Math.min(ms.length, i + STEPS_PER_ROW), row);
        }
        out.printf(Locale.ROOT, "median %.1f ms/step, %.1f images/s (batch %d, %d crops per image)%n",
                r.medianMillis(), r.imagesPerSecond(), r.batchSize(), r.cropSizes().length);
        boolean skips = r.flops().modelPerStep() != r.flops().perStep();
        String ibot = r.objective().contains("ibot")
                ? "; the iBOT head counted on the expected number of masked patches" : "";
        out.printf(Locale.ROOT, "compute: %.2f GFLOP/step (%.3f per image, analytic count of the matrix products%s%s),"
                        + " %.1f GFLOP/s%n", r.gflopPerStep(), r.flops().modelPerImage() / 1e9,
                skips ? " of the model, every token through every block" : "", ibot, r.achievedGflops());
        if (skips) {
            out.printf(Locale.ROOT, "run: %.2f GFLOP/step of products (the step skips those it does not need: unused"
                    + " tokens of the last block, dropped samples' branches), %.1f GFLOP/s%n", r.runGflopPerStep(),
                    r.runGflops());
        }
        if (r.gemm() != null) {
            out.printf(Locale.ROOT, "fp32 GEMM peak: %.1f GFLOP/s (best of %d products %d x %d @ %d x %d through "
                            + "the engine, same threads; median %.1f)%n", r.gemm().bestGflops(),
                    r.gemm().gflops().length, r.gemm().size(), r.gemm().size(), r.gemm().size(), r.gemm().size(),
                    r.gemm().medianGflops());
            out.printf(Locale.ROOT, "MFU: %.1f%% (model FLOP rate / GEMM peak; %.1f%% against the median product)%n",
                    100 * r.mfu(), 100 * r.achievedGflops() / r.gemm().medianGflops());
            if (skips) {
                out.printf(Locale.ROOT, "HFU: %.1f%% (the rate of the products run / GEMM peak)%n", 100 * r.hfu());
            }
        } else {
            out.println("fp32 GEMM peak: not measured (--gemm-size 0), MFU: n/a");
        }
        out.printf("intra-op threads: %d%n", r.intraOpThreads());
        if (r.batchParts() > 1) {
            out.printf("batch parts: %d (the backbones on parts of the batch in parallel threads, run.batch_parts)%n",
                    r.batchParts());
        }
        if (r.memory() != null) {
            out.printf(Locale.ROOT, "memory: peak resident (VmHWM) %.0f MiB, resident after the last step (VmRSS) "
                    + "%.0f MiB; allocator %s%n", r.memory().peakResidentMiB(), r.memory().residentMiB(),
                    r.allocator());
        } else {
            out.println("memory: n/a (resident memory is read from /proc/self/status on Linux)");
        }
        out.printf("native arrays alive: %d after warm-up, %d after the last step%n", r.liveArraysAfterWarmup(),
                r.liveArraysAtEnd());
        List<StepBenchmark.MemorySample> samples = r.memorySamples();
        if (!samples.isEmpty()) {
            StepBenchmark.MemorySample first = samples.get(0);
            StepBenchmark.MemorySample last = samples.get(samples.size() - 1);
            long maxRss = first.residentKiB();
            int maxArrays = first.liveArrays();
            for (StepBenchmark.MemorySample s : samples) {
                maxRss = Math.max(maxRss, s.residentKiB());
                maxArrays = Math.max(maxArrays, s.liveArrays());
            }
            out.printf("memory every %d steps (%d samples, warm-up steps counted):%n", memoryEvery, samples.size());
            for (StepBenchmark.MemorySample s : samples) {
                out.printf(Locale.ROOT, "  step %6d: %s, %s%n", s.step(), mib(s.residentKiB()), parts(s));
            }
            out.printf("  first: after step %d, %s, %d native arrays, %s%n", first.step(), mib(first.residentKiB()),
                    first.liveArrays(), parts(first));
            out.printf("  last:  after step %d, %s, %d native arrays, %s%n", last.step(), mib(last.residentKiB()),
                    last.liveArrays(), parts(last));
            out.printf("  largest growth over the first: %s resident, %+d native arrays%n",
                    first.residentKiB() >= 0 ? String.format(Locale.ROOT, "%+.1f MiB",
                            (maxRss - first.residentKiB()) / 1024.0) : "n/a", maxArrays - first.liveArrays());
            out.println("  (direct buffers hold the crops of past steps until the JVM's next garbage collection; "
                    + "they count in the resident memory)");
        }
    }

    private static String parts(StepBenchmark.MemorySample s) {
        String heap = String.format(Locale.ROOT, "Java heap committed %.1f MiB",
                s.javaHeapCommittedBytes() / (1024.0 * 1024.0));
        String malloc = s.nativeHeap() == null ? "malloc n/a" : String.format(Locale.ROOT,
                "%s holds %.1f MiB (%.1f in use)", s.nativeHeap().allocator(),
                s.nativeHeap().heldBytes() / (1024.0 * 1024.0),
                s.nativeHeap().inUseBytes() / (1024.0 * 1024.0));
        return direct(s.directBufferBytes()) + ", " + heap + ", " + malloc;
    }

    private static String direct(long bytes) {
        return bytes >= 0 ? String.format(Locale.ROOT, "direct buffers %.1f MiB", bytes / (1024.0 * 1024.0))
                : "direct buffers n/a";
    }

    private static String mib(long kib) {
        return kib >= 0 ? String.format(Locale.ROOT, "resident %.1f MiB", kib / 1024.0) : "resident n/a";
    }

    private static void print(PrintWriter out, AugmentationBenchmark.Result r) {
        int[] sizes = r.cropSizes();
        out.printf(Locale.ROOT, "augmentation: 2 x %d + %d x %d crops from synthetic %dx%d RGB images (decoding not "
                        + "counted), batches of %d, after a warm-up of %d images in %.1f s%n", sizes[0],
                sizes.length - 2, sizes.length > 2 ? sizes[2] : 0, r.sourceWidth(), r.sourceHeight(), r.batchSize(),
                r.warmupImages(), r.warmupSeconds());
        for (AugmentationBenchmark.Run run : r.runs()) {
            String label = run.workers() + (run.workers() == 1 ? " worker" : " workers")
                    + (run.workers() == r.configuredWorkers() ? " (configured)" : "");
            out.printf(Locale.ROOT, "  %-22s %8.1f images/s (%d images in %.2f s)%n", label, run.imagesPerSecond(),
                    run.images(), run.seconds());
            out.printf(Locale.ROOT, "  %22s per core used: %s; per worker thread, augmentation alone: %.1f "
                            + "images/s%n", "", Double.isFinite(run.cpuSeconds())
                            ? String.format(Locale.ROOT, "%.1f images/s (%.2f cores busy)", run.imagesPerCpuSecond(),
                            run.coresBusy()) : "n/a", run.imagesPerWorkerSecond());
        }
        out.printf("configured workers: %d (data.workers; 0 = half the %d cores, as training uses)%n",
                r.configuredWorkers(), Runtime.getRuntime().availableProcessors());
    }

    /** Cores and load: a busy machine gives slower figures, and the reader should know. */
    private static String machine(JsonObject environment) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (!environment.has("cpu_busy_before_run")) {
            return "machine: " + cores + " cores (CPU use of other processes: n/a)";
        }
        double busy = environment.get("cpu_busy_before_run").getAsDouble();
        return String.format(Locale.ROOT, "machine: %d cores, %.0f%% busy in the second before the run%s", cores,
                100 * busy, busy >= BUSY ? " (other processes compete with these figures)" : "");
    }

    /**
     * The share of all cores' time spent busy over one second, from {@code /proc/stat} (Linux), or NaN.
     */
    private static double cpuBusy() {
        try {
            long[] a = cpuTimes();
            Thread.sleep(1000);
            long[] b = cpuTimes();
            long total = b[0] - a[0];
            return total > 0 ? 1.0 - (double) (b[1] - a[1]) / total : Double.NaN;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Total and idle (idle + iowait) jiffies of all cores. */
    private static long[] cpuTimes() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    /** Where the figures were measured: cores, load, CPU model, engine. */
    private static JsonObject environment() {
        JsonObject e = new JsonObject();
        e.addProperty("available_processors", Runtime.getRuntime().availableProcessors());
        double busy = cpuBusy();
        if (Double.isFinite(busy)) {
            e.addProperty("cpu_busy_before_run", busy);
        }
        try {
            Path loadavg = Path.of("/proc/loadavg");
            if (Files.isReadable(loadavg)) {
                e.addProperty("load_average", Double.parseDouble(Files.readString(loadavg).trim().split("\\s+")[0]));
            }
            Path cpuinfo = Path.of("/proc/cpuinfo");
            if (Files.isReadable(cpuinfo)) {
                Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name")).findFirst()
                        .ifPresent(l -> e.addProperty("cpu", l.substring(l.indexOf(':') + 1).trim()));
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the figures stand without it
        }
        e.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        e.addProperty("java", System.getProperty("java.version"));
        e.addProperty("djl", Engine.getDjlVersion());
        return e;
    }

    private static void write(Path file, JsonObject content) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JSON.toJson(content) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
