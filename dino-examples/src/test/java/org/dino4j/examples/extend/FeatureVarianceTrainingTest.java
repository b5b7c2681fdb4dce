package org.dino4j.examples.extend;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.dino4j.train.loop.MetricsLog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user term named in YAML trains a few steps without touching dino4j. */
class FeatureVarianceTrainingTest {

    @Test
    void trainsAFewStepsWithTheUserTerm(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")),
                "Fashion-MNIST not installed");
        DinoConfig c = ConfigLoader.load(Path.of("..", "configs", "fmnist-tiny.yaml"), List.of(
                "objective.extra_terms=[{type: feature_variance, weight: 0.5}]",
                "data.train.per_class_limit=10", "eval.knn_epochs=[]", "model.backbone.embed_dim=32",
                "model.backbone.depth=1", "model.backbone.num_heads=2", "model.head.out_dim=64",
                "model.head.hidden_dim=64", "model.head.bottleneck_dim=32", "optim.batch_size=16", "optim.epochs=1",
                "crops.local_count=2", "run.max_steps_per_epoch=3", "run.log_every=1", "data.workers=1"));
        assertEquals("feature_variance", c.objective().extraTerms().get(0).type());
        try (DinoTrainer t = new DinoTrainer(c, dir)) {
            t.run();
            assertEquals(3, t.position().iteration());
        }
        List<Map<String, Object>> rows = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        assertEquals(3, rows.size());
        rows.forEach(r -> assertTrue(Double.isFinite(((Number) r.get("loss")).doubleValue())));
    }
}
