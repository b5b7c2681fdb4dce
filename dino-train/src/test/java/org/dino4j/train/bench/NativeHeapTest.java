package org.dino4j.train.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.dino4j.train.loop.NativeRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeHeapTest {

    // where Debian's libtcmalloc-minimal4 puts the library
    private static final List<Path> TCMALLOC = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"),
            Path.of("/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4"),
            Path.of("/usr/lib64/libtcmalloc_minimal.so.4"));

    /** Prints what a process sees of its allocator: the test below runs it with tcmalloc preloaded. */
    public static final class Probe {
        public static void main(String[] args) {
            // a direct buffer is malloc'd by the JVM: a live native block of known size while the figures are read
            java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(8 << 20);
            NativeHeap h = NativeHeap.current().orElseThrow();
            System.out.println(NativeRuntime.allocator() + " " + h.allocator() + " " + h.heldBytes() + " "
                    + h.inUseBytes() + " " + h.freeBytes());
            System.out.println("direct buffer of " + direct.capacity() + " bytes");
        }
    }

    @Test
    void glibcReportsAConsistentHeap() {
        assumeTrue(NativeRuntime.GLIBC.equals(NativeRuntime.allocator()), "this JVM runs another allocator");
        Optional<NativeHeap> h = NativeHeap.current();
        assumeTrue(h.isPresent(), "mallinfo2 needs glibc 2.33 or later");
        NativeHeap heap = h.get();
        assertEquals(NativeRuntime.GLIBC, heap.allocator());
        assertTrue(heap.inUseBytes() > 0, heap.toString());
        assertTrue(heap.freeBytes() >= 0, heap.toString());
        // everything in use or free in the arenas, plus the mmap'd blocks, is held from the system
        assertTrue(heap.heldBytes() >= heap.inUseBytes(), heap.toString());
    }

    @Test
    void aPreloadedTcmallocIsRecognisedAndReportsItsOwnHeap(@TempDir Path dir) throws IOException,
            InterruptedException {
        Optional<Path> lib = TCMALLOC.stream().filter(Files::isReadable).findFirst();
        assumeTrue(lib.isPresent(), "tcmalloc is not installed (Debian: libtcmalloc-minimal4)");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Path log = Files.createTempFile(dir, "probe", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LD_PRELOAD", lib.get().toString());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the probe did not end within 120 s: " + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);

        String figures = out.lines().filter(l -> l.startsWith(NativeRuntime.TCMALLOC + " ")
                || l.startsWith(NativeRuntime.GLIBC + " ")).findFirst().orElse("");
        String[] f = figures.split(" ");
        assertEquals(5, f.length, out);
        assertEquals(NativeRuntime.TCMALLOC, f[0], out);
        assertEquals(NativeRuntime.TCMALLOC, f[1], out);
        long held = Long.parseLong(f[2]);
        long inUse = Long.parseLong(f[3]);
        long free = Long.parseLong(f[4]);
        assertTrue(inUse >= 8L << 20, out);
        assertTrue(held >= inUse, out);
        assertEquals(held - inUse, free, out);
    }
}
