package org.dino4j.train.config;

/** The backbone architectures a configuration can name in {@code model.backbone.type}. */
public enum BackboneType implements ConfigName {
    /** A Vision Transformer (the official {@code vit_*} models, with DINOv2's options). */
    VIT("vit"),
    /**
     * A torchvision ResNet without its classifier ({@code model.backbone.depth} 18, 34, 50, 101 or 152; the ViT keys
     * are ignored). DINO's ResNet-50 recipe.
     */
    RESNET("resnet");

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
