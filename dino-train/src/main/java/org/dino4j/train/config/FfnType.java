package org.dino4j.train.config;

/** The feed-forward layer of each ViT block ({@code model.backbone.ffn}). */
public enum FfnType implements ConfigName {
    /** fc1, GELU, fc2 (DINO, DINOv2 ViT-S/B/L). */
    MLP("mlp"),
    /** The fused SwiGLU of DINOv2's ViT-g ({@code w12}, {@code w3}). */
    SWIGLU("swiglu");

    private final String configName;

    FfnType(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
