package org.dino4j.examples;

import ai.djl.ndarray.NDManager;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.eval.AttentionMaps;
import org.dino4j.train.eval.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dino attention}: the last-layer CLS self-attention of every head over images, as heat-map overlays. */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = {"Draw the last-layer CLS self-attention of every head, as in the DINO paper's figures.",
                "Writes per image NAME.png (the image, the mean over heads and every head), NAME-mean.png and"
                        + " NAME-head<i>.png; with --threshold also the masks NAME-*-mask.png."},
        footer = {"", "Examples:",
                "  dino attention --checkpoint runs/fmnist/checkpoint.zip --image shirt.png \\",
                "      --out attention",
                "  dino attention --checkpoint dino_deitsmall16_pretrain.pth --image dog.jpg \\",
                "      --size 480 --threshold 0.6 --out attention"})
final class AttentionCommand implements Callable<Integer> {

    @Mixin
    CheckpointOptions checkpoint;

    @Mixin
    ImageOptions images;

    @Option(names = "--threshold", paramLabel = "MASS",
            description = "Also write masks that keep, per head, the most attended patches holding this share of"
                    + " the attention (the official figures use 0.6).")
    Double threshold;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (threshold != null && !(threshold > 0 && threshold <= 1)) {
            throw new UserInputException("--threshold must be in (0, 1] (a share of the attention mass, e.g. 0.6),"
                    + " got " + threshold);
        }
        checkpoint.check();
        images.check();
        AttentionMaps.Options options = AttentionMaps.Options.DEFAULT
                .withKeepMass(threshold == null ? 0 : threshold);
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager root = NDManager.newBaseManager();
             LoadedModel model = checkpoint.load(root)) {
            if (model.patchSize() == 0) {
                throw new UserInputException("Attention maps need a Vision Transformer; " + checkpoint.file
                        + " holds a " + model.description().replaceFirst(".*\\((.*)\\)$", "$1"));
            }
            List<FloatImage> resized = images.read(model);
            List<String> names = images.baseNames();
            for (int i = 0; i < resized.size(); i++) {
                List<Path> files = AttentionMaps.write(model.backbone(), resized.get(i), model.normalization(),
                        images.out, names.get(i), options);
                out.printf("%s: %s and %d more%n", images.images.get(i), files.get(0), files.size() - 1);
            }
        }
        out.flush();
        return 0;
    }
}
