package org.dino4j.train.loop;

import org.dino4j.core.backbone.ResNet;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ResNet as the backbone of a DINO run (the paper's other backbone), through the whole trainer. */
class ResNetTrainingTest {

    private static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private static DinoConfig tiny(String... extra) {
        Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed");
        List<String> o = new ArrayList<>(List.of(
                "model.backbone.type=resnet", "model.backbone.depth=18",
                "data.train.per_class_limit=10", "eval.knn_epochs=[]",
                "model.head.out_dim=64", "model.head.hidden_dim=64", "model.head.bottleneck_dim=32",
                "optim.batch_size=8", "optim.epochs=2", "crops.local_count=2", "data.workers=1",
                "run.log_every=1", "run.threads=2", "run.max_steps_per_epoch=1"));
        o.addAll(List.of(extra));
        return ConfigLoader.load(Path.of("..", "configs", "fmnist-tiny.yaml"), o);
    }

    @Test
    void resnetTrainsWithTheTeachersOwnBatchStatisticsAndResumesExactly(@TempDir Path dir) throws Exception {
        DinoConfig c = tiny();
        Map<String, float[]> straight;
        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("a"))) {
            assertInstanceOf(ResNet.class, t.student().backbone());
            assertEquals(512, t.student().head().inDim());
            float[] teacherMean = array(t.teacher().stateDict().get("backbone.bn1.running_mean").getArray());
            t.run();
            straight = values(t);
            // the official teacher is never put in eval mode: its forward updates its own running statistics,
            // while the EMA covers the parameters only
            assertFalse(java.util.Arrays.equals(teacherMean, straight.get("teacher/backbone.bn1.running_mean")));
            assertFalse(java.util.Arrays.equals(straight.get("student/backbone.bn1.running_mean"),
                    straight.get("teacher/backbone.bn1.running_mean")));
            assertEquals(2f, straight.get("teacher/backbone.bn1.num_batches_tracked")[0], "one teacher forward per step");
        }
        for (Map<String, Object> row : MetricsLog.read(dir.resolve("a").resolve(MetricsLog.FILE))) {
            assertTrue(Double.isFinite(((Number) row.get("loss")).doubleValue()), row.toString());
        }
        try (DinoTrainer t = new DinoTrainer(c, dir.resolve("b"))) {
            t.runUntil(1);
        }
        try (DinoTrainer t = DinoTrainer.resume(dir.resolve("b"), null)) {
            t.run();
            Map<String, float[]> resumed = values(t);
            assertEquals(straight.keySet(), resumed.keySet());
            for (String k : straight.keySet()) {
                assertArrayEquals(straight.get(k), resumed.get(k), 0f, k);
            }
        }
    }

    private static float[] array(ai.djl.ndarray.NDArray a) {
        return a.toType(ai.djl.ndarray.types.DataType.FLOAT32, true).toFloatArray();
    }

    private static Map<String, float[]> values(DinoTrainer t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        t.student().stateDict().forEach((k, p) -> out.put("student/" + k, array(p.getArray())));
        t.teacher().stateDict().forEach((k, p) -> out.put("teacher/" + k, array(p.getArray())));
        return out;
    }
}
