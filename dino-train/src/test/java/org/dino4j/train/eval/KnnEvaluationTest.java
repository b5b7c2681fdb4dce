package org.dino4j.train.eval;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.data.ImageDataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnnEvaluationTest {

    /** Images of two kinds: class 0 dark, class 1 bright, each with a little noise. */
    static ImageDataset twoClasses(int n, int height, int width, long seed) {
        FloatImage[] images = new FloatImage[n];
        for (int i = 0; i < n; i++) {
            FloatImage noise = TinyModels.image(height, width, seed + i);
            float[] d = noise.data().clone();
            for (int j = 0; j < d.length; j++) {
                d[j] = (i % 2 == 0 ? 0.1f : 0.8f) + 0.1f * d[j];
            }
            images[i] = new FloatImage(3, height, width, d);
        }
        return new ImageDataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public FloatImage image(int i) {
                return images[i];
            }

            @Override
            public int label(int i) {
                return i % 2;
            }

            @Override
            public List<String> classNames() {
                return List.of("dark", "bright");
            }
        };
    }

    @Test
    void separableClassesAreRecognisedAtEveryK() {
        try (NDManager root = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyModels.vit(root, 0);

            List<KnnClassifier.Accuracy> acc = KnnEvaluation.run(vit, twoClasses(20, 16, 16, 0),
                    twoClasses(10, 20, 28, 100), Normalization.IMAGENET, 16, new int[] {5, 1}, 0.07, 8, root);

            assertEquals(List.of(5, 1), acc.stream().map(KnnClassifier.Accuracy::k).toList());
            for (KnnClassifier.Accuracy a : acc) {
                assertEquals(100.0, a.top1(), "dark and bright images: " + a);
                assertTrue(Double.isNaN(a.top5()), "two classes have no top-5");
            }
        }
    }

    @Test
    void kLargerThanTheMemoryBankIsRefused() {
        try (NDManager root = NDManager.newBaseManager()) {
            VisionTransformer vit = TinyModels.vit(root, 0);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KnnEvaluation.run(vit, twoClasses(4, 16, 16, 0), twoClasses(2, 16, 16, 9),
                            Normalization.IMAGENET, 0, new int[] {20}, 0.07, 8, root));

            assertEquals("k = 20 is outside [1, 4] (the memory bank has 4 images)", e.getMessage());
        }
    }

    @Test
    void otherSizesAreResizedAndCentreCroppedAsTheOfficialTransform() {
        FloatImage wide = TinyModels.image(20, 40, 3);

        FloatImage out = KnnEvaluation.centreCrop(wide, 16);

        assertEquals(16, out.height());
        assertEquals(16, out.width());
        FloatImage square = TinyModels.image(16, 16, 4);
        assertSame(square, KnnEvaluation.centreCrop(square, 16));
        ImageDataset d = twoClasses(3, 20, 40, 0);
        assertSame(d, KnnEvaluation.resized(d, 0));
        assertEquals(List.of(16, 16, 16), IntStream.range(0, 3).mapToObj(i -> KnnEvaluation.resized(d, 16).image(i)
                .height()).toList());
    }
}
