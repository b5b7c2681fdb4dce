package org.dino4j.train.config;

/** How the ViT resamples its positional embedding to another patch grid ({@code model.backbone.interpolation}). */
public enum PosEmbedInterpolation implements ConfigName {
    /** {@code interpolate_offset=0.1, interpolate_antialias=False}: DINO, and DINOv2's training default. */
    OFFSET_0_1_NO_ANTIALIAS("offset0.1_noaa"),
    /** {@code interpolate_offset=0, interpolate_antialias=True}: DINOv2's released register models. */
    OFFSET_0_ANTIALIAS("offset0_aa");

    private final String configName;

    PosEmbedInterpolation(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
