package org.dino4j.train.loop;

import ai.djl.nn.Parameter;
import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole-run behaviour on a small Fashion-MNIST subset: learning, metrics, checkpoints and exact resume. */
class DinoTrainerTest {

    private static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private static final Path CONFIG = Path.of("..", "configs", "fmnist-tiny.yaml");

    private static DinoConfig tiny(String... extra) {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        List<String> o = new ArrayList<>(List.of(
                "data.train.per_class_limit=20", "data.eval.per_class_limit=30",
                "model.backbone.embed_dim=32", "model.backbone.depth=2", "model.backbone.num_heads=2",
                "model.head.out_dim=64", "model.head.hidden_dim=64", "model.head.bottleneck_dim=32",
                "optim.batch_size=16", "optim.epochs=2", "crops.local_count=2", "data.workers=2",
                "run.log_every=2", "run.threads=2"));
        o.addAll(List.of(extra));
        return ConfigLoader.load(CONFIG, o);
    }

    @Test
    void shortRunWritesMetricsCheckpointAndConfig(@TempDir Path dir) throws Exception {
        DinoConfig c = tiny("eval.knn_epochs=[0,2]");
        try (DinoTrainer t = new DinoTrainer(c, dir)) {
            assertEquals(12, t.iterationsPerEpoch(), "200 images / batch 16, last partial batch dropped");
            t.run();
            assertEquals(24, t.position().iteration());
            assertTrue(t.knnHistory().containsKey(0) && t.knnHistory().containsKey(2));
        }
        assertTrue(Files.isRegularFile(dir.resolve(TrainingCheckpoint.LATEST)));
        assertTrue(Files.isRegularFile(dir.resolve(ConfigLoader.RESOLVED_CONFIG_FILE)));
        List<Map<String, Object>> rows = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        long train = rows.stream().filter(r -> "train".equals(r.get("type"))).count();
        long eval = rows.stream().filter(r -> "eval".equals(r.get("type"))).count();
        assertEquals(12, train, "a line every 2 iterations");
        assertEquals(2, eval);
        Map<String, Object> first = rows.stream().filter(r -> "train".equals(r.get("type"))).findFirst().orElseThrow();
        for (String key : List.of("epoch", "iteration", "loss", "lr", "wd", "momentum", "teacher_temp", "images_per_s")) {
            assertTrue(first.containsKey(key), key);
        }
        double k20 = ((Number) rows.stream().filter(r -> "eval".equals(r.get("type"))).findFirst().orElseThrow()
                .get("knn_k20_top1")).doubleValue();
        assertTrue(k20 > 10 && k20 <= 100, "k-NN accuracy in percent: " + k20);
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Exception {
        DinoConfig c = tiny("eval.knn_epochs=[]", "run.max_steps_per_epoch=4");
        Path straight = dir.resolve("straight");
        Path split = dir.resolve("split");
        Map<String, float[]> a;
        try (DinoTrainer t = new DinoTrainer(c, straight)) {
            t.run();
            a = values(t);
        }
        try (DinoTrainer t = new DinoTrainer(c, split)) {
            t.runUntil(3); // stops in the middle of epoch 0 and checkpoints
            assertEquals(new TrainingCheckpoint.Position(0, 3, 3), t.position());
        }
        Map<String, float[]> b;
        try (DinoTrainer t = DinoTrainer.resume(split, null)) {
            assertEquals(3, t.position().iteration());
            t.run();
            assertEquals(8, t.position().iteration());
            b = values(t);
        }
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), 0f, k);
        }
    }

    private static Map<String, float[]> values(DinoTrainer t) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : t.student().stateDict().entrySet()) {
            out.put("student/" + e.getKey(), e.getValue().getArray().toFloatArray());
        }
        for (Map.Entry<String, Parameter> e : t.teacher().stateDict().entrySet()) {
            out.put("teacher/" + e.getKey(), e.getValue().getArray().toFloatArray());
        }
        return out;
    }
}
