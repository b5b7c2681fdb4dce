package org.dino4j.train.loop;

import org.dino4j.core.interop.DinoTrainingCheckpoint;
import org.dino4j.core.interop.OfficialCheckpoints;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.TinyModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code model.init_from} through the trainer: a run continues an official DINO training checkpoint. */
class InitFromTrainingTest {

    private static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void aRunContinuesAnOfficialCheckpointAndItsResumeDoesNotReadTheFileAgain(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed");
        Path official = dir.resolve("checkpoint.pth");
        Files.copy(TinyModels.fixtures().resolve("checkpoints").resolve("dino_train_checkpoint.pth"), official);
        DinoConfig c = ConfigLoader.load(Path.of("..", "configs", "fmnist-tiny.yaml"), List.of(
                // the fixture's architecture: img 32, patch 4, D 48, depth 2, 3 heads, head 64/32/256
                "model.backbone.image_size=32", "model.backbone.embed_dim=48", "model.backbone.depth=2",
                "model.backbone.num_heads=3", "model.head.out_dim=256", "model.head.hidden_dim=64",
                "model.head.bottleneck_dim=32", "crops.global_size=32", "crops.local_size=16",
                "crops.local_count=2", "model.init_from=" + official, "data.train.per_class_limit=10",
                "eval.knn_epochs=[]", "optim.batch_size=8", "optim.epochs=2", "data.workers=1",
                "run.threads=2", "run.max_steps_per_epoch=2"));
        DinoTrainingCheckpoint expected = OfficialCheckpoints.readDinoTraining(official);

        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("run"))) {
            assertArrayEquals(expected.teacher().get("backbone.pos_embed").floats(),
                    t.teacher().stateDict().get("backbone.pos_embed").getArray().toFloatArray(), 0f);
            assertArrayEquals(expected.student().get("head.last_layer.weight_v").floats(),
                    t.student().stateDict().get("head.last_layer.weight_v").getArray().toFloatArray(), 0f);
            t.runUntil(2);
        }
        Files.delete(official);
        try (DinoTrainer t = DinoTrainer.resume(dir.resolve("run"), null)) {
            t.run();
            assertEquals(4, t.position().iteration());
        }
    }

    @Test
    void theCentreOfTheCheckpointIsRestored(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed");
        Path official = TinyModels.fixtures().resolve("checkpoints").resolve("dino_train_checkpoint.pth");
        DinoConfig c = ConfigLoader.load(Path.of("..", "configs", "fmnist-tiny.yaml"), List.of(
                "model.backbone.image_size=32", "model.backbone.embed_dim=48", "model.backbone.depth=2",
                "model.backbone.num_heads=3", "model.head.out_dim=256", "model.head.hidden_dim=64",
                "model.head.bottleneck_dim=32", "crops.global_size=32", "crops.local_size=16",
                "model.init_from=" + official.toAbsolutePath(), "data.train.per_class_limit=10",
                "eval.knn_epochs=[]", "optim.batch_size=8"));
        float[] centre = OfficialCheckpoints.readDinoTraining(official).center().floats();

        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("run"))) {
            assertArrayEquals(centre, ((CenteringSharpening) t.objective().clsTargets()).centerValues(), 0f);
        }
    }
}
