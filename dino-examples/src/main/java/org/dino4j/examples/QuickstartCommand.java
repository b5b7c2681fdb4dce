package org.dino4j.examples;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.config.EvalDataConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.dino4j.train.loop.Progress;
import org.dino4j.train.report.Provenance;
import org.dino4j.train.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code dino quickstart}: the first thing to run. Pretrains a small ViT with DINO on the Fashion-MNIST subset
 * shipped in {@code data/fashion-mnist-subset} ({@code configs/quickstart.yaml}), prints the k-NN accuracy of the
 * random-init backbone and of the trained teacher, and writes a run directory with the checkpoint, metrics, resolved
 * configuration, provenance, plots, attention maps, PCA pictures and {@code report.html}.
 *
 * <p>Ctrl-C stops after the current step and writes a checkpoint, from which {@code dino train --resume DIR}
 * continues exactly.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Pretrain a small ViT with DINO on the embedded Fashion-MNIST subset (about 4 minutes on 2 "
                + "cores), print the k-NN accuracy before and after, and write a run directory with report.html.",
                "Uses configs/quickstart.yaml of this checkout; --set changes single keys."},
        footer = {"", "Examples:",
                "  dino quickstart",
                "  dino quickstart --out runs/first --quiet",
                "  dino quickstart --set optim.epochs=1"})
final class QuickstartCommand implements Callable<Integer> {

    /** The configuration, relative to the checkout. */
    static final Path CONFIG = Path.of("configs", "quickstart.yaml");
    /** Overrides the checkout the command looks for {@link #CONFIG} in. */
    static final String HOME_PROPERTY = "dino.home";
    /** Exit status of a run stopped by Ctrl-C, as shells report SIGINT. */
    static final int EXIT_STOPPED = 130;

