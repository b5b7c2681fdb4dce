/**
 * Engine-level kernels for {@link org.dino4j.core.nn.Kernels}: {@link org.dino4j.train.kernels.FusedKernels} runs
 * PyTorch's fused scaled-dot-product attention and, optionally, bfloat16 matrix products through a small TorchScript
 * module that {@link org.dino4j.train.kernels.KernelModule} writes and loads at run time (DJL's JNI exposes neither).
 */
package org.dino4j.train.kernels;
