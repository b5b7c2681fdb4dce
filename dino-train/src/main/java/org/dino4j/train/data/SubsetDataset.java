package org.dino4j.train.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.dino4j.train.augment.FloatImage;

/**
 * A view of selected samples of another dataset, in a fixed order. Used for quick runs (the first n images per class)
 * and for train / validation splits.
 */
public final class SubsetDataset implements ImageDataset {

    private final ImageDataset base;
    private final int[] indices;

    private SubsetDataset(ImageDataset base, int[] indices) {
        this.base = base;
        this.indices = indices;
    }

    /**
     * The given samples of {@code base}, in the given order.
     *
     * @param base the full dataset
     * @param indices indices into {@code base}; copied
     * @return the subset
     */
    public static SubsetDataset of(ImageDataset base, int[] indices) {
        Objects.requireNonNull(base, "base dataset must not be null");
        int[] copy = indices.clone();
        for (int i : copy) {
            if (i < 0 || i >= base.size()) {
                throw new IndexOutOfBoundsException("subset index " + i + " is outside the base dataset's [0, "
                        + base.size() + ")");
            }
        }
        return new SubsetDataset(base, copy);
    }

    /** The first {@code n} samples of {@code base}. */
    public static SubsetDataset first(ImageDataset base, int n) {
        if (n < 0 || n > base.size()) {
            throw new IllegalArgumentException("cannot take the first " + n + " of " + base.size() + " samples");
        }
        int[] idx = new int[n];
        Arrays.setAll(idx, i -> i);
        return new SubsetDataset(base, idx);
    }

    /**
     * A class-balanced subset: for every class, its first {@code perClass} samples in dataset order (all of them if
     * the class has fewer). The subset keeps the base order.
     *
     * @param base a labelled dataset
     * @param perClass samples per class, {@code > 0}
     * @return the subset
     */
    public static SubsetDataset firstPerClass(ImageDataset base, int perClass) {
        if (perClass <= 0) {
            throw new IllegalArgumentException("perClass must be positive, got " + perClass);
        }
        int classes = base.classNames().size();
        if (classes == 0) {
            throw new IllegalArgumentException("firstPerClass needs a labelled dataset, but this one has no classes");
        }
        int[] taken = new int[classes];
        int[] idx = new int[Math.min(base.size(), perClass * classes)];
        int n = 0;
        int full = 0;
        for (int i = 0; i < base.size() && full < classes; i++) {
            int label = base.label(i);
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("firstPerClass needs every sample labelled, but sample " + i
                        + " has label " + label + " (classes 0.." + (classes - 1) + ")");
            }
            if (taken[label] < perClass) {
                idx[n++] = i;
                if (++taken[label] == perClass) {
                    full++;
                }
            }
        }
        return new SubsetDataset(base, Arrays.copyOf(idx, n));
    }

    /** The dataset this is a view of. */
    public ImageDataset base() {
        return base;
    }

    /** The base index of subset sample {@code i}. */
    public int baseIndex(int i) {
        checkIndex(i);
        return indices[i];
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public FloatImage image(int i) {
        return base.image(baseIndex(i));
    }

    @Override
    public int label(int i) {
        return base.label(baseIndex(i));
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }
}