    private static final DateTimeFormatter RUN_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** How long Ctrl-C waits for the current step and the checkpoint before the JVM exits anyway. */
    private static final long STOP_WAIT_SECONDS = 120;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration to use instead of configs/quickstart.yaml of this checkout.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = {"Override one key after the file; repeatable, the value is YAML.",
                    "e.g. optim.epochs=1 or model.backbone.depth=2"})
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR",
            description = "Directory of the run (default: runs/quickstart-<yyyyMMdd-HHmmss>); must be absent or "
                    + "empty.")
    Path out;

    @Option(names = "--quiet",
            description = "No progress bars, only log lines (for logs written to a file).")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (quiet) {
            Progress.quiet();
        }
        Path home = home();
        Path file = config != null ? config : home == null ? null : home.resolve(CONFIG);
        if (file == null || !Files.isRegularFile(file)) {
            throw new UserInputException(config != null ? "Config file not found: " + config
                    : "Cannot find " + CONFIG + ": run dino from a dino4j checkout (or set -D" + HOME_PROPERTY
                    + "=DIR), or pass --config FILE");
        }
        DinoConfig cfg = load(file, overrides);
        requireData(cfg);
        Path runDir = out != null ? out : Path.of("runs", "quickstart-" + LocalDateTime.now().format(RUN_STAMP));
        prepare(runDir);
        ConfigLoader.writeResolved(cfg, runDir);
        Provenance.collect(cfg.seed(), home != null ? home : file.toAbsolutePath().getParent()).write(runDir);

        PrintWriter o = spec.commandLine().getOut();
        var bb = cfg.model().backbone();
        o.printf(Locale.ROOT, "dino quickstart: DINO self-distillation of a ViT (patch %d, dim %d, depth %d, %d heads) "
                        + "for %d epoch%s on %s%nrun directory: %s%n", bb.patchSize(), bb.embedDim(), bb.depth(),
                bb.numHeads(), cfg.optim().epochs(), cfg.optim().epochs() == 1 ? "" : "s", cfg.data().train().path(),
                runDir.toAbsolutePath().normalize());
        o.flush();

        long t0 = System.nanoTime();
        try (DinoTrainer trainer = new DinoTrainer(cfg, runDir)) {
            boolean completed = trainStoppably(trainer);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            if (!completed) {
                o.printf("stopped at iteration %d; the checkpoint is in %s. Continue with:%n  dino train --resume %s%n",
                        trainer.position().iteration(), runDir, runDir);
                o.flush();
                return EXIT_STOPPED;
            }
            printKnn(o, trainer.knnHistory());
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("training and k-NN evaluation time", minutes(trainSeconds));
            figures.put("training images per epoch", String.format(Locale.ROOT, "%,d (%d iterations of %d)",
                    (long) trainer.iterationsPerEpoch() * cfg.optim().batchSize(), trainer.iterationsPerEpoch(),
                    cfg.optim().batchSize()));
            Path report = RunReport.write(runDir, trainer.teacher().backbone(), cfg,
                    RunReport.samples(cfg, RunReport.DEFAULT_SAMPLES), RunReport.Pictures.DINO, figures);
            o.printf(Locale.ROOT, "done in %s; report: %s%n", minutes((System.nanoTime() - t0) / 1e9),
                    report.toAbsolutePath().normalize().toUri());
            o.flush();
        }
        return 0;
    }

    /**
     * Runs the training so that Ctrl-C (or a kill) stops it after the current step with a checkpoint: a shutdown
     * hook asks the trainer to stop and waits until it has written the checkpoint.
     *
     * @return true if training ran to the end, false if it was stopped
     */
    static boolean trainStoppably(DinoTrainer trainer) {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (finished.getCount() == 0) {
                return;
            }
            System.err.println();
            System.err.println("dino: stopping after the current step and writing a checkpoint (up to "
                    + STOP_WAIT_SECONDS + " s) ...");
            trainer.requestStop();
            try {
                if (!finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    System.err.println("dino: gave up waiting; the last completed checkpoint is kept");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dino-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            trainer.run();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the checkpoint is written
            }
        }
        return !trainer.stopRequested();
    }

    /**
     * Loads the configuration; relative data paths in the file are taken relative to the file's folder, so that the
     * command works from any directory. (Paths given with {@code --set} stay relative to the working directory.)
     */
    static DinoConfig load(Path file, List<String> overrides) {
        DinoConfig c = ConfigLoader.load(file, overrides);
        Path base = file.toAbsolutePath().getParent();
        List<String> fixed = new ArrayList<>(overrides);
        relative(c.data().train().path(), "data.train.path", overrides, base, fixed);
        EvalDataConfig e = c.data().eval();
        if (e != null) {
            relative(e.trainPath(), "data.eval.train_path", overrides, base, fixed);
            relative(e.testPath(), "data.eval.test_path", overrides, base, fixed);
        }
        return fixed.size() == overrides.size() ? c : ConfigLoader.load(file, fixed);
    }

    private static void relative(Path p, String key, List<String> overrides, Path base, List<String> fixed) {
        boolean setByUser = overrides.stream().anyMatch(s -> s.startsWith(key + "="));
        if (p != null && !p.isAbsolute() && !setByUser) {
            fixed.add(key + "=" + base.resolve(p).normalize());
        }
    }

    private static void requireData(DinoConfig c) {
        List<Map.Entry<String, Path>> paths = new ArrayList<>();
        paths.add(Map.entry("data.train.path", orEmpty(c.data().train().path())));
        if (c.data().eval() != null && !c.eval().knnEpochs().isEmpty()) {
            paths.add(Map.entry("data.eval.train_path", orEmpty(c.data().eval().trainPath())));
            paths.add(Map.entry("data.eval.test_path", orEmpty(c.data().eval().testPath())));
        }
        for (Map.Entry<String, Path> p : paths) {
            if (p.getValue().toString().isEmpty()) {
                throw new UserInputException(p.getKey() + " is not set; add it to the config file or pass --set "
                        + p.getKey() + "=DIR");
            }
            if (!Files.isDirectory(p.getValue())) {
                throw new UserInputException(p.getKey() + " = " + p.getValue() + " is not a directory (the embedded "
                        + "dataset is data/fashion-mnist-subset in the dino4j checkout)");
            }
        }
    }

    private static Path orEmpty(Path p) {
        return p == null ? Path.of("") : p;
    }

    private static void prepare(Path runDir) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserInputException("Run directory " + runDir + " is a file; choose another --out");
        }
        if (Files.isDirectory(runDir)) {
            try (Stream<Path> entries = Files.list(runDir)) {
                if (entries.findAny().isPresent()) {
                    throw new UserInputException("Run directory " + runDir + " already holds files; choose another "
                            + "--out (or continue that run with: dino train --resume " + runDir + ")");
                }
            }
        }
        Files.createDirectories(runDir);
    }

    /** The k-NN table: one row per evaluation, random init first. */
    static void printKnn(PrintWriter o, Map<Integer, Map<Integer, Double>> history) {
        if (history.isEmpty()) {
            o.println("no k-NN evaluation configured (data.eval, eval.knn_epochs)");
            return;
        }
        List<Integer> ks = new ArrayList<>(history.values().iterator().next().keySet());
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-30s", "k-NN top-1 (teacher backbone)"));
        ks.forEach(k -> head.append(String.format(Locale.ROOT, "%9s", "k=" + k)));
        o.println(head);
        history.forEach((epoch, acc) -> {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-30s",
                    epoch == 0 ? "  random init" : "  after epoch " + epoch));
            ks.forEach(k -> row.append(acc.containsKey(k) ? String.format(Locale.ROOT, "%8.2f%%", acc.get(k))
                    : String.format(Locale.ROOT, "%9s", "-")));
            o.println(row);
        });
        o.flush();
    }

    private static String minutes(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
    }

    /**
     * The dino4j checkout: {@code -Ddino.home}, else the nearest folder holding {@link #CONFIG} above the jar or
     * classes of this command (the launcher runs the jar from {@code dino-examples/target}), else above the working
     * directory; null if none.
     */
    static Path home() {
        String prop = System.getProperty(HOME_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        List<Path> starts = new ArrayList<>();
        try {
            CodeSource cs = QuickstartCommand.class.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null) {
                starts.add(Path.of(cs.getLocation().toURI()));
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall back to the working directory
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
                if (Files.isRegularFile(d.resolve(CONFIG))) {
                    return d;
                }
            }
        }
        return null;
    }
}
