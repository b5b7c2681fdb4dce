package org.dino4j.train.config;

/** The precision of the backbone's matrix products ({@code run.precision}). */
public enum Precision implements ConfigName {
    /** Float32 throughout: the official numerics. */
    FP32("fp32"),
    /**
     * Mixed precision: the backbone's linear layers multiply in bfloat16 (float32 accumulation; float32 master
     * weights, attention core, optimiser state, normalisation, heads, loss and teacher update). Changes numerics
     * beyond the parity tolerances; needs {@code run.kernels: fused}.
     */
    BF16("bf16");

    private final String configName;

    Precision(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
