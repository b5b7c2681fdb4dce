package org.dino4j.train.config;

/** The image-level loss assembly. */
public enum ObjectiveMethod implements ConfigName {
    /** DINO v1: mean over (teacher crop, student crop) pairs, same-view pairs skipped. */
    DINO("dino"),
    /** DINOv2: teacher global crops swapped, local and global terms scaled as in the official meta-architecture. */
    DINOV2("dinov2");

    private final String configName;

    ObjectiveMethod(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
