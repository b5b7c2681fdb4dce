package org.dino4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class HostStagingTest {

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> "direct".equals(p.getName())).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    @Test
    void arraysKeepTheirValuesWhenTheBufferTakesTheNextBatch() {
        HostStaging staging = new HostStaging();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = staging.upload(m, 0, new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            NDArray b = staging.upload(m, 0, new float[] {9, 8, 7, 6, 5, 4}, new Shape(3, 2));
            NDArray c = staging.upload(m, 1, new float[] {0.5f}, new Shape(1));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toFloatArray());
            assertArrayEquals(new float[] {9, 8, 7, 6, 5, 4}, b.toFloatArray());
            assertEquals(new Shape(3, 2), b.getShape());
            assertArrayEquals(new float[] {0.5f}, c.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> staging.upload(m, 0, new float[5], new Shape(2, 3)));
        }
    }

    @Test
    void manyBatchesAllocateNoNewDirectMemory() {
        HostStaging staging = new HostStaging();
        float[] batch = new float[256 * 1024];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < 3; i++) {
                try (NDManager step = m.newSubManager()) {
                    staging.upload(step, 0, batch, new Shape(batch.length));
                }
            }
            long before = directBytes();
            for (int i = 0; i < 50; i++) {
                try (NDManager step = m.newSubManager()) {
                    staging.upload(step, 0, batch, new Shape(batch.length));
                }
            }
            // 50 batches of 1 MiB through DJL's create(float[]) would hold 50 MiB of direct buffers until a GC (a
            // collection may free other tests' buffers meanwhile, so the total can only go down)
            assertTrue(directBytes() <= before, "direct buffers grew from " + before + " to " + directBytes());
        }
    }
}
