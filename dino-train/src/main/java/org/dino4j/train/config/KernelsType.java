package org.dino4j.train.config;

/** Which compute kernels the networks use ({@code run.kernels}), see {@link org.dino4j.core.nn.Kernels}. */
public enum KernelsType implements ConfigName {
    /** PyTorch's fused attention (the parity fixtures pass with it; differences are float rounding). */
    FUSED("fused"),
    /** Plain DJL operators, the explicit attention of the official code. */
    REFERENCE("reference");

    private final String configName;

    KernelsType(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
