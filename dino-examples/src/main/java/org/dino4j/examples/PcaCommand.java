package org.dino4j.examples;

import ai.djl.ndarray.NDManager;
import org.dino4j.train.eval.LoadedModel;
import org.dino4j.train.eval.PcaVisualization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dino pca}: the first three principal components of the patch features as colours. */
@Command(name = "pca", mixinStandardHelpOptions = true,
        description = {"Show the patch features of images as colours, as in the DINOv2 paper's figures.",
                "A PCA over the patches of all images together; the background (a negative first component) is"
                        + " removed and the first three components of the foreground become red, green and blue.",
                "Writes one PNG with the images above their maps."},
        footer = {"", "Examples:",
                "  dino pca --checkpoint runs/fmnist/checkpoint.zip --image a.png b.png --out pca",
                "  dino pca --checkpoint dinov2_vits14_pretrain.pth --image cat1.jpg cat2.jpg \\",
                "      --size 448 --out pca"})
final class PcaCommand implements Callable<Integer> {

    @Mixin
    CheckpointOptions checkpoint;

    @Mixin
    ImageOptions images;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "pca",
            description = "File name of the figure, without .png (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--keep-background", description = "Colour every patch (no first-component threshold).")
    boolean keepBackground;

    @Option(names = "--background-threshold", paramLabel = "T", defaultValue = "0",
            description = "Patches scoring at most T on the first component are background (default: ${DEFAULT-VALUE},"
                    + " as in the paper).")
    double backgroundThreshold;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (name.isBlank() || name.contains("/") || name.contains("\\")) {
            throw new UserInputException("--name must be a file name without directories, got '" + name + "'");
        }
        if (!Double.isFinite(backgroundThreshold)) {
            throw new UserInputException("--background-threshold must be a finite number, got " + backgroundThreshold);
        }
        checkpoint.check();
        images.check();
        PcaVisualization.Options options = new PcaVisualization.Options(!keepBackground, backgroundThreshold,
                PcaVisualization.Options.DEFAULT.minDisplaySide());
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager root = NDManager.newBaseManager();
             LoadedModel model = checkpoint.load(root)) {
            if (model.patchSize() == 0) {
                throw new UserInputException("The PCA of patch features needs a Vision Transformer; "
                        + checkpoint.file + " holds a " + model.description().replaceFirst(".*\\((.*)\\)$", "$1"));
            }
            Path file = PcaVisualization.write(model.backbone(), images.read(model), model.normalization(),
                    images.out, name, options);
            out.printf("%s (%d images)%n", file, images.images.size());
        }
        out.flush();
        return 0;
    }
}
