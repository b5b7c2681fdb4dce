package org.dino4j.examples;

import org.dino4j.examples.CliRun.Result;

import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DinoCliTest {

    static final Path FMNIST_TINY = Path.of("..", "configs", "fmnist-tiny.yaml");

    @TempDir
    Path tmp;

    /** What the substituted trainer was asked to do. */
    record TrainCall(DinoConfig config, Path runDir, boolean resume) {}


    final List<TrainCall> calls = new ArrayList<>();

    /** --verbose raises the log level through a system property; keep it from leaking into other tests. */
    @AfterEach
    void resetLogLevel() {
        System.clearProperty("org.slf4j.simpleLogger.log.org.dino4j");
    }

    @Test
    void trainOptionsAreParsed() {
        ParseResult parsed = DinoCli.commandLine(CommandLine.defaultFactory()).parseArgs("train", "--config",
                "configs/fmnist-tiny.yaml", "--set", "optim.lr=1e-3", "--set", "eval.knn_epochs=[0,1,2]", "--out",
                "runs/x");

        TrainCommand train = (TrainCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(Path.of("configs/fmnist-tiny.yaml"), train.configOptions.file());
        assertEquals(List.of("optim.lr=1e-3", "eval.knn_epochs=[0,1,2]"), train.configOptions.overrides);
        assertEquals(Path.of("runs/x"), train.out);
        assertNull(train.resume);
    }

    @Test
    void resumeOptionIsParsed() {
        ParseResult parsed = DinoCli.commandLine(CommandLine.defaultFactory()).parseArgs("--verbose", "train",
                "--resume", "runs/x", "--set", "optim.epochs=10");

        TrainCommand train = (TrainCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(Path.of("runs/x"), train.resume);
        assertNull(train.configOptions.file());
        assertEquals(List.of("optim.epochs=10"), train.configOptions.overrides);
        assertTrue(parsed.hasMatchedOption("--verbose"));
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Result r = run("--help");

        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("Usage: dino [-hV] [--verbose] [COMMAND]"), r.out());
        assertTrue(r.out().contains("  train "), r.out());
        assertTrue(r.out().contains("  config "), r.out());
    }

    @Test
    void trainHelpDescribesEveryOption() {
        Result r = run("train", "--help");

        assertEquals(0, r.exitCode());
        for (String option : List.of("--config=FILE", "--set=KEY=VALUE", "--out=DIR", "--resume=DIR", "--verbose",
                "--help")) {
            assertTrue(r.out().contains(option), option + " missing from\n" + r.out());
        }
        assertTrue(r.out().contains("dino train --config configs/fmnist-tiny.yaml"), r.out());
    }

    @Test
    void newRunWritesTheResolvedConfigThenTrains() throws IOException {
        Path runDir = tmp.resolve("run");

        Result r = run(trainArgs("--out", runDir.toString(), "--set", "optim.lr=1e-3"));

        assertEquals(new Result(0, "", ""), r);
        DinoConfig expected = ConfigLoader.load(FMNIST_TINY, dataOverrides("optim.lr=1e-3"));
        assertEquals(List.of(new TrainCall(expected, runDir, false)), calls);
        assertEquals(expected, ConfigLoader.loadResolved(runDir, List.of()));
    }

    @Test
    void resumeContinuesWithTheSavedConfigAndKeepsTheOldOneWhenChanged() throws IOException {
        Path runDir = tmp.resolve("run");
        assertEquals(0, run(trainArgs("--out", runDir.toString())).exitCode());
        Files.writeString(runDir.resolve(TrainingCheckpoint.LATEST), "stands for the first epoch's checkpoint");
        String first = Files.readString(runDir.resolve(ConfigLoader.RESOLVED_CONFIG_FILE));

        Result same = run("train", "--resume", runDir.toString());
        Result longer = run("train", "--resume", runDir.toString(), "--set", "optim.epochs=8");

        assertEquals(0, same.exitCode(), same.err());
        assertEquals(0, longer.exitCode(), longer.err());
        DinoConfig original = ConfigLoader.load(FMNIST_TINY, dataOverrides());
        DinoConfig extended = ConfigLoader.load(FMNIST_TINY, dataOverrides("optim.epochs=8"));
        assertEquals(List.of(new TrainCall(original, runDir, false), new TrainCall(original, runDir, true),
                new TrainCall(extended, runDir, true)), calls);
        assertEquals(first, Files.readString(runDir.resolve("resolved-config.before-resume-1.yaml")));
        assertFalse(Files.exists(runDir.resolve("resolved-config.before-resume-2.yaml")), "unchanged: nothing kept");
        assertEquals(extended, ConfigLoader.loadResolved(runDir, List.of()));
    }

    @Test
    void badConfigPrintsOneCleanMessage() throws IOException {
        Path config = Files.writeString(tmp.resolve("bad.yaml"), "optim:\n  learning_rate: 0.1\n");
        Path runDir = tmp.resolve("run");

        Result r = run("train", "--config", config.toString(), "--out", runDir.toString());

        assertEquals(new Result(2, "", "error: Unknown key 'optim.learning_rate' in " + config + "; valid keys in"
                + " 'optim': [batch_size, betas, clip_grad, epochs, eps, freeze_last_layer, lr, min_lr, warmup_epochs,"
                + " weight_decay, weight_decay_end]\n"), r);
        assertEquals(List.of(), calls);
        assertFalse(Files.exists(runDir), "nothing is written for a bad configuration");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path config = Files.writeString(tmp.resolve("bad.yaml"), "teacher: {update: momentum}\n");

        Result r = run("train", "--verbose", "--config", config.toString());

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: Bad value for 'teacher.update' in " + config + ": 'momentum'; expected one"
                + " of [ema, previous_epoch, previous_iteration]\norg.dino4j.train.config.ConfigException: "), r.err());
        assertTrue(r.err().contains("\tat org.dino4j.train.config."), r.err());
    }

    @Test
    void existingRunIsNotOverwritten() throws IOException {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(runDir.resolve("checkpoint.bin"), "x");

        Result r = run(trainArgs("--out", runDir.toString()));

        assertEquals(new Result(2, "", "error: Run directory " + runDir + " already holds files; continue that run"
                + " with --resume " + runDir + " or choose another --out\n"), r);
        assertEquals(List.of(), calls);
    }

    @Test
    void missingTrainingDataIsReportedBeforeAnythingIsWritten() {
        Path runDir = tmp.resolve("run");

        Result r = run("train", "--config", FMNIST_TINY.toString(), "--out", runDir.toString(), "--set",
                "data.train.path=", "--set", "eval.knn_epochs=[]");

        assertEquals(new Result(2, "", "error: data.train.path is not set; add it to the config file or pass --set"
                + " data.train.path=DIR\n"), r);
        assertFalse(Files.exists(runDir));
    }

    @Test
    void absentTrainingDirectoryIsReported() {
        Path absent = tmp.resolve("absent");

        Result r = run("train", "--config", FMNIST_TINY.toString(), "--out", tmp.resolve("run").toString(), "--set",
                "data.train.path=" + absent, "--set", "eval.knn_epochs=[]");

        assertEquals(new Result(2, "", "error: data.train.path = " + absent + " does not exist\n"), r);
    }

    @Test
    void initFromSetsTheModelKeyWithAnAbsolutePath() throws IOException {
        Path weights = Files.writeString(tmp.resolve("it's weights.pth"), "stands for a checkpoint");
        Path runDir = tmp.resolve("run");

        Result r = run(trainArgs("--out", runDir.toString(), "--init-from", weights.toString()));

        assertEquals(new Result(0, "", ""), r);
        assertEquals(weights.toAbsolutePath(), calls.get(0).config().model().initFrom());
        assertEquals(weights.toAbsolutePath(), ConfigLoader.loadResolved(runDir, List.of()).model().initFrom());
    }

    @Test
    void initFromAMissingFileIsReportedBeforeAnythingIsWritten() {
        Path runDir = tmp.resolve("run");

        Result r = run(trainArgs("--out", runDir.toString(), "--init-from", tmp.resolve("absent.pth").toString()));

        assertEquals(new Result(2, "", "error: --init-from " + tmp.resolve("absent.pth") + ": no such file"
                + System.lineSeparator()), r);
        assertFalse(Files.exists(runDir));
        assertTrue(calls.isEmpty());
    }

    @Test
    void initFromAndResumeCannotBeCombined() {
        Result r = run("train", "--resume", tmp.toString(), "--init-from", "x.pth");

        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--init-from and --resume cannot be combined"), r.err());
    }

    @Test
    void outAndResumeCannotBeCombined() {
        Result r = run("train", "--resume", tmp.toString(), "--out", tmp.toString());

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("--out and --resume cannot be combined: a resumed run continues in its own"
                + " directory\nUsage: dino train"), r.err());
    }

    @Test
    void trainNeedsAConfigOrARunToResume() {
        Result r = run("train");

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Missing option --config FILE (or --resume DIR to continue a run)\n"), r.err());
    }

    @Test
    void resumingAMissingDirectory() {
        Path absent = tmp.resolve("absent");

        Result r = run("train", "--resume", absent.toString());

        assertEquals(new Result(2, "", "error: Cannot resume " + absent + ": no such directory\n"), r);
    }

    @Test
    void resumingARunWithoutCheckpointChangesNothing() throws IOException {
        Path runDir = tmp.resolve("run");
        assertEquals(0, run(trainArgs("--out", runDir.toString())).exitCode());
        String saved = Files.readString(runDir.resolve(ConfigLoader.RESOLVED_CONFIG_FILE));

        Result r = run("train", "--resume", runDir.toString(), "--set", "optim.epochs=8");

        assertEquals(new Result(2, "", "error: Cannot resume " + runDir + ": it holds no checkpoint.zip (a run writes"
                + " it after its first epoch); start a new run with --config instead\n"), r);
        assertEquals(saved, Files.readString(runDir.resolve(ConfigLoader.RESOLVED_CONFIG_FILE)));
        assertEquals(1, calls.size());
    }

    @Test
    void trainingFailureExitsWithOneAndNoStackTrace() {
        Result r = run((config, runDir, resume) -> {
            throw new IllegalStateException("loss is NaN at step 3");
        }, trainArgs("--out", tmp.resolve("run").toString()));

        assertEquals(new Result(1, "", "error: IllegalStateException: loss is NaN at step 3\n"
                + "(run with --verbose for the stack trace)\n"), r);
    }

    @Test
    void dinoWithoutCommandIsAUsageError() {
        Result r = run();

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Missing command: choose one of [quickstart, train, config, bench, eval, attention, pca, export, info, help]\n"), r.err());
    }

    @Test
    void configCommandPrintsTheResolvedConfig() throws IOException {
        Result r = run("config", "--config", FMNIST_TINY.toString(), "--set", "optim.epochs=2",
                "--set", "eval.knn_epochs=[0, 2]");

        assertEquals(0, r.exitCode(), r.err());
        Path printed = Files.writeString(tmp.resolve("printed.yaml"), r.out());
        assertEquals(ConfigLoader.load(FMNIST_TINY, List.of("optim.epochs=2", "eval.knn_epochs=[0, 2]")),
                ConfigLoader.load(printed, List.of()));
    }

    /** {@code train --config fmnist-tiny.yaml} with the data paths pointed at an existing temporary directory. */
    private String[] trainArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--config", FMNIST_TINY.toString()));
        for (String override : dataOverrides()) {
            args.add("--set");
            args.add(override);
        }
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private List<String> dataOverrides(String... more) {
        List<String> overrides = new ArrayList<>(List.of("data.train.path=" + tmp, "data.eval.train_path=" + tmp,
                "data.eval.test_path=" + tmp));
        overrides.addAll(List.of(more));
        return overrides;
    }

    private Result run(String... args) {
        return run((config, runDir, resume) -> calls.add(new TrainCall(config, runDir, resume)), args);
    }

    private Result run(TrainCommand.Trainer trainer, String... args) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> type) throws Exception {
                return type == TrainCommand.class ? (K) new TrainCommand(trainer) : defaults.create(type);
            }
        };
        return CliRun.run(factory, args);
    }
}
