package org.dino4j.train.data;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.dino4j.train.augment.FloatImage;

/** Random RGB images with labels {@code i % classes}; a hook runs before each image is returned. */
final class InMemoryDataset implements ImageDataset {

    private final FloatImage[] images;
    private final int classes;
    private final IntConsumer beforeImage;

    InMemoryDataset(int n, int size, int classes, IntConsumer beforeImage) {
        this.images = new FloatImage[n];
        for (int i = 0; i < n; i++) {
            SplittableRandom rng = new SplittableRandom(1000 + i);
            float[] data = new float[3 * size * (size + 2)];
            for (int j = 0; j < data.length; j++) {
                data[j] = (float) rng.nextDouble();
            }
            images[i] = new FloatImage(3, size, size + 2, data);
        }
        this.classes = classes;
        this.beforeImage = beforeImage;
    }

    InMemoryDataset(int n, int size, int classes) {
        this(n, size, classes, i -> { });
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public FloatImage image(int i) {
        checkIndex(i);
        beforeImage.accept(i);
        return images[i];
    }

    @Override
    public int label(int i) {
        return i % classes;
    }

    @Override
    public List<String> classNames() {
        return java.util.stream.IntStream.range(0, classes).mapToObj(c -> "c" + c).toList();
    }
}
