package org.dino4j.train.config;

/** How stochastic depth drops a residual branch in training ({@code model.backbone.drop_path_mode}). */
public enum DropPathMode implements ConfigName {
    /** The branch runs on every sample and the dropped samples' outputs are zeroed (DINO). */
    MASK("mask"),
    /**
     * The branch runs only on a random subset of the samples, scaled by batch / subset (DINOv2's training path):
     * the dropped samples cost nothing.
     */
    SUBSET("subset");

    private final String configName;

    DropPathMode(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
