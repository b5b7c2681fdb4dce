package org.dino4j.train.loop;

import org.dino4j.core.backbone.StochasticDepth;
import org.dino4j.core.backbone.VisionTransformer;
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

/** The DINOv2 objective (iBOT + Sinkhorn-Knopp + KoLeo, separate heads) through the whole trainer. */
class DinoV2TrainingTest {

    private static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private static DinoConfig tiny(String... extra) {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed");
        List<String> o = new ArrayList<>(List.of(
                "data.train.per_class_limit=10", "eval.knn_epochs=[]",
                "model.backbone.embed_dim=32", "model.backbone.depth=2", "model.backbone.num_heads=2",
                "model.head.out_dim=64", "model.head.hidden_dim=64", "model.head.bottleneck_dim=32",
                "optim.batch_size=16", "optim.epochs=2", "crops.local_count=2", "data.workers=1",
                "run.log_every=1", "run.threads=2", "run.max_steps_per_epoch=3"));
        o.addAll(List.of(extra));
        return ConfigLoader.load(List.of(Path.of("..", "configs", "fmnist-tiny.yaml"),
                Path.of("..", "configs", "dinov2.yaml")), o);
    }

    @Test
    void dinov2RecipeTrainsAndResumesExactly(@TempDir Path dir) throws Exception {
        DinoConfig c = tiny();
        Map<String, float[]> straight;
        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("a"))) {
            assertTrue(t.student().stateDict().containsKey("backbone.mask_token"));
            assertTrue(t.student().stateDict().containsKey("ibot_head.last_layer.weight_v"));
            // DINOv2's training path: stochastic depth runs the branches only on the kept samples
            VisionTransformer backbone = (VisionTransformer) t.student().backbone();
            assertEquals(StochasticDepth.Mode.SUBSET, backbone.config().dropPathMode());
            // and every block at the drop path rate, as DINOv2's drop_path_uniform
            assertEquals((double) c.model().backbone().dropPathRate(), backbone.blocks().get(0).dropPath().rate());
            t.run();
            straight = values(t);
        }
        for (Map<String, Object> row : MetricsLog.read(dir.resolve("a").resolve(MetricsLog.FILE))) {
            assertTrue(Double.isFinite(((Number) row.get("loss")).doubleValue()), row.toString());
        }
        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("b"))) {
            t.runUntil(4);
        }
        Map<String, float[]> resumed;
        try (DinoTrainer t = DinoTrainer.resume(dir.resolve("b"), null)) {
            t.run();
            resumed = values(t);
        }
        assertEquals(straight.keySet(), resumed.keySet());
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k), resumed.get(k), 0f, k);
        }
    }

    @Test
    void ibotWithCenteringAndSharedHead(@TempDir Path dir) {
        DinoConfig c = tiny("objective.teacher_targets=centering", "objective.ibot_separate_head=false",
                "objective.koleo_weight=0");
        try (DinoTrainer t = new DinoTrainer(c, dir)) {
            assertTrue(t.student().stateDict().keySet().stream().noneMatch(k -> k.startsWith("ibot_head.")));
            t.run();
            assertEquals(6, t.position().iteration());
        }
    }

    private static Map<String, float[]> values(DinoTrainer t) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        t.student().stateDict().forEach((k, p) -> out.put("student/" + k, p.getArray().toFloatArray()));
        t.teacher().stateDict().forEach((k, p) -> out.put("teacher/" + k, p.getArray().toFloatArray()));
        return out;
    }
}
