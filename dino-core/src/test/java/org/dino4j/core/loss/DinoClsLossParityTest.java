package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The official DINO v1 {@code DINOLoss} at one epoch: centring and sharpening with the centre from before the call,
 * the cross-view loss, then the centre update.
 */
class DinoClsLossParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"dino_loss_epoch1", "dino_loss_epoch5"})
    void lossAndCentreMatchOfficial(String name) throws IOException {
        TensorManifest fixture = Fixtures.open(name);
        JsonObject c = fixture.config();
        TeacherTemperatureSchedule temperatures = new TeacherTemperatureSchedule(
                c.get("warmup_teacher_temp").getAsDouble(), c.get("teacher_temp").getAsDouble(),
                c.get("warmup_teacher_temp_epochs").getAsInt(), c.get("nepochs").getAsInt());
        double temperature = temperatures.valueAt(c.get("epoch").getAsInt());
        assertEquals(fixture.scalar("teacher_temp_used"), temperature, 0.0);
        int nCrops = c.get("ncrops").getAsInt();
        int nGlobal = c.get("n_global").getAsInt();
        assertEquals((int) fixture.scalar("n_loss_terms"), DinoClsLoss.numTerms(nCrops, nGlobal));

        try (NDManager owner = NDManager.newBaseManager()) {
            CenteringSharpening targets = new CenteringSharpening(owner, c.get("out_dim").getAsLong(),
                    c.get("center_momentum").getAsDouble());
            targets.setCenter(fixture.floats("inputs/center_in"));
            DinoClsLoss loss = new DinoClsLoss(c.get("student_temp").getAsDouble(), nGlobal);
            try (NDManager step = owner.newSubManager()) {
                NDArray student = fixture.load(step, "inputs/student_output");
                NDArray teacher = fixture.load(step, "inputs/teacher_output");
                NDArray q = targets.probabilities(teacher, temperature);
                NDArray value = loss.forward(student, q);
                targets.update(teacher);
                ParityAssert.assertMatches(fixture, "expected/loss", value.reshape(1));
                ParityAssert.assertMatches(fixture, "expected/center_out", targets.center());
            }
        }
    }
}
