package org.dino4j.core.schedule;

import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The official {@code cosine_scheduler} and teacher-temperature tables, at the fixture's 1e-12. */
class SchedulesParityTest {

    private final TensorManifest fixture = Fixtures.open("schedules");

    @ParameterizedTest
    @ValueSource(strings = {"lr", "momentum", "weight_decay"})
    void cosineScheduleMatchesOfficialTable(String name) throws IOException {
        JsonObject c = fixture.config().getAsJsonObject(name);
        CosineSchedule schedule = CosineSchedule.fromEpochs(
                c.get("base_value").getAsDouble(),
                c.get("final_value").getAsDouble(),
                c.get("epochs").getAsInt(),
                c.get("niter_per_ep").getAsInt(),
                c.get("warmup_epochs").getAsInt(),
                c.has("start_warmup_value") ? c.get("start_warmup_value").getAsDouble() : 0);
        double[] expected = fixture.doubles("expected/" + name);
        assertEquals(expected.length, schedule.length());
        double[] actual = new double[expected.length];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = schedule.valueAt(i);
        }
        ParityAssert.assertMatches(fixture.tolerance("expected/" + name), name, actual, expected, i -> false);
    }

    @Test
    void teacherTemperatureMatchesOfficialTable() throws IOException {
        JsonObject c = fixture.config().getAsJsonObject("teacher_temp");
        TeacherTemperatureSchedule schedule = new TeacherTemperatureSchedule(
                c.get("warmup_teacher_temp").getAsDouble(),
                c.get("teacher_temp").getAsDouble(),
                c.get("warmup_teacher_temp_epochs").getAsInt(),
                c.get("nepochs").getAsInt());
        double[] expected = fixture.doubles("expected/teacher_temp");
        double[] actual = new double[expected.length];
        for (int e = 0; e < actual.length; e++) {
            actual[e] = schedule.valueAt(e);
        }
        ParityAssert.assertMatches(fixture.tolerance("expected/teacher_temp"), "teacher_temp", actual, expected,
                i -> false);
    }
}
