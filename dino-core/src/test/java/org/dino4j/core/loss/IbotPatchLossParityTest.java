package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The official dinov2 {@code iBOTPatchLoss}: masked (Sinkhorn and centring targets) and dense forwards. */
class IbotPatchLossParityTest {

    @Test
    void maskIndicesAndWeightsMatchTheOfficialCollate() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = fixture.load(step, "inputs/masks");
            long[] indices = IbotPatchLoss.maskIndices(masks).toLongArray();
            int[] expected = fixture.ints("inputs/mask_indices");
            assertArrayEquals(java.util.Arrays.stream(expected).asLongStream().toArray(), indices);
            assertArrayEquals(fixture.floats("inputs/masks_weight"), IbotPatchLoss.masksWeight(masks).toFloatArray(),
                    0f);
        }
    }

    @Test
    void maskedLossWithSinkhornTargetsMatchesOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        JsonObject c = fixture.config();
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = fixture.load(step, "inputs/masks");
            NDArray student = fixture.load(step, "inputs/student_masked_logits");
            NDArray teacher = fixture.load(step, "inputs/teacher_masked_logits");
            NDArray q = new SinkhornKnopp().probabilities(teacher, c.get("teacher_temp").getAsDouble(),
                    c.get("n_masked").getAsLong());
            IbotPatchLoss loss = new IbotPatchLoss(c.get("student_temp").getAsDouble());
            NDArray weights = fixture.load(step, "inputs/masks_weight");
            ParityAssert.assertMatches(fixture, "expected/loss_forward_masked_sinkhorn",
                    loss.forwardMasked(student, q, masks, weights).reshape(1));
            ParityAssert.assertMatches(fixture, "expected/loss_forward_masked_sinkhorn",
                    loss.forwardMasked(student, q, masks).reshape(1));
        }
    }

    @Test
    void maskedLossWithCentringTargetsMatchesOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        JsonObject c = fixture.config();
        long k = c.get("patch_out_dim").getAsLong();
        long m = c.get("n_masked").getAsLong();
        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening centring = new CenteringSharpening(owner, k, c.get("center_momentum").getAsDouble());
            centring.setCenter(fixture.floats("inputs/center_in"));
            try (NDManager step = owner.newSubManager()) {
                NDArray masks = fixture.load(step, "inputs/masks");
                NDArray student = fixture.load(step, "inputs/student_masked_logits");
                NDArray teacher = fixture.load(step, "inputs/teacher_masked_logits").reshape(1, m, k);
                NDArray q = centring.probabilities(teacher, c.get("teacher_temp").getAsDouble()).reshape(m, k);
                IbotPatchLoss loss = new IbotPatchLoss();
                ParityAssert.assertMatches(fixture, "expected/loss_forward_masked_centering",
                        loss.forwardMasked(student, q, masks, fixture.load(step, "inputs/masks_weight")).reshape(1));
                ParityAssert.assertMatches(fixture, "expected/loss_forward_masked_centering",
                        loss.forwardMasked(student, q, masks).reshape(1));
            }
        }
    }

    @Test
    void denseLossMatchesOfficial() throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_ibot_patch");
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = fixture.load(step, "inputs/masks");
            NDArray student = fixture.load(step, "inputs/student_dense_logits");
            NDArray teacher = fixture.load(step, "inputs/teacher_dense_probs");
            ParityAssert.assertMatches(fixture, "expected/loss_forward_dense",
                    new IbotPatchLoss().forward(student, teacher, masks).reshape(1));
        }
    }
}
