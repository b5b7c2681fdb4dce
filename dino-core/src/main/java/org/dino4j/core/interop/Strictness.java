package org.dino4j.core.interop;

/**
 * What loading tolerates besides an exact match of names and shapes. A missing or mis-shaped tensor is always an
 * error; only extra tensors in the checkpoint can be allowed, and then they are listed in the {@link LoadReport}.
 */
public enum Strictness {
    /** Every tensor of the checkpoint must belong to the model (PyTorch's {@code strict=True}). */
    STRICT,
    /**
     * Tensors the model does not have are skipped and reported, e.g. a head's tensors when loading only a backbone
     * (an explicit partial load).
     */
    IGNORE_UNEXPECTED
}
