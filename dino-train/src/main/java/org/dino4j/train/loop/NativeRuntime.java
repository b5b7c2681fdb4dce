package org.dino4j.train.loop;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Settings of the native side (libtorch, its OpenMP runtime, the C allocator) that decide how fast a training step
 * runs on a CPU, applied once per process before the engine starts.
 *
 * <ul>
 *   <li><b>Allocator</b>: a step allocates and frees the same activation buffers again and again. glibc returns
 *       large freed blocks to the kernel (mmap / trim), so every step faults the same pages in again, which costs
 *       a lot on virtual machines. {@code mallopt} keeps blocks up to 32 MiB on the heap and stops trimming
 *       (measured on the 2-core reference machine: fmnist-tiny step 1.98 s -&gt; 1.42 s). Skipped when the user set
 *       {@code MALLOC_MMAP_THRESHOLD_} or {@code MALLOC_TRIM_THRESHOLD_} (glibc reads those itself). Even so glibc
 *       keeps taking memory for a few hundred steps as its heap fragments (+31 MiB, 1.6%, by step 500 on
 *       bench-small); gperftools' tcmalloc does not (+1.7 MiB from step 100 to 2,000, none of it the allocator's,
 *       and about 150 MiB smaller, at the same step time). Only a preloaded tcmalloc replaces malloc: the
 *       {@code ./dino} launcher preloads it when it is installed (Debian: {@code libtcmalloc-minimal4}), and a process
 *       started otherwise gets a log line saying how ({@link #allocator()}). The glibc settings are applied only
 *       under glibc.</li>
 *   <li><b>OpenMP waiting</b>: libgomp's idle threads spin for about 3 ms by default before they sleep, taking the
 *       cores from the data loader and from the operator that runs next; {@code OMP_WAIT_POLICY=PASSIVE} alone makes
 *       them sleep at once (fmnist-tiny 1.42 s -&gt; 1.26 s on the same machine), which in turn costs a futex
 *       wake-up for every parallel region of a step. {@code GOMP_SPINCOUNT=20000} (about 0.2 ms of spinning) keeps
 *       a thread awake across the short gaps between the operators of a step and asleep during longer ones
 *       (bench-small 0.96x the step time of PASSIVE alone, fmnist-tiny training unchanged to slightly faster). Both
 *       are set in the environment when neither is set; they take effect only if libtorch is not loaded yet.</li>
 *   <li><b>Intra-op threads</b>: one per core unless configured ({@code run.threads}).</li>
 *   <li><b>oneMKL's code path</b>: the oneMKL inside libtorch runs generic AVX2 kernels on non-Intel CPUs. On an
 *       AMD CPU with AVX-512 the {@code ./dino} launcher preloads a one-function library
 *       ({@code dino-examples/src/main/native/mkl_intel_code_path.c}) that lets it use its AVX-512 kernels: 2048^2
 *       matmul 120-127 -&gt; 206-224 GFLOP/s, fmnist-tiny step 1.41 -&gt; 0.98 s on the reference machine. A
 *       process started otherwise gets a log line saying how to do the same ({@link #mklCodePath()}).</li>
 * </ul>
 *
 * <p>Everything here is best effort: on a platform without glibc the allocator step is skipped with a debug
 * message, never an error.
 */
public final class NativeRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);

    /** glibc's {@code M_TRIM_THRESHOLD}. */
    private static final int M_TRIM_THRESHOLD = -1;
    /** glibc's {@code M_TOP_PAD}. */
    private static final int M_TOP_PAD = -2;
    /** glibc's {@code M_MMAP_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** The largest mmap threshold glibc accepts on 64-bit systems. */
    private static final int MMAP_THRESHOLD = 32 << 20;
    private static final int TOP_PAD = 512 << 20;
    /** Spins before an idle OpenMP thread sleeps (libgomp: roughly 100,000 per millisecond). */
    private static final String SPIN_COUNT = "20000";

    /** gperftools' thread-caching malloc, when preloaded. */
    public static final String TCMALLOC = "tcmalloc";
    /** The GNU C library's malloc. */
    public static final String GLIBC = "glibc";
    /** Another preloaded allocator (jemalloc, mimalloc, ...), whose figures dino4j does not read. */
    public static final String OTHER = "other";
    /** tcmalloc's C entry point for its statistics. */
    private static final String TCMALLOC_STATISTICS = "MallocExtension_GetNumericProperty";

    private static boolean allocatorTuned;

    private NativeRuntime() {}

    /**
     * Applies the allocator and OpenMP settings (once) and sets the number of intra-op threads.
     *
     * @param threads intra-op threads; 0 = one per available core
     * @return the number of intra-op threads in use
     */
    public static synchronized int configure(int threads) {
        if (!allocatorTuned) {
            allocatorTuned = true;
            tuneOpenMp();
            tuneAllocator();
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Engine.getInstance();
        JniUtils.setNumThreads(n);
        if (!mklHintGiven) {
            mklHintGiven = true;
            String mkl = mklCodePath();
            LOG.info("Native runtime: {} intra-op thread(s), {} malloc, oneMKL {}", n, allocator(), mkl);
            if (MKL_GENERIC_ON_AVX512.equals(mkl)) {
                LOG.info("oneMKL runs its generic kernels on this AMD CPU although it has AVX-512: compile "
                        + "dino-examples/src/main/native/mkl_intel_code_path.c as a shared library and set LD_PRELOAD "
                        + "to it for about 1.8x the matmul rate (the ./dino launcher does this)");
            }
        }
        return n;
    }

    private static final String MKL_GENERIC_ON_AVX512 = "generic (AMD CPU with AVX-512, Intel code path not enabled)";
    private static boolean mklHintGiven;

    /**
     * Which oneMKL code path this process gets, as far as it can be told from outside: {@code Intel code path
     * (preloaded)} when the launcher's library is preloaded, {@value #MKL_GENERIC_ON_AVX512} on an AMD CPU with
     * AVX-512 without it, {@code vendor default} otherwise.
     *
     * @return a short description for logs and benchmark reports
     */
    public static String mklCodePath() {
        String preload = System.getenv("LD_PRELOAD");
        if (preload != null && preload.contains("mkl-intel-path")) {
            return "Intel code path (preloaded)";
        }
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            if (cpuinfo.contains("AuthenticAMD") && cpuinfo.matches("(?s).*\\bavx512f\\b.*")) {
                return MKL_GENERIC_ON_AVX512;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/cpuinfo: {}", e.toString());
        }
        return "vendor default";
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    private static void tuneOpenMp() {
        if (System.getenv("OMP_WAIT_POLICY") != null || System.getenv("GOMP_SPINCOUNT") != null || !isLinux()) {
            return;
        }
        try {
            Function setenv = NativeLibrary.getInstance("c").getFunction("setenv");
            setenv.invokeInt(new Object[] {"OMP_WAIT_POLICY", "PASSIVE", 0});
            // libgomp reads GOMP_SPINCOUNT after the policy and lets it override the policy's spin count
            setenv.invokeInt(new Object[] {"GOMP_SPINCOUNT", SPIN_COUNT, 0});
            LOG.debug("OMP_WAIT_POLICY=PASSIVE and GOMP_SPINCOUNT={} set for libtorch's OpenMP runtime", SPIN_COUNT);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("cannot set OMP_WAIT_POLICY / GOMP_SPINCOUNT: {}", e.toString());
        }
    }

    /**
     * The allocator that serves the engine's tensors, as far as it can be told from inside the process:
     * {@value #TCMALLOC} when tcmalloc's symbols are visible in it (as a preloaded tcmalloc's are; only a preloaded
     * one replaces malloc), {@value #OTHER} when {@code LD_PRELOAD} names another allocator (a file name containing
     * "malloc"), {@value #GLIBC} otherwise.
     *
     * @return the allocator's name
     */
    public static String allocator() {
        if (tcmallocStatistics().isPresent()) {
            return TCMALLOC;
        }
        return preloadsAnAllocator(System.getenv("LD_PRELOAD")) ? OTHER : GLIBC;
    }

    /**
     * tcmalloc's statistics entry point ({@code int MallocExtension_GetNumericProperty(const char *name, size_t
     * *value)}), present when tcmalloc's symbols are visible in this process (see {@link #allocator()}).
     *
     * @return the function, or empty when tcmalloc does not serve the process
     */
    public static Optional<Function> tcmallocStatistics() {
        try {
            return Optional.of(NativeLibrary.getProcess().getFunction(TCMALLOC_STATISTICS));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether an {@code LD_PRELOAD} value names an allocator: a library whose file name contains "malloc"
     * (libtcmalloc, libjemalloc, libmimalloc, ...).
     *
     * @param preload the variable's value, or null
     * @return true if one of its entries (separated by colons or spaces) is such a library
     */
    static boolean preloadsAnAllocator(String preload) {
        if (preload == null) {
            return false;
        }
        for (String entry : preload.split("[: ]+")) {
            String name = entry.substring(entry.lastIndexOf('/') + 1);
            if (name.contains("malloc")) {
                return true;
            }
        }
        return false;
    }

    private static void tuneAllocator() {
        String allocator = allocator();
        if (!GLIBC.equals(allocator)) {
            LOG.debug("{} serves malloc: glibc's allocator settings not applied", allocator);
            return;
        }
        // the ./dino launcher's DINO_ALLOCATOR=glibc is a choice: no hint then
        if (isLinux() && !GLIBC.equals(System.getenv("DINO_ALLOCATOR"))) {
            LOG.info("glibc's malloc serves the engine's tensors: resident memory grows by a few percent over the "
                    + "first hundreds of steps as its heap fragments; preload tcmalloc (LD_PRELOAD=libtcmalloc_"
                    + "minimal.so.4, Debian package libtcmalloc-minimal4) for flat memory (the ./dino launcher does "
                    + "this when it is installed)");
        }
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") != null || System.getenv("MALLOC_TRIM_THRESHOLD_") != null
                || !isLinux()) {
            return;
        }
        try {
            Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
            int ok = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, MMAP_THRESHOLD})
                    & mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE})
                    & mallopt.invokeInt(new Object[] {M_TOP_PAD, TOP_PAD});
            LOG.debug("glibc allocator: mmap threshold 32 MiB, no trimming ({})", ok == 1 ? "applied" : "refused");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("no glibc mallopt, allocator left as is: {}", e.toString());
        }
    }
}
