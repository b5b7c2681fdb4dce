package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The official dinov2 {@code DINOLoss.forward} on the local and global lists, and the {@code ssl_meta_arch} scaling,
 * with targets from centring and from Sinkhorn-Knopp computed here from the teacher logits.
 */
class DinoV2ClsLossParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "_sinkhorn"})
    void rawAndScaledLossesMatchOfficial(String variant) throws IOException {
        TensorManifest fixture = Fixtures.open("dinov2_dino_loss");
        JsonObject c = fixture.config();
        int nLocal = c.get("n_local").getAsInt();
        long batch = c.get("batch").getAsLong();
        double temperature = c.get("teacher_temp").getAsDouble();
        assertEquals((int) fixture.scalar("derived.n_loss_terms"), DinoV2ClsLoss.numTerms(nLocal));
        try (NDManager owner = NDManager.newBaseManager()) {
            TeacherTargets targets;
            if (variant.isEmpty()) {
                CenteringSharpening centering = new CenteringSharpening(owner, c.get("out_dim").getAsLong(),
                        c.get("center_momentum").getAsDouble());
                centering.setCenter(fixture.floats("inputs/center_in"));
                targets = centering;
            } else {
                targets = new SinkhornKnopp();
            }
            DinoV2ClsLoss loss = new DinoV2ClsLoss(c.get("student_temp").getAsDouble());
            try (NDManager step = owner.newSubManager()) {
                // The fixture's teacher rows are already in swapped ("teacher") order.
                NDArray teacher = fixture.load(step, "inputs/teacher_logits");
                NDArray local = fixture.load(step, "inputs/student_local");
                NDArray global = fixture.load(step, "inputs/student_global");
                NDArray q = targets.probabilities(teacher, temperature);

                NDArray localRaw = loss.crossEntropySum(local, q, batch);
                NDArray globalRaw = loss.crossEntropySum(global, q, 2 * batch);
                ParityAssert.assertMatches(fixture, "expected/loss_local_raw" + variant, localRaw.reshape(1));
                ParityAssert.assertMatches(fixture, "expected/loss_global_raw" + variant, globalRaw.reshape(1));

                DinoV2ClsLoss.Terms terms = loss.forward(global, local, q);
                ParityAssert.assertScalar(fixture.tolerance("expected/loss_local_raw"), "local term",
                        terms.localCrops().getFloat(), fixture.scalar("derived.dino_local_crops_loss" + variant));
                ParityAssert.assertScalar(fixture.tolerance("expected/loss_global_raw"), "global term",
                        terms.globalCrops().getFloat(), fixture.scalar("derived.dino_global_crops_loss" + variant));
                assertEquals(terms.localCrops().getFloat(), loss.localLoss(local, q).getFloat(), 0f);
                assertEquals(terms.globalCrops().getFloat(), loss.globalLoss(global, q, nLocal).getFloat(), 0f);
            }
        }
    }
}
