package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.train.augment.BicubicResampler;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.data.ImageDataset;

import java.util.List;

/**
 * The k-NN evaluation of a frozen backbone on a labelled memory bank and labelled queries, as the official
 * {@code eval_knn.py}: features of both sets ({@link FeatureExtractor}), then the weighted vote of
 * {@link KnnClassifier}. Images of other sizes are brought to the evaluation size as the official transform does
 * (bicubic resize of the shorter side to 256/224 of the size, then a centre crop).
 */
public final class KnnEvaluation {

    private KnnEvaluation() {}

    /**
     * Runs the evaluation.
     *
     * @param backbone the backbone (the teacher's, for DINO's figures)
     * @param bank labelled memory bank (e.g. the training split)
     * @param queries labelled queries (e.g. the test split)
     * @param norm the normalisation the backbone was trained with
     * @param imageSize the evaluation image side; images of another size are resized and centre-cropped to it; 0
     *     leaves the images as they are (they must then share one size)
     * @param ks the values of k (the paper reports 20; 1 is the plain nearest neighbour)
     * @param temperature T of the vote weights exp(similarity / T) (0.07)
     * @param batchSize images per forward pass
     * @param manager a manager for the features (a sub-manager is used and closed)
     * @return one accuracy per k, in the order of {@code ks}
     * @throws IllegalArgumentException if a set is unlabelled or empty, or a k exceeds the memory bank
     */
    public static List<KnnClassifier.Accuracy> run(Backbone backbone, ImageDataset bank, ImageDataset queries,
                                                   Normalization norm, int imageSize, int[] ks, double temperature,
                                                   int batchSize, NDManager manager) {
        if (bank.classNames().isEmpty()) {
            throw new IllegalArgumentException("k-NN needs a labelled memory bank (class sub-folders or a labels"
                    + " file); this one has no classes");
        }
        if (bank.size() == 0 || queries.size() == 0) {
            throw new IllegalArgumentException("k-NN needs images in both sets: memory bank " + bank.size()
                    + ", queries " + queries.size());
        }
        for (int k : ks) {
            if (k < 1 || k > bank.size()) {
                throw new IllegalArgumentException("k = " + k + " is outside [1, " + bank.size()
                        + "] (the memory bank has " + bank.size() + " images)");
            }
        }
        ImageDataset b = resized(bank, imageSize);
        ImageDataset q = resized(queries, imageSize);
        try (NDManager scope = manager.newSubManager()) {
            NDArray bankFeatures = FeatureExtractor.extract(backbone, b, norm, batchSize, scope);
            NDArray queryFeatures = FeatureExtractor.extract(backbone, q, norm, batchSize, scope);
            int classes = Math.max(bank.classNames().size(), queries.classNames().size());
            return KnnClassifier.evaluate(bankFeatures, FeatureExtractor.labels(bank), queryFeatures,
                    FeatureExtractor.labels(queries), classes, ks, temperature);
        }
    }

    /**
     * A view of a dataset whose images are brought to {@code size x size}: an image of that size is kept, any
     * other has its shorter side resized (bicubic) to {@code round(size * 256 / 224)} and is centre-cropped, as
     * torchvision's {@code Resize(256)} and {@code CenterCrop(224)} in the official evaluation.
     *
     * @param data the dataset
     * @param size the side, or 0 for the dataset itself
     * @return the view
     */
    public static ImageDataset resized(ImageDataset data, int size) {
        if (size <= 0) {
            return data;
        }
        return new ImageDataset() {
            @Override
            public int size() {
                return data.size();
            }

            @Override
            public FloatImage image(int i) {
                return centreCrop(data.image(i), size);
            }

            @Override
            public int label(int i) {
                return data.label(i);
            }

            @Override
            public List<String> classNames() {
                return data.classNames();
            }
        };
    }

    /**
     * The official evaluation transform for one image (see {@link #resized}).
     *
     * @param image an image
     * @param size the output side
     * @return an RGB image of {@code size x size}
     */
    public static FloatImage centreCrop(FloatImage image, int size) {
        FloatImage rgb = image.toRgb();
        if (rgb.height() == size && rgb.width() == size) {
            return rgb;
        }
        int shortSide = Math.max(size, (int) Math.round(size * 256.0 / 224.0));
        int h;
        int w;
        // torchvision's Resize(int): the shorter side becomes the size, the longer one is scaled and truncated
        if (rgb.height() <= rgb.width()) {
            h = shortSide;
            w = (int) ((long) shortSide * rgb.width() / rgb.height());
        } else {
            w = shortSide;
            h = (int) ((long) shortSide * rgb.height() / rgb.width());
        }
        FloatImage big = BicubicResampler.resize(rgb, h, w);
        int top = (int) Math.round((h - size) / 2.0);
        int left = (int) Math.round((w - size) / 2.0);
        int plane = size * size;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(big.data(), (c * h + top + y) * w + left, out, c * plane + y * size, size);
            }
        }
        return new FloatImage(3, size, size, out);
    }
}
