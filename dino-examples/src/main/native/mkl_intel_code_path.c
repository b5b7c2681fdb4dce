/*
 * dino4j: lets the Intel oneMKL inside libtorch use its AVX-512 kernels on AMD CPUs that have AVX-512.
 *
 * oneMKL chooses its GEMM kernels by CPU vendor: on a non-Intel CPU it takes a generic AVX2 path even when the CPU
 * supports AVX-512. libtorch_cpu.so links oneMKL statically but calls its vendor check through the PLT, so a
 * definition preloaded ahead of libtorch (LD_PRELOAD) answers it. Measured on a 2-core AMD EPYC with AVX-512:
 * 2048x2048 fp32 matmul 120-127 -> 206-224 GFLOP/s, fmnist-tiny training step 1.41 -> 0.98 s.
 *
 * The ./dino launcher compiles this file once (if a C compiler is available) and preloads it on AMD CPUs with
 * AVX-512; set DINO_MKL_INTEL_PATH=0 to turn it off.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
