package org.dino4j.examples;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.train.eval.CheckpointModels;
import org.dino4j.train.eval.LoadedModel;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The options of the commands that read a trained network: {@code --checkpoint}, {@code --role} and
 * {@code --heads}.
 */
final class CheckpointOptions {

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "A dino4j run checkpoint (runs/NAME/checkpoint.zip), an official DINO / DINOv2 .pth file"
                    + " or a safetensors file with official names (as 'dino export' writes).")
    Path file;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "teacher",
            description = "teacher or student: the network of a checkpoint that holds both (default: ${DEFAULT-VALUE},"
                    + " the one DINO evaluates).")
    String role;

    @Option(names = "--heads", paramLabel = "N", defaultValue = "0",
            description = "Attention heads of an official ViT whose file does not tell it (default: inferred).")
    int heads;

    /** The checked role. */
    TrainingRole role() {
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "teacher" -> TrainingRole.TEACHER;
            case "student" -> TrainingRole.STUDENT;
            default -> throw new UserInputException("Unknown --role '" + role + "'; choose teacher or student");
        };
    }

    /** Checks the options before anything is loaded. */
    void check() {
        role();
        if (heads < 0) {
            throw new UserInputException("--heads must be positive (or 0 to infer it), got " + heads);
        }
        if (!Files.exists(file)) {
            String relative = file.isAbsolute() ? ""
                    : " (relative to the working directory " + Path.of("").toAbsolutePath() + ")";
            throw new UserInputException("Checkpoint " + file + " does not exist" + relative
                    + "; a run writes runs/NAME/checkpoint.zip after its first epoch");
        }
        if (Files.isDirectory(file)) {
            throw new UserInputException("Checkpoint " + file + " is a directory; pass the file, e.g. " + file
                    .resolve("checkpoint.zip"));
        }
    }

    /**
     * Loads the network.
     *
     * @param root the command's root manager
     * @return the model, owned by a sub-manager of {@code root}
     */
    LoadedModel load(NDManager root) {
        check();
        try {
            return CheckpointModels.load(file, role(), heads, root);
        } catch (IOException e) {
            throw new UserInputException(describe(e.getMessage()));
        }
    }

    /** A library message about the file as one line that names the file once and the option that helps. */
    String describe(String message) {
        String name = file.toString();
        if (message == null) {
            return "Cannot load " + name;
        }
        String hint = message.contains("number of attention heads") ? " with --heads N" : "";
        if (message.startsWith(name + ": ")) {
            return "Cannot load " + name + ": " + message.substring(name.length() + 2) + hint;
        }
        return (message.startsWith(name) ? message : "Cannot load " + name + ": " + message) + hint;
    }
}
