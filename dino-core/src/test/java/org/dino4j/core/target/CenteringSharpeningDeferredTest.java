package org.dino4j.core.target;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DINOv2's centring: softmax_center_teacher and the deferred update_center / apply_center_update. */
class CenteringSharpeningDeferredTest {

    @Test
    void clsTargetsAndDeferredCentreMatchOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_dino_loss");
        double temperature = fixture.config().get("teacher_temp").getAsDouble();
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, fixture.config().get("out_dim").getAsLong(),
                    fixture.config().get("center_momentum").getAsDouble());
            targets.setCenter(fixture.floats("inputs/center_in"));
            try (NDManager step = owner.newSubManager()) {
                NDArray teacher = fixture.load(step, "inputs/teacher_logits");
                assertFalse(targets.applyPendingUpdate(), "nothing staged yet");
                ParityAssert.assertMatches(fixture, "expected/softmax_center_teacher",
                        targets.probabilities(teacher, temperature));
                targets.stageUpdate(teacher);
                assertTrue(targets.hasPendingUpdate());
                assertArrayEquals(fixture.floats("inputs/center_in"), targets.centerValues(), 0f,
                        "staging leaves the centre alone");
                assertTrue(targets.applyPendingUpdate());
                assertFalse(targets.hasPendingUpdate());
                ParityAssert.assertMatches(fixture, "expected/center_out", targets.center());
            }
        }
    }

    @Test
    void patchTargetsAndCentreUpdateWithOneByMByKMatchOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        double temperature = fixture.config().get("teacher_temp").getAsDouble();
        long k = fixture.config().get("patch_out_dim").getAsLong();
        long m = fixture.config().get("n_masked").getAsLong();
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, k,
                    fixture.config().get("center_momentum").getAsDouble());
            targets.setCenter(fixture.floats("inputs/center_in"));
            try (NDManager step = owner.newSubManager()) {
                // As ssl_meta_arch passes them: the masked teacher tokens as one [1, M, K] batch.
                NDArray teacher = fixture.load(step, "inputs/teacher_masked_logits").reshape(1, m, k);
                NDArray q = targets.probabilities(teacher, temperature);
                assertEquals(new Shape(1, m, k), q.getShape());
                ParityAssert.assertMatches(fixture, "expected/softmax_center_teacher", q.reshape(m, k));
                targets.stageUpdate(teacher);
                targets.applyPendingUpdate();
                ParityAssert.assertMatches(fixture, "expected/center_out", targets.center().reshape(1, 1, k));
            }
        }
    }

    @Test
    void deferredTimingGivesTheSameTargetsAndCentresAsImmediate() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening immediate = new CenteringSharpening(owner, 5);
            CenteringSharpening deferred = new CenteringSharpening(owner, 5);
            for (int i = 0; i < 4; i++) {
                try (NDManager step = owner.newSubManager()) {
                    NDArray t = step.randomNormal(new Shape(6, 5)).add(i);
                    NDArray q1 = immediate.probabilities(t, 0.07);
                    immediate.update(t);

                    deferred.applyPendingUpdate();
                    NDArray q2 = deferred.probabilities(t, 0.07);
                    deferred.stageUpdate(t);
                    assertArrayEquals(q1.toFloatArray(), q2.toFloatArray(), 1e-6f, "step " + i);
                }
            }
            deferred.applyPendingUpdate();
            assertArrayEquals(immediate.centerValues(), deferred.centerValues(), 1e-6f);
        }
    }

    @Test
    void stagedStatisticLivesInTheOwnerAndIsReleasedOnApply() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            int before = owner.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = owner.newSubManager()) {
                    targets.applyPendingUpdate();
                    NDArray t = step.randomNormal(new Shape(3, 4));
                    targets.probabilities(t, 0.04);
                    targets.stageUpdate(t);
                }
                assertTrue(targets.hasPendingUpdate(), "the staged mean survives the step scope");
            }
            assertTrue(targets.applyPendingUpdate());
            assertEquals(before, owner.getManagedArrays().size());
        }
    }

    @Test
    void misuseIsNamed() {
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, 4);
            NDArray t = owner.ones(new Shape(2, 4));
            targets.stageUpdate(t);
            assertEquals("a staged centre update is pending; call applyPendingUpdate() before stageUpdate()",
                    assertThrows(IllegalStateException.class, () -> targets.stageUpdate(t)).getMessage());
            assertEquals("a staged centre update is pending; call applyPendingUpdate() before update()",
                    assertThrows(IllegalStateException.class, () -> targets.update(t)).getMessage());
            assertEquals("teacher logits must have K = 4 columns (the centre's size), got shape (2, 3)",
                    assertThrows(IllegalArgumentException.class,
                            () -> targets.stageUpdate(owner.zeros(new Shape(2, 3)))).getMessage());
            targets.applyPendingUpdate();
            targets.update(t);
            assertEquals(0.19f, targets.centerValues()[0], 1e-6f);
        }
    }
}
