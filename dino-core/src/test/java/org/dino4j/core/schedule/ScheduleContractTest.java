package org.dino4j.core.schedule;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleContractTest {

    @Test
    void baseAppearsTwiceAndFinalIsNeverReached() {
        CosineSchedule s = CosineSchedule.fromEpochs(5e-4, 1e-6, 10, 7, 2, 0);
        assertEquals(70, s.length());
        assertEquals(14, s.warmupIterations());
        assertEquals(0.0, s.valueAt(0));
        assertEquals(5e-4, s.valueAt(13), 0.0);
        assertEquals(5e-4, s.valueAt(14), 0.0);
        assertTrue(s.valueAt(69) > 1e-6, "the last entry stops one cosine step short of the final value");
        // N = 56 cosine entries: the last is final + 0.5 (base - final)(1 + cos(pi 55/56))
        assertEquals(1e-6 + 0.5 * (5e-4 - 1e-6) * (1 + Math.cos(Math.PI * 55 / 56)), s.valueAt(69), 0.0);
    }

    @Test
    void valuesBeyondTheEndHoldTheLastEntry() {
        CosineSchedule s = CosineSchedule.fromEpochs(0.996, 1.0, 3, 2);
        assertEquals(s.valueAt(5), s.valueAt(6));
        assertEquals(s.valueAt(5), s.valueAt(1_000_000));
    }

    @Test
    void scheduleMayRise() {
        CosineSchedule momentum = CosineSchedule.fromEpochs(0.996, 1.0, 10, 7);
        for (int i = 1; i < momentum.length(); i++) {
            assertTrue(momentum.valueAt(i) > momentum.valueAt(i - 1));
        }
    }

    @Test
    void oneWarmupIterationIsTheStartValue() {
        CosineSchedule s = CosineSchedule.withWarmupIterations(1.0, 0.0, 1, 4, 1, 0.25);
        // warm-up [0.25], then N = 3 cosine entries starting at the base value
        assertArrayEquals(new double[] {0.25, 1.0, 0.5 * (1 + Math.cos(Math.PI / 3)),
            0.5 * (1 + Math.cos(Math.PI * 2 / 3))}, s.values(), 0.0);
    }

    @Test
    void warmupIterationsEqualToEpochWarmup() {
        assertEquals(CosineSchedule.fromEpochs(1e-3, 1e-6, 5, 3, 2, 1e-5),
                CosineSchedule.withWarmupIterations(1e-3, 1e-6, 5, 3, 6, 1e-5));
    }

    @Test
    void warmupMayFillTheWholeSchedule() {
        CosineSchedule s = CosineSchedule.withWarmupIterations(1.0, 0.0, 1, 3, 3, 0.0);
        assertArrayEquals(new double[] {0.0, 0.5, 1.0}, s.values(), 0.0);
    }

    @Test
    void teacherTemperatureReachesItsValueAtTheLastWarmupEpoch() {
        TeacherTemperatureSchedule t = new TeacherTemperatureSchedule(0.04, 0.07, 3, 10);
        assertEquals(0.04, t.valueAt(0), 0.0);
        assertEquals(0.05500000000000001, t.valueAt(1), 0.0);
        assertEquals(0.07, t.valueAt(2), 0.0);
        assertEquals(0.07, t.valueAt(9), 0.0);
        assertEquals(0.07, t.valueAt(400), 0.0);
        assertArrayEquals(new double[] {0.07, 0.07}, new TeacherTemperatureSchedule(0.04, 0.07, 0, 2).values());
        assertEquals(0.04, new TeacherTemperatureSchedule(0.04, 0.07, 1, 2).valueAt(0), 0.0);
    }

    @Test
    void constantSchedule() {
        Schedule s = new ConstantSchedule(0.996);
        assertEquals(0.996, s.valueAt(0));
        assertEquals(0.996, s.valueAt(123_456_789L));
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("step must be >= 0 (steps count from 0), got -1",
                assertThrows(IllegalArgumentException.class, () -> new ConstantSchedule(1).valueAt(-1)).getMessage());
        assertEquals("step must be >= 0 (steps count from 0), got -2",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.fromEpochs(1, 0, 1, 1).valueAt(-2)).getMessage());
        assertEquals("epochs must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.fromEpochs(1, 0, 0, 1)).getMessage());
        assertEquals("itersPerEpoch must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.fromEpochs(1, 0, 1, 0)).getMessage());
        assertEquals("warmupEpochs must be >= 0 (0 for no warm-up), got -1",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.fromEpochs(1, 0, 1, 1, -1, 0)).getMessage());
        assertEquals("a warm-up of 80 iterations is longer than the schedule (epochs 10 x itersPerEpoch 7 = 70 "
                        + "iterations); use a shorter warm-up",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.withWarmupIterations(5e-4, 1e-6, 10, 7, 80, 0)).getMessage());
        assertEquals("a warm-up of 77 iterations is longer than the schedule (epochs 10 x itersPerEpoch 7 = 70 "
                        + "iterations); use a shorter warm-up",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.fromEpochs(5e-4, 1e-6, 10, 7, 11, 0)).getMessage());
        assertEquals("warmupIterations must be >= 0 (0 for no warm-up), got -3",
                assertThrows(IllegalArgumentException.class,
                        () -> CosineSchedule.withWarmupIterations(1, 0, 1, 1, -3, 0)).getMessage());
        assertEquals("teacher temperatures must be positive, got warm-up 0.0 and final 0.07",
                assertThrows(IllegalArgumentException.class,
                        () -> new TeacherTemperatureSchedule(0, 0.07, 1, 2)).getMessage());
        assertEquals("warmupEpochs must be between 0 and epochs = 2, got 3",
                assertThrows(IllegalArgumentException.class,
                        () -> new TeacherTemperatureSchedule(0.04, 0.07, 3, 2)).getMessage());
    }
}
