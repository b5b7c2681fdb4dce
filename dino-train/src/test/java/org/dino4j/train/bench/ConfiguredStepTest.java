package org.dino4j.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.testing.ParityAssert;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.config.ObjectiveMethod;
import org.dino4j.train.loop.StepResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmarked step is the configured one: DINOv2 parts when the configuration asks for them. */
class ConfiguredStepTest {

    @Test
    void dinov2ConfigurationBuildsTheDinov2Step() {
        DinoConfig config = BenchConfigs.tiny(List.of(BenchConfigs.DINOV2));
        try (NDManager root = NDManager.newBaseManager();
             ConfiguredStep s = ConfiguredStep.build(config, 4, root)) {
            assertEquals(ObjectiveMethod.DINOV2, s.objective().method());
            assertTrue(s.objective().ibot());
            assertInstanceOf(SinkhornKnopp.class, s.objective().clsTargets());
            assertEquals(List.of("koleo"), s.objective().terms().stream().map(t -> t.name()).toList());
            assertTrue(s.student().stateDict().containsKey("backbone.mask_token"));
            assertNotSame(s.student().head(), s.student().patchHead());
            // the teacher starts as the student's copy
            NDArray sw = s.student().stateDict().get("head.last_layer.weight_v").getArray();
            NDArray tw = s.teacher().stateDict().get("head.last_layer.weight_v").getArray();
            assertTrue(sw.contentEquals(tw));

            StepResult r = run(s, config, root);

            assertTrue(Double.isFinite(r.loss()));
            assertFalse(s.student().stateDict().get("head.last_layer.weight_v").getArray()
                    .contentEquals(s.teacher().stateDict().get("head.last_layer.weight_v").getArray()),
                    "one step moves the student away from the teacher");
        }
    }

    @Test
    void defaultConfigurationBuildsTheDinoStep() {
        DinoConfig config = BenchConfigs.tiny();
        try (NDManager root = NDManager.newBaseManager();
             ConfiguredStep s = ConfiguredStep.build(config, 4, root)) {
            assertEquals(ObjectiveMethod.DINO, s.objective().method());
            assertFalse(s.objective().ibot());
            assertFalse(s.student().stateDict().containsKey("backbone.mask_token"));
            assertEquals(1, s.firstUnfrozenEpoch());
            assertTrue(Double.isFinite(run(s, config, root).loss()));
        }
    }

    @Test
    void dinov2StepsInBatchPartsMatchTheWholeBatch() {
        // iBOT masks, patch tokens and KoLeo through the parts; no stochastic depth, so only rounding differs
        List<String> o = List.of("model.backbone.drop_path_rate=0");
        DinoConfig whole = BenchConfigs.tiny(List.of(BenchConfigs.DINOV2),
                concat(o, "run.batch_parts=1"));
        DinoConfig parts = BenchConfigs.tiny(List.of(BenchConfigs.DINOV2), concat(o, "run.batch_parts=2"));
        try (NDManager root = NDManager.newBaseManager();
             ConfiguredStep a = ConfiguredStep.build(whole, 4, root);
             ConfiguredStep b = ConfiguredStep.build(parts, 4, root)) {
            assertEquals(1, a.step().batchParts());
            assertEquals(2, b.step().batchParts());
            for (int it = 0; it < 3; it++) {
                try (NDManager scope = root.newSubManager()) {
                    List<NDArray> crops = crops(whole, scope, it);
                    double la = a.step().run(crops, it, a.firstUnfrozenEpoch(), new SplittableRandom(it), scope)
                            .loss();
                    double lb = b.step().run(crops, it, b.firstUnfrozenEpoch(), new SplittableRandom(it), scope)
                            .loss();
                    assertEquals(la, lb, 1e-5 * Math.abs(la), "loss at iteration " + it);
                }
            }
            ParityAssert.assertParametersClose(a.student().parameters(), b.student().parameters(), 1e-4f);
        }
    }

    private static String[] concat(List<String> a, String b) {
        List<String> all = new ArrayList<>(a);
        all.add(b);
        return all.toArray(new String[0]);
    }

    private static List<NDArray> crops(DinoConfig config, NDManager scope, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<NDArray> crops = new ArrayList<>();
        int b = config.optim().batchSize();
        for (int c = 0; c < 2 + config.crops().localCount(); c++) {
            int side = c < 2 ? config.crops().globalSize() : config.crops().localSize();
            float[] d = new float[b * 3 * side * side];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) r.nextGaussian();
            }
            crops.add(scope.create(d, new Shape(b, 3, side, side)));
        }
        return crops;
    }

    @Test
    void iterationsMustBePositive() {
        try (NDManager root = NDManager.newBaseManager()) {
            assertEquals("iterations must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                    () -> ConfiguredStep.build(BenchConfigs.tiny(), 0, root)).getMessage());
        }
    }

    private static StepResult run(ConfiguredStep s, DinoConfig config, NDManager root) {
        try (NDManager scope = root.newSubManager()) {
            List<NDArray> crops = new ArrayList<>();
            int b = config.optim().batchSize();
            for (int c = 0; c < 2 + config.crops().localCount(); c++) {
                int side = c < 2 ? config.crops().globalSize() : config.crops().localSize();
                crops.add(scope.randomNormal(new Shape(b, 3, side, side)));
            }
            return s.step().run(crops, 0, s.firstUnfrozenEpoch(), new SplittableRandom(0), scope);
        }
    }
}
