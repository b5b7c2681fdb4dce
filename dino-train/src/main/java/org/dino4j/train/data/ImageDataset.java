package org.dino4j.train.data;

import java.util.List;
import org.dino4j.train.augment.FloatImage;

/**
 * A fixed, indexed collection of images with optional labels. Implementations must be safe to read from several
 * threads at once, and must return the same image for the same index every time.
 */
public interface ImageDataset {

    /** Number of samples. */
    int size();

    /**
     * Decodes sample {@code i}.
     *
     * @param i index in {@code [0, size())}
     * @return the image as RGB floats in [0, 1] ({@code [3, H, W]})
     * @throws UnreadableImageException if the sample's file cannot be decoded; loaders skip such samples
     */
    FloatImage image(int i);

    /**
     * The class of sample {@code i}.
     *
     * @param i index in {@code [0, size())}
     * @return an index into {@link #classNames()}, or -1 for an unlabelled sample
     */
    int label(int i);

    /** Class names, indexed by label; empty for an unlabelled dataset. */
    List<String> classNames();

    /** Fails with a clear message unless {@code i} indexes a sample. */
    default void checkIndex(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("sample index " + i + " is outside [0, " + size() + ")");
        }
    }
}
