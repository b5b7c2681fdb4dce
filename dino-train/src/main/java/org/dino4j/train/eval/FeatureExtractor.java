package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import org.dino4j.train.data.HostStaging;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.data.ImageDataset;

import java.util.ArrayList;
import java.util.List;

/**
 * Extracts L2-normalised backbone CLS features of a whole dataset (eval mode: no stochastic depth), as the
 * official k-NN evaluation does: images only normalised, no augmentation.
 */
public final class FeatureExtractor {

    private FeatureExtractor() {}

    /**
     * @param backbone the backbone (the teacher's, for DINO's k-NN figures)
     * @param data the images (all of the same size)
     * @param normalization per-channel mean / std
     * @param batchSize images per forward pass
     * @param manager owner of the returned array (its device is used)
     * @return [N, D] L2-normalised features in {@code manager}
     */
    public static NDArray extract(Backbone backbone, ImageDataset data, Normalization normalization, int batchSize,
                                  NDManager manager) {
        int n = data.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot extract features of an empty dataset");
        }
        List<NDArray> chunks = new ArrayList<>();
        HostStaging staging = new HostStaging();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            try (NDManager scope = manager.newSubManager()) {
                FloatImage first = data.image(start).toRgb();
                int plane = first.height() * first.width();
                float[] buf = new float[(end - start) * 3 * plane];
                for (int i = start; i < end; i++) {
                    FloatImage img = i == start ? first : data.image(i).toRgb();
                    if (img.height() != first.height() || img.width() != first.width()) {
                        throw new IllegalArgumentException("k-NN images must share one size: image " + i + " is "
                                + img.height() + "x" + img.width() + ", image " + start + " is "
                                + first.height() + "x" + first.width());
                    }
                    int off = (i - start) * 3 * plane;
                    System.arraycopy(img.data(), 0, buf, off, 3 * plane);
                    normalization.apply(buf, off, plane);
                }
                NDArray x = staging.upload(scope, 0, buf, new Shape(end - start, 3, first.height(), first.width()));
                NDArray f = KnnClassifier.l2Normalize(backbone.forwardClassToken(x, false, null).cls());
                f.attach(manager);
                chunks.add(f);
            }
        }
        if (chunks.size() == 1) {
            return chunks.get(0);
        }
        NDArray all = NDArrays.concat(new NDList(chunks), 0);
        chunks.forEach(NDArray::close);
        return all;
    }

    /** The labels of a dataset. */
    public static int[] labels(ImageDataset data) {
        int[] out = new int[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.label(i);
        }
        return out;
    }
}
