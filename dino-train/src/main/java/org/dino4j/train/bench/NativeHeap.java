package org.dino4j.train.bench;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;
import java.util.Optional;
import org.dino4j.train.loop.NativeRuntime;

/**
 * The C allocator's own account of its heap: how much of what it holds from the system is in use and how much is
 * free but kept. The engine's tensors are malloc'd, so this separates a growing live set from a heap that keeps
 * freed blocks (fragmentation), which the resident-memory figure alone cannot.
 *
 * <p>Two allocators are understood: gperftools' tcmalloc when the process has it (preloaded, as the {@code ./dino}
 * launcher does when it is installed; its {@code MallocExtension} figures) and otherwise glibc's
 * ({@code mallinfo2}).
 *
 * @param allocator {@link NativeRuntime#TCMALLOC} or {@link NativeRuntime#GLIBC}
 * @param heldBytes bytes the allocator holds from the system (glibc: its arenas plus its mmap'd blocks; tcmalloc:
 *     its heap less what it has returned to the system)
 * @param inUseBytes bytes in allocated blocks
 * @param freeBytes bytes held but free (glibc: free blocks kept in the arenas; tcmalloc: free pages and its caches)
 */
public record NativeHeap(String allocator, long heldBytes, long inUseBytes, long freeBytes) {

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
     * Reads the figures of the allocator in use.
     *
     * @return the figures, or empty where neither tcmalloc nor a glibc with {@code mallinfo2} (2.33 or later) serves
     *     the process (another preloaded allocator, for one)
     */
    public static Optional<NativeHeap> current() {
        Optional<Function> statistics = NativeRuntime.tcmallocStatistics();
        if (statistics.isPresent()) {
            return tcmalloc(statistics.get());
        }
        return NativeRuntime.GLIBC.equals(NativeRuntime.allocator()) ? glibc() : Optional.empty();
    }

    private static Optional<NativeHeap> tcmalloc(Function property) {
        // the live figure first: read last, it could include blocks taken after the heap's size was read
        long allocated = read(property, "generic.current_allocated_bytes");
        long heap = read(property, "generic.heap_size");
        long unmapped = read(property, "tcmalloc.pageheap_unmapped_bytes");
        if (heap < 0 || unmapped < 0 || allocated < 0) {
            return Optional.empty();
        }
        long held = heap - unmapped;
        return Optional.of(new NativeHeap(NativeRuntime.TCMALLOC, held, allocated, Math.max(0, held - allocated)));
    }

    private static long read(Function property, String name) {
        try (Memory value = new Memory(Long.BYTES)) {
            return property.invokeInt(new Object[] {name, value}) != 0 ? value.getLong(0) : -1;
        }
    }

    private static Optional<NativeHeap> glibc() {
        try {
            MallInfo2 m = (MallInfo2) NativeLibrary.getInstance("c").getFunction("mallinfo2")
                    .invoke(MallInfo2.class, new Object[0]);
            return Optional.of(new NativeHeap(NativeRuntime.GLIBC, m.arena + m.hblkhd, m.uordblks + m.hblkhd,
                    m.fordblks));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
