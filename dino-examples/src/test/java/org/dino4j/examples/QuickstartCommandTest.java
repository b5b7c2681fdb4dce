package org.dino4j.examples;

import org.dino4j.examples.CliRun.Result;

import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.dino4j.train.loop.MetricsLog;
import org.dino4j.train.loop.Progress;
import org.dino4j.train.report.Provenance;
import org.dino4j.train.report.RunReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dino quickstart} end to end on tiny settings, its errors, and Ctrl-C in a separate JVM. */
class QuickstartCommandTest {

    /** A model and data small enough for a test: a few seconds of training. */
    static final List<String> TINY = List.of(
            "model.backbone.embed_dim=16", "model.backbone.depth=1", "model.backbone.num_heads=2",
            "model.head.out_dim=32", "model.head.hidden_dim=32", "model.head.bottleneck_dim=16",
            "data.train.per_class_limit=8", "data.eval.per_class_limit=10", "optim.batch_size=16",
            "optim.epochs=2", "crops.local_count=1", "data.workers=1", "run.threads=1", "run.log_every=1",
            "eval.knn_epochs=[0,2]");

    @TempDir
    Path tmp;

    @AfterEach
    void reset() {
        System.clearProperty(Progress.PROPERTY);
    }


    static Result run(String... args) {
        return CliRun.run(args);
    }

