package org.dino4j.train.config;

/** The backbone architectures a configuration can name in {@code model.backbone.type}. */
public enum BackboneType implements ConfigName {
    /** A Vision Transformer (the official {@code vit_*} models). */
    VIT("vit");

    private final String configName;

    BackboneType(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
