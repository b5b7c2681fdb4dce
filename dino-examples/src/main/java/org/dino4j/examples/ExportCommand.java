package org.dino4j.examples;

import ai.djl.ndarray.NDManager;
import org.dino4j.train.eval.CheckpointModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dino export}: a network of a checkpoint as a safetensors file with the official names. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a checkpoint's weights as safetensors with the official DINO names.",
                "Python's safetensors loaders read them without pickle.",
                "backbone: the teacher backbone with bare names (cls_token, blocks.0.attn.qkv.weight, ...), as the"
                        + " released weights;",
                "student / teacher: backbone.* and head.*, the layout of a DINO MultiCropWrapper."},
        footer = {"", "Examples:",
                "  dino export --checkpoint runs/fmnist/checkpoint.zip --format safetensors \\",
                "      --out teacher.safetensors",
                "  dino export --checkpoint runs/fmnist/checkpoint.zip --part student \\",
                "      --out student.safetensors",
                "", "In Python:",
                "  from safetensors.torch import load_file",
                "  vit.load_state_dict(load_file('teacher.safetensors'))"})
final class ExportCommand implements Callable<Integer> {

    private static final List<String> FORMATS = List.of("safetensors");

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "A dino4j run checkpoint (checkpoint.zip), an official .pth file or a safetensors file.")
    Path checkpoint;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "safetensors",
            description = "Output format: safetensors (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--part", paramLabel = "PART", defaultValue = "backbone",
            description = "backbone, student or teacher (default: ${DEFAULT-VALUE}: the teacher's backbone).")
    String part;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The file to write.")
    Path out;

    @Option(names = "--force", description = "Replace --out if it exists.")
    boolean force;

    @Option(names = "--heads", paramLabel = "N", defaultValue = "0",
            description = "Attention heads of an official ViT whose file does not tell it (default: inferred).")
    int heads;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (!FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            throw new UserInputException("Unknown --format '" + format + "'; supported: " + FORMATS);
        }
        CheckpointModels.Part what = part();
        CheckpointOptions source = new CheckpointOptions();
        source.file = checkpoint;
        source.role = "teacher";
        source.heads = heads;
        source.check();
        if (Files.isDirectory(out)) {
            throw new UserInputException("--out " + out + " is a directory; give a file name such as " + out
                    .resolve(what.cliName() + ".safetensors"));
        }
        if (Files.exists(out) && !force) {
            throw new UserInputException("--out " + out + " already exists; pass --force to replace it or choose"
                    + " another file");
        }
        if (Files.exists(out) && Files.isSameFile(out, checkpoint)) {
            throw new UserInputException("--out " + out + " is the checkpoint itself; choose another file");
        }
        CheckpointModels.ExportSummary summary;
        try (NDManager root = NDManager.newBaseManager()) {
            summary = CheckpointModels.exportSafetensors(checkpoint, what, heads, out, root);
        } catch (IOException e) {
            throw new UserInputException(source.describe(e.getMessage()));
        }
        PrintWriter w = spec.commandLine().getOut();
        String from = summary.source().startsWith("backbone") ? summary.source()
                : (what == CheckpointModels.Part.BACKBONE ? "the backbone of the " : "the ") + summary.source();
        w.printf("%s: %s; %d tensors, %,d parameters%n", summary.file(), from, summary.tensors(),
                summary.parameters());
        w.flush();
        return 0;
    }

    private CheckpointModels.Part part() {
        for (CheckpointModels.Part p : CheckpointModels.Part.values()) {
            if (p.cliName().equals(part.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new UserInputException("Unknown --part '" + part + "'; choose one of "
                + Arrays.stream(CheckpointModels.Part.values()).map(CheckpointModels.Part::cliName).toList());
    }
}