    static String[] quickstart(Path runDir, List<String> overrides, String... extra) {
        List<String> args = new ArrayList<>(List.of("quickstart", "--quiet", "--out", runDir.toString()));
        overrides.forEach(o -> {
            args.add("--set");
            args.add(o);
        });
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void tinyQuickstartWritesTheWholeRunDirectory() throws IOException {
        Path runDir = tmp.resolve("run");

        Result r = run(quickstart(runDir, TINY));

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("k-NN top-1 (teacher backbone)      k=20      k=1"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  random init +\\d+\\.\\d\\d% +\\d+\\.\\d\\d%\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  after epoch 2 +\\d+\\.\\d\\d% +\\d+\\.\\d\\d%\\n.*"), r.out());
        assertTrue(r.out().contains("report: file:"), r.out());
        for (String f : List.of(TrainingCheckpoint.LATEST, MetricsLog.FILE, ConfigLoader.RESOLVED_CONFIG_FILE,
                Provenance.FILE, RunReport.FILE, "plots/loss.png", "plots/knn.png")) {
            assertTrue(Files.isRegularFile(runDir.resolve(f)), f);
        }
        assertTrue(Files.list(runDir.resolve(RunReport.ATTENTION)).findAny().isPresent(), "attention maps");
        assertTrue(Files.list(runDir.resolve(RunReport.PCA)).findAny().isPresent(), "PCA picture");
        // the resolved configuration names the embedded data by absolute path and loads back as it was used
        DinoConfig resolved = ConfigLoader.loadResolved(runDir, List.of());
        assertTrue(resolved.data().train().path().isAbsolute(), resolved.data().train().path().toString());
        assertTrue(resolved.data().train().path().endsWith(Path.of("data", "fashion-mnist-subset")));
        assertEquals(Provenance.read(runDir).seed(), resolved.seed());
        String html = Files.readString(runDir.resolve(RunReport.FILE));
        assertTrue(html.contains("training and k-NN evaluation time"), html);
    }

    @Test
    void helpDescribesTheOptions() {
        Result r = run("quickstart", "--help");

        assertEquals(0, r.exitCode());
        for (String option : List.of("--config=FILE", "--set=KEY=VALUE", "--out=DIR", "--quiet", "--help")) {
            assertTrue(r.out().contains(option), option + " missing from\n" + r.out());
        }
        assertTrue(run("--help").out().contains("  quickstart "), "listed by dino --help");
    }

    @Test
    void anExistingRunIsNotOverwritten() throws IOException {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(runDir.resolve("metrics.jsonl"), "{}\n");

        Result r = run(quickstart(runDir, TINY));

        assertEquals(new Result(2, "", "error: Run directory " + runDir + " already holds files; choose another --out"
                + " (or continue that run with: dino train --resume " + runDir + ")\n"), r);
    }

    @Test
    void missingConfigAndMissingDataAreNamed() throws IOException {
        Path absent = tmp.resolve("absent.yaml");
        Result noConfig = run(quickstart(tmp.resolve("run"), List.of(), "--config", absent.toString()));
        assertEquals(new Result(2, "", "error: Config file not found: " + absent + "\n"), noConfig);

        Path config = Files.writeString(tmp.resolve("q.yaml"), "data:\n  train: {type: fashion-mnist, path: nowhere}\n"
                + "eval:\n  knn_epochs: []\n");
        Result noData = run(quickstart(tmp.resolve("run"), List.of(), "--config", config.toString()));
        assertEquals(new Result(2, "", "error: data.train.path = " + tmp.resolve("nowhere") + " is not a directory "
                + "(the embedded dataset is data/fashion-mnist-subset in the dino4j checkout)\n"), noData);
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void relativeDataPathsAreRelativeToTheConfigFile() throws IOException {
        Path configDir = Files.createDirectories(tmp.resolve("configs"));
        Path config = Files.writeString(configDir.resolve("q.yaml"),
                "data:\n  train: {type: fashion-mnist, path: ../data/x}\n"
                        + "  eval: {type: fashion-mnist, train_path: ../data/x, test_path: /abs/y}\n");

        DinoConfig c = QuickstartCommand.load(config, List.of("data.eval.train_path=here"));

        assertEquals(tmp.resolve("data/x").toAbsolutePath(), c.data().train().path());
        assertEquals(Path.of("here"), c.data().eval().trainPath(), "--set values stay as given");
        assertEquals(Path.of("/abs/y"), c.data().eval().testPath());
    }

    @Test
    void homeIsTheCheckoutHoldingTheQuickstartConfig() {
        Path home = QuickstartCommand.home();

        assertNotNull(home);
        assertTrue(Files.isRegularFile(home.resolve("configs/quickstart.yaml")));
        assertTrue(Files.isDirectory(home.resolve("data/fashion-mnist-subset")));
    }

    /**
     * Ctrl-C (here SIGTERM, which runs the same shutdown hooks) stops a real quickstart JVM after the current step:
     * the checkpoint holds the last completed step and the run resumes from it.
     */
    @Test
    void interruptedRunKeepsItsLastStepAndResumes() throws Exception {
        Path runDir = tmp.resolve("run");
        List<String> longer = new ArrayList<>(TINY);
        longer.add("optim.epochs=200");
        longer.add("eval.knn_epochs=[]");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                DinoCli.class.getName()));
        cmd.addAll(List.of(quickstart(runDir, longer)));
        Path log = tmp.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (trainLines(runDir) < 12 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(child.isAlive(), "still training: " + Files.readString(log));
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "stopped in time");
        } finally {
            child.destroyForcibly();
        }

        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(output.contains("dino: stopping after the current step and writing a checkpoint"), output);
        List<Map<String, Object>> rows = MetricsLog.read(runDir.resolve(MetricsLog.FILE));
        long lastLogged = ((Number) rows.get(rows.size() - 1).get("iteration")).longValue();
        try (DinoTrainer resumed = DinoTrainer.resume(runDir, null)) {
            assertEquals(lastLogged + 1, resumed.position().iteration(), "checkpoint = last completed step");
            assertTrue(resumed.position().iteration() < 200L * 5, "stopped early");
            resumed.runUntil(resumed.position().iteration() + 1);
        }
    }

    private static long trainLines(Path runDir) throws IOException {
        Path f = runDir.resolve(MetricsLog.FILE);
        if (!Files.isRegularFile(f)) {
            return 0;
        }
        return Files.readAllLines(f).stream().filter(l -> l.contains("\"train\"")).count();
    }
}
