package org.dino4j.examples;

import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code dino train}: loads and checks the configuration, prepares the run directory (with its
 * {@value ConfigLoader#RESOLVED_CONFIG_FILE}) and hands both to {@link DinoTrainer}.
 *
 * <p>Everything the user can get wrong is checked before anything is written, and a new run never writes into a
 * directory that already holds files, so an earlier run cannot be overwritten by accident.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Pretrain a backbone with DINO self-distillation.",
                "A new run writes resolved-config.yaml, checkpoints and logs into its run directory; --resume continues "
                        + "a run from its latest checkpoint."},
        footer = {"", "Examples:",
                "  dino train --config configs/fmnist-tiny.yaml",
                "  dino train --config configs/fmnist-tiny.yaml --out runs/smoke \\",
                "      --set run.max_steps_per_epoch=10",
                "  dino train --resume runs/smoke --set optim.epochs=10",
                "  dino train --config configs/vit-s16-imagenet.yaml --set data.train.path=DIR \\",
                "      --init-from dino_deitsmall16_pretrain_full_checkpoint.pth"})
final class TrainCommand implements Callable<Integer> {

    private static final DateTimeFormatter RUN_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Directory of the new run (default: runs/<config name>-<yyyyMMdd-HHmmss>); must be absent or "
                    + "empty.")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR from its latest checkpoint, with its resolved-config.yaml (or "
                    + "--config FILE) and the --set overrides.")
    Path resume;

    @Option(names = "--init-from", paramLabel = "FILE",
            description = {"Start from these weights instead of a random initialisation (sets model.init_from):",
                    "an official DINO training checkpoint .pth (student, teacher, centre) or backbone weights",
                    "(.pth of DINO / DINOv2 ViTs and ResNets, or a .safetensors export) with fresh heads.",
                    "The model keys of the config must describe the same architecture."})
    Path initFrom;

    @Option(names = "--quiet", description = "No progress bars, only log lines (for logs written to a file).")
    boolean quiet;

    @Spec
    CommandSpec spec;

    private final Trainer trainer;

    /** Trains with {@link DinoTrainer}. */
    TrainCommand() {
        this(TrainCommand::runDinoTrainer);
    }

    /** @param trainer what runs the training once the run directory is ready */
    TrainCommand(Trainer trainer) {
        this.trainer = trainer;
    }

    /** Starts training in a prepared run directory; tests substitute it to check the command without training. */
    @FunctionalInterface
    interface Trainer {
        /**
         * @param config the checked configuration, as written to the run directory
         * @param runDir the run directory, holding {@value ConfigLoader#RESOLVED_CONFIG_FILE}
         * @param resume whether to continue from the latest checkpoint in {@code runDir}
         */
        void train(DinoConfig config, Path runDir, boolean resume) throws Exception;
    }

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (resume != null && out != null) {
            throw new ParameterException(spec.commandLine(),
                    "--out and --resume cannot be combined: a resumed run continues in its own directory");
        }
        if (resume == null && configOptions.file() == null) {
            throw new ParameterException(spec.commandLine(),
                    "Missing option --config FILE (or --resume DIR to continue a run)");
        }
        if (quiet) {
            org.dino4j.train.loop.Progress.quiet();
        }
        if (resume != null && initFrom != null) {
            throw new ParameterException(spec.commandLine(),
                    "--init-from and --resume cannot be combined: a resumed run continues from its own checkpoint");
        }
        if (initFrom != null) {
            if (!Files.isRegularFile(initFrom)) {
                throw new UserInputException("--init-from " + initFrom + ": no such file");
            }
            // quoted: the value is YAML, and a path may hold characters YAML would read otherwise
            configOptions.overrides.add("model.init_from='" + initFrom.toAbsolutePath().toString().replace("'", "''")
                    + "'");
        }
        return resume != null ? resumeRun() : newRun();
    }

    private int newRun() throws Exception {
        DinoConfig config = configOptions.load();
        requireData(config);
        Path runDir = out != null ? out : defaultRunDir(configOptions.file());
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserInputException("Run directory " + runDir + " is a file; choose another --out");
        }
        if (Files.isDirectory(runDir) && !isEmpty(runDir)) {
            throw new UserInputException("Run directory " + runDir + " already holds files; continue that run with "
                    + "--resume " + runDir + " or choose another --out");
        }
        Files.createDirectories(runDir);
        ConfigLoader.writeResolved(config, runDir);
        log().info("New run in {} ({})", runDir, configOptions.file());
        trainer.train(config, runDir, false);
        return 0;
    }

    private int resumeRun() throws Exception {
        if (!Files.isDirectory(resume)) {
            throw new UserInputException("Cannot resume " + resume + ": no such directory");
        }
        if (!Files.isRegularFile(resume.resolve(TrainingCheckpoint.LATEST))) {
            throw new UserInputException("Cannot resume " + resume + ": it holds no " + TrainingCheckpoint.LATEST
                    + " (a run writes it after its first epoch); start a new run with --config instead");
        }
        DinoConfig config = configOptions.file() != null ? configOptions.load()
                : ConfigLoader.loadResolved(resume, configOptions.overrides);
        requireData(config);
        Path saved = resume.resolve(ConfigLoader.RESOLVED_CONFIG_FILE);
        if (!Files.isRegularFile(saved) || !Files.readString(saved).equals(ConfigLoader.toYaml(config))) {
            if (Files.isRegularFile(saved)) {
                // the run's history must stay readable: keep the configuration the earlier epochs were trained with
                Path kept = keptConfigName(resume);
                Files.move(saved, kept);
                log().info("The configuration changed on resume; the previous one is kept as {}", kept);
            }
            ConfigLoader.writeResolved(config, resume);
        }
        log().info("Resuming the run in {}", resume);
        trainer.train(config, resume, true);
        return 0;
    }

    /** Fails before anything is written if the training images (or the k-NN sets in use) are not there. */
    private static void requireData(DinoConfig config) {
        Path train = config.data().train().path();
        if (train == null) {
            throw new UserInputException("data.train.path is not set; add it to the config file or pass "
                    + "--set data.train.path=DIR");
        }
        requireExists("data.train.path", train);
        if (config.model().initFrom() != null) {
            requireExists("model.init_from", config.model().initFrom());
        }
        if (!config.eval().knnEpochs().isEmpty()) {
            requireExists("data.eval.train_path", config.data().eval().trainPath());
            requireExists("data.eval.test_path", config.data().eval().testPath());
        }
    }

    private static void requireExists(String key, Path path) {
        if (!Files.exists(path)) {
            String relative = path.isAbsolute() ? ""
                    : " (relative to the working directory " + Path.of("").toAbsolutePath() + ")";
            throw new UserInputException(key + " = " + path + " does not exist" + relative);
        }
    }

    private static Path defaultRunDir(Path configFile) {
        String name = configFile.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return Path.of("runs", name + "-" + LocalDateTime.now().format(RUN_STAMP));
    }

    private static Path keptConfigName(Path runDir) {
        for (int i = 1; ; i++) {
            Path candidate = runDir.resolve("resolved-config.before-resume-" + i + ".yaml");
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Ctrl-C (or a kill) stops after the current step with a checkpoint, as in the quick start. */
    private static void runDinoTrainer(DinoConfig config, Path runDir, boolean resume) throws Exception {
        try (DinoTrainer trainer = resume ? DinoTrainer.resume(runDir, config) : new DinoTrainer(config, runDir)) {
            if (!QuickstartCommand.trainStoppably(trainer)) {
                log().info("Stopped; continue with: dino train --resume {}", runDir);
            }
        }
    }

    /** Created on use rather than statically, so that {@code --verbose} can still raise the level. */
    private static Logger log() {
        return LoggerFactory.getLogger(TrainCommand.class);
    }
}
