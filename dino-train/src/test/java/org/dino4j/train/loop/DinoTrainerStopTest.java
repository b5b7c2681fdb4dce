package org.dino4j.train.loop;

import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop request (what Ctrl-C sends) ends a run after the current step with a checkpoint it resumes from. */
class DinoTrainerStopTest {

    private static final Path EMBEDDED = Path.of("..", "data", "fashion-mnist-subset");

    @Test
    void stopRequestCheckpointsTheLastCompletedStepAndTheRunResumesThere(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(EMBEDDED), "embedded dataset missing");
        DinoConfig c = ConfigLoader.load(Path.of("..", "configs", "quickstart.yaml"), List.of(
                "data.train.path=" + EMBEDDED, "data.train.per_class_limit=8", "eval.knn_epochs=[]",
                "model.backbone.embed_dim=16", "model.backbone.depth=1", "model.backbone.num_heads=2",
                "model.head.out_dim=32", "model.head.hidden_dim=32", "model.head.bottleneck_dim=16",
                "optim.batch_size=8", "optim.epochs=50", "crops.local_count=1", "data.workers=1",
                "run.log_every=1", "run.threads=1"));
        long total = 50L * 10;
        TrainingCheckpoint.Position stoppedAt;
        try (DinoTrainer t = new DinoTrainer(c, dir)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread training = new Thread(() -> {
                try {
                    t.run();
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            training.start();
            while (t.position().iteration() < 3 && training.isAlive()) {
                Thread.sleep(5);
            }
            t.requestStop();
            training.join(60_000);
            assertEquals(null, failure.get());
            assertTrue(t.stopRequested());
            stoppedAt = t.position();
        }

        assertTrue(stoppedAt.iteration() >= 3 && stoppedAt.iteration() < total, stoppedAt.toString());
        var rows = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        long lastLogged = ((Number) rows.get(rows.size() - 1).get("iteration")).longValue();
        assertEquals(stoppedAt.iteration(), lastLogged + 1, "the checkpoint is at the last completed step");
        try (DinoTrainer resumed = DinoTrainer.resume(dir, null)) {
            assertEquals(stoppedAt, resumed.position());
            resumed.runUntil(stoppedAt.iteration() + 2);
            assertEquals(stoppedAt.iteration() + 2, resumed.position().iteration());
        }
    }
}
