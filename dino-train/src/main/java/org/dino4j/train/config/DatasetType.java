package org.dino4j.train.config;

/** Image dataset layouts a configuration can name in {@code data.*.type}. */
public enum DatasetType implements ConfigName {
    /** A directory with one sub-directory of images per class (ImageNet's layout). */
    FOLDER("folder"),
    /** An idx-ubyte image file (MNIST's format, optionally gzipped), with its labels file next to it. */
    IDX("idx"),
    /**
     * A directory with the four Fashion-MNIST files ({@code train-*} and {@code t10k-*} images and labels): a training
     * path reads the {@code train} split, a k-NN test path the {@code t10k} split.
     */
    FASHION_MNIST("fashion-mnist");

    private final String configName;

    DatasetType(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
