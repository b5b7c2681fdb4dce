package org.dino4j.examples;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.TrainingFlops;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.model.MultiCropNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code dino info}: the resolved configuration, the parameter counts of the networks it builds and the analytic
 * cost of training with it (see {@link TrainingFlops} for the formula). Nothing is allocated or trained.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Print the resolved configuration, parameter counts and FLOPs per image and per step.",
                "FLOPs count the matrix products (multiply-add = 2); the student's forward and backward pass costs"
                        + " three forward passes, the teacher's one."},
        footer = {"", "Example:", "  dino info --config configs/fmnist-tiny.yaml --set optim.batch_size=64"})
final class InfoCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        DinoConfig config = configOptions.load();
        PrintWriter out = spec.commandLine().getOut();
        out.print(ConfigLoader.toYaml(config));
        out.println();
        out.print(summary(config));
        out.flush();
        return 0;
    }

    /** The counts as YAML comments, so that the whole output still loads as a configuration. */
    static String summary(DinoConfig config) {
        MultiCropNetwork student = ModelFactory.student(config.model(), config.objective());
        MultiCropNetwork teacher = ModelFactory.teacher(config.model(), config.objective());
        StringBuilder sb = new StringBuilder();
        sb.append("# Parameters\n");
        row(sb, "student backbone", count(student.backbone().block().parameterCount(false)));
        row(sb, "student head", count(student.head().block().parameterCount(false)));
        if (student.patchHead() != student.head()) {
            row(sb, "student iBOT head", count(student.patchHead().block().parameterCount(false)));
        }
        row(sb, "student trainable", count(student.parameterCount(true)));
        row(sb, "teacher backbone", count(teacher.backbone().block().parameterCount(false)));
        row(sb, "teacher head", count(teacher.head().block().parameterCount(false)));
        TrainingFlops f = TrainingFlops.of(config);
        int g = config.crops().globalSize();
        int l = config.crops().localSize();
        int locals = config.crops().localCount();
        sb.append("#\n# FLOPs (matrix products; multiply-add = 2)\n");
        row(sb, "backbone, one " + g + "x" + g + " global crop", gflop(f.backboneGlobalCrop())
                + "   (inference per image)");
        if (locals > 0) {
            row(sb, "backbone, one " + l + "x" + l + " local crop", gflop(f.backboneLocalCrop()));
        }
        row(sb, "head, one crop", gflop(f.headPerCrop()));
        row(sb, "student forward per image", gflop(f.studentForwardPerImage()) + "   (2 global + " + locals
                + " local crops)");
        row(sb, "teacher forward per image", gflop(f.teacherForwardPerImage()) + "   (2 global crops)");
        row(sb, "training per image", gflop(f.perImage()) + "   (3 x student forward + teacher forward)");
        row(sb, "training per step", gflop(f.perStep()) + "   (batch " + f.batchSize() + ")");
        if (f.modelPerImage() != f.perImage()) {
            row(sb, "model per step", gflop(f.modelPerStep()) + "   (every token through every block; the step"
                    + " skips products it does not need)");
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, String value) {
        sb.append(String.format("#   %-34s %s%n", label, value));
    }

    private static String count(long n) {
        return String.format("%,15d", n);
    }

    private static String gflop(long flop) {
        return String.format("%15.4f GFLOP", flop / 1e9);
    }
}
