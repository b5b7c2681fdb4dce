package org.dino4j.train.bench;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessMemoryTest {

    @Test
    void readsPeakAndCurrentResidentSetFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t42\n";

        ProcessMemory m = ProcessMemory.parse(status).orElseThrow();

        assertEquals(new ProcessMemory(204800, 102400), m);
        assertEquals(200.0, m.peakResidentMiB());
        assertEquals(100.0, m.residentMiB());
    }

    @Test
    void aStatusWithoutTheFiguresGivesNothing() {
        assertEquals(Optional.empty(), ProcessMemory.parse("Name:\tjava\nVmRSS:\t  1 kB\n"));
    }

    @Test
    void thisProcessHasAResidentSetOnLinux() {
        Optional<ProcessMemory> m = ProcessMemory.current();
        if (System.getProperty("os.name").toLowerCase().contains("linux")) {
            assertTrue(m.orElseThrow().residentKiB() > 0);
            assertTrue(m.orElseThrow().peakResidentKiB() >= m.orElseThrow().residentKiB());
        } else {
            assertEquals(Optional.empty(), m);
        }
    }
}
