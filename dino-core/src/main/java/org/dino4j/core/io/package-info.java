/**
 * Reading and writing named tensors.
 *
 * <ul>
 *   <li>{@link org.dino4j.core.io.PthReader}: PyTorch checkpoint files as {@code torch.save} writes them (the zip
 *       format with a pickled object tree), read as plain data: {@link org.dino4j.core.io.TorchTensor}s,
 *       containers, numbers, {@link org.dino4j.core.io.PythonTuple}s, {@link org.dino4j.core.io.NumpyScalar}s and
 *       {@link org.dino4j.core.io.PythonObject}s; no class named in a file is ever executed.</li>
 *   <li>{@link org.dino4j.core.io.SafeTensors}: the safetensors format, written as float32 and read in every
 *       common dtype ({@link org.dino4j.core.io.TorchDtype}).</li>
 *   <li>{@link org.dino4j.core.io.TensorManifest} and {@link org.dino4j.core.io.TensorArchive}: the raw-tensor
 *       manifest format of the parity fixtures, and dino4j's own single-file archive of it.</li>
 * </ul>
 *
 * <p>The mapping of official checkpoint layouts onto dino4j models is in {@code org.dino4j.core.interop}.
 */
package org.dino4j.core.io;
