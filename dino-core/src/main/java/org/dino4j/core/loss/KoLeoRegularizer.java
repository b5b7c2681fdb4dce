package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

/**
 * DINOv2's KoLeo regulariser (the Kozachenko-Leonenko differential-entropy estimator): it pushes the features of
 * a batch apart by penalising a small distance from each one to its nearest neighbour, so that the features spread
 * uniformly over the sphere:
 * <pre>
 *   x^_i = x_i / max(||x_i||, 1e-8)
 *   n(i) = argmax_{j != i} x^_i . x^_j                   (first index on ties; chosen without gradient)
 *   d_i  = || x^_i - x^_n(i) + 1e-8 ||_2                  (the eps is added to the difference vector)
 *   loss = -1/n sum_i log(d_i + 1e-8)
 * </pre>
 * In DINOv2 it is applied to the student backbone's CLS tokens (after the final norm, before the head) of each
 * global crop separately ({@link #forwardPerCrop}), summed, and weighted by {@link #DEFAULT_WEIGHT}. The gradient
 * flows into x through x^_i and x^_n(i); the neighbour indices are constants.
 *
 * <p>A batch of one sample has no neighbour but itself, so its loss would be meaningless (a distance of eps); such a
 * batch is rejected rather than passed on to the optimiser. Half-precision input is widened to float32, as the
 * official code runs outside autocast.
 */
public final class KoLeoRegularizer {

    /** DINOv2's {@code dino.koleo_loss_weight}. */
    public static final double DEFAULT_WEIGHT = 0.1;
    /** The eps of the normalisation, the pairwise distance and the logarithm (all 1e-8 in dinov2). */
    public static final double EPS = 1e-8;

    /** The official regulariser (it has no options). */
    public KoLeoRegularizer() {}

    /**
     * The KoLeo loss of one batch (unweighted).
     *
     * @param features [n, D] features, n &gt;= 2 (e.g. one global crop's CLS tokens)
     * @return a scalar, differentiable with respect to {@code features}, in their manager
     * @throws IllegalArgumentException if the input is not [n, D] with n &gt;= 2 and D &gt;= 1
     */
    public NDArray forward(NDArray features) {
        checkFeatures(features);
        NDArray x = normalize(widen(features));
        NDArray neighbours = nearestNeighbourIndices(x);
        // x_nn as a one-hot matrix product rather than a gather: a gather's backward accumulates duplicate indices
        // (two samples sharing a neighbour) in a thread-dependent order, which made runs not bit-reproducible.
        long n = x.getShape().get(0);
        NDArray pick = neighbours.oneHot((int) n).toType(x.getDataType(), false);
        NDArray distances = x.sub(pick.matMul(x)).add(EPS).norm(new int[] {-1});
        return distances.add(EPS).log().mean().neg();
    }

    /**
     * The sum of {@link #forward} over the crops of a crop-major batch, as dinov2 applies KoLeo to each global crop.
     *
     * @param features [nCrops*B, D] features, crop-major ([crop0 b0..b(B-1), crop1 ...]), B &gt;= 2
     * @param numCrops nCrops &gt;= 1 (2 for dinov2's global crops)
     * @return a scalar, the sum of the per-crop losses (unweighted)
     * @throws IllegalArgumentException if the rows do not split into nCrops chunks of B &gt;= 2 samples
     */
    public NDArray forwardPerCrop(NDArray features, int numCrops) {
        if (numCrops < 1) {
            throw new IllegalArgumentException("numCrops must be >= 1 (dinov2: 2 global crops), got " + numCrops);
        }
        Shape s = features.getShape();
        if (s.dimension() != 2 || s.get(1) < 1 || s.get(0) % numCrops != 0) {
            throw new IllegalArgumentException("expected KoLeo features [nCrops*B, D] with nCrops = " + numCrops
                    + ", got shape " + s);
        }
        long batch = s.get(0) / numCrops;
        checkBatch(batch, " per crop (" + s.get(0) + " rows in " + numCrops + " crops)");
        NDArray total = null;
        for (int c = 0; c < numCrops; c++) {
            NDArray crop = features.get(new NDIndex("{}:{}", c * batch, (c + 1) * batch));
            NDArray loss = forward(crop);
            total = total == null ? loss : total.add(loss);
        }
        return total;
    }

    /**
     * Each row's nearest neighbour among the other rows by cosine similarity (the indices n(i) above), computed
     * without gradient.
     *
     * @param features [n, D] features, n &gt;= 2
     * @return [n] int64 indices, in the features' manager
     * @throws IllegalArgumentException if the input is not [n, D] with n &gt;= 2
     */
    public NDArray nearestNeighbours(NDArray features) {
        checkFeatures(features);
        try (NDManager tmp = features.getManager().newSubManager()) {
            NDArray x = normalize(widen(DinoBlock.alias(features, tmp)));
            NDArray indices = nearestNeighbourIndices(x);
            indices.attach(features.getManager());
            return indices;
        }
    }

    /** x / max(||x||, eps) per row. */
    private static NDArray normalize(NDArray x) {
        NDArray norm = x.norm(new int[] {-1}, true);
        return x.div(norm.maximum(DinoBlock.constant(norm, EPS)));
    }

    /** argmax over j != i of the dot products of unit rows; the diagonal is set to -1, the smallest cosine. */
    private static NDArray nearestNeighbourIndices(NDArray unitRows) {
        NDArray u = unitRows.stopGradient();
        long n = u.getShape().get(0);
        NDArray dots = u.matMul(u.transpose());
        NDArray eye = u.getManager().eye((int) n).toType(dots.getDataType(), false).toDevice(dots.getDevice(), false);
        // dots * (1 - I) - I keeps every off-diagonal value exactly and puts -1 on the diagonal.
        NDArray masked = dots.mul(eye.neg().add(1)).sub(eye);
        // argmax returns the first maximal index, as the official torch.max does on ties.
        return masked.argMax(1);
    }

    private static NDArray widen(NDArray x) {
        return x.getDataType() == DataType.FLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
    }

    private static void checkFeatures(NDArray features) {
        Shape s = features.getShape();
        if (s.dimension() != 2 || s.get(1) < 1) {
            throw new IllegalArgumentException("expected KoLeo features [n, D], got shape " + s);
        }
        checkBatch(s.get(0), "");
    }

    private static void checkBatch(long batch, String where) {
        if (batch < 2) {
            throw new IllegalArgumentException("KoLeo needs at least 2 samples to find nearest neighbours, got batch "
                    + "size " + batch + where + "; use a batch of at least 2 images (per process and global crop) or "
                    + "set the KoLeo weight to 0");
        }
    }
}
