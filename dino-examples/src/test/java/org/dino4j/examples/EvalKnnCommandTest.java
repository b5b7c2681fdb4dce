package org.dino4j.examples;

import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dino eval knn} on the checkpoint of a real (two-step) training run on a Fashion-MNIST subset. */
class EvalKnnCommandTest {

    private static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path tmp;

    @Test
    void knnOfATinyTrainedCheckpoint() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        DinoConfig config = ConfigLoader.load(Path.of("..", "configs", "fmnist-tiny.yaml"), List.of(
                "data.train.per_class_limit=4", "eval.knn_epochs=[]", "model.backbone.embed_dim=32",
                "model.backbone.depth=2", "model.backbone.num_heads=2", "model.head.out_dim=64",
                "model.head.hidden_dim=32", "model.head.bottleneck_dim=16", "optim.batch_size=8",
                "crops.local_count=2", "data.workers=1", "run.threads=1"));
        Path run = tmp.resolve("run");
        try (DinoTrainer trainer = new DinoTrainer(config, run)) {
            trainer.runUntil(2);
        }
        Path checkpoint = run.resolve(TrainingCheckpoint.LATEST);

        CliRun.Result r = AnalysisCommandsTest.run("eval", "knn", "--checkpoint",
                checkpoint.toString(), "--data", FMNIST.toString(), "--per-class", "10");

        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals("k-NN with the teacher of " + checkpoint + " (ViT patch 4, D 32, depth 2, 2 heads)", lines[0]);
        assertEquals("memory bank 100 images, queries 100 images, 10 classes, 28x28 pixels, T = 0.07", lines[1]);
        Pattern row = Pattern.compile("k=(\\d+) +top-1 +([0-9.]+)% +top-5 +([0-9.]+)%");
        for (int i = 0; i < 2; i++) {
            Matcher m = row.matcher(lines[2 + i]);
            assertTrue(m.matches(), lines[2 + i]);
            assertEquals(i == 0 ? 20 : 1, Integer.parseInt(m.group(1)));
            double top1 = Double.parseDouble(m.group(2));
            assertTrue(top1 > 10 && top1 <= 100, "better than chance on Fashion-MNIST: " + top1);
        }
    }
}
