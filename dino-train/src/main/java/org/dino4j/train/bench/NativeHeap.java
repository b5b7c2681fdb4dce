package org.dino4j.train.bench;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;
import java.util.Optional;

/**
 * glibc's own account of its heap ({@code mallinfo2}): how much of what malloc holds is in use and how much is free
 * but kept. The engine's tensors are malloc'd, so this separates a growing live set from a heap that keeps freed
 * blocks (fragmentation), which the resident-memory figure alone cannot.
 *
 * @param heldBytes bytes malloc holds from the system: its arenas plus its mmap'd blocks
 * @param inUseBytes bytes in allocated blocks (arenas and mmap'd)
 * @param freeBytes bytes in free blocks kept in the arenas
 */
public record NativeHeap(long heldBytes, long inUseBytes, long freeBytes) {

    /** The fields of glibc's {@code struct mallinfo2}, in order. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    /**
     * Reads the figures (all arenas).
     *
     * @return the figures, or empty where the C library has no {@code mallinfo2} (not glibc 2.33 or later)
     */
    public static Optional<NativeHeap> current() {
        try {
            MallInfo2 m = (MallInfo2) NativeLibrary.getInstance("c").getFunction("mallinfo2")
                    .invoke(MallInfo2.class, new Object[0]);
            return Optional.of(new NativeHeap(m.arena + m.hblkhd, m.uordblks + m.hblkhd, m.fordblks));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
