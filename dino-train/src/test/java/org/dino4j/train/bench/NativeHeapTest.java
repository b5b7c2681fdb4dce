package org.dino4j.train.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NativeHeapTest {

    @Test
    void glibcReportsAConsistentHeap() {
        Optional<NativeHeap> h = NativeHeap.current();
        assumeTrue(h.isPresent(), "mallinfo2 needs glibc 2.33 or later");
        NativeHeap heap = h.get();
        assertTrue(heap.inUseBytes() > 0, heap.toString());
        assertTrue(heap.freeBytes() >= 0, heap.toString());
        // everything in use or free in the arenas, plus the mmap'd blocks, is held from the system
        assertTrue(heap.heldBytes() >= heap.inUseBytes(), heap.toString());
    }
}
