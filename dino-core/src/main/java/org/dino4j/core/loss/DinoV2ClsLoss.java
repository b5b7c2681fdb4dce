package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

/**
 * DINOv2's image-level (CLS) self-distillation loss: the official {@code DINOLoss.forward} and the way
 * {@code ssl_meta_arch} scales it into a local-crop and a global-crop term. Teacher targets come from a {@link
 * org.dino4j.core.target.TeacherTargets} (centring or Sinkhorn-Knopp), computed from the teacher logits of the two
 * global crops with their halves swapped ({@link #swapGlobalCrops}).
 *
 * <p>The raw loss ({@link #crossEntropySum}) is an unnormalised sum over every (student chunk, teacher chunk) pair
 * of the batch-mean cross-entropy H(q, softmax(s / T_s)); unlike DINO v1 no pair is skipped. The same-view pairs
 * v1 skips are avoided instead by the swap: student global crop A meets the teacher's crop B and vice versa.
 * With n_local local crops the two terms are
 * <pre>
 *   local  = raw(student local chunks, teacher chunks g0, g1)           / n_terms
 *   global = raw(student [2B] as one chunk, teacher [2B] as one chunk) * 2 / n_terms,   n_terms = 2 + 2 n_local
 * </pre>
 * where n_terms counts the v1 pairs (2 global-to-global, 2 n_local local-to-global) and the factor 2 lets the
 * single global pair, averaged over 2B rows, weigh as the two it stands for. DINOv2 uses exactly 2 global crops.
 */
public final class DinoV2ClsLoss {

    /** The official student temperature. */
    public static final double DEFAULT_STUDENT_TEMPERATURE = 0.1;
    /** DINOv2's number of global crops (the official code asserts it). */
    public static final int GLOBAL_CROPS = 2;
    /** {@code loss_scales} in {@code ssl_meta_arch}: the one global pair weighs as two pairs. */
    public static final int GLOBAL_LOSS_SCALE = 2;

    private final double studentTemperature;

    /** The official loss: student temperature 0.1. */
    public DinoV2ClsLoss() {
        this(DEFAULT_STUDENT_TEMPERATURE);
    }

    /**
     * @param studentTemperature T_s &gt; 0
     * @throws IllegalArgumentException if T_s is not a positive number
     */
    public DinoV2ClsLoss(double studentTemperature) {
        if (!(studentTemperature > 0) || Double.isInfinite(studentTemperature)) {
            throw new IllegalArgumentException(
                    "student temperature must be a positive number (official 0.1), got " + studentTemperature);
        }
        this.studentTemperature = studentTemperature;
    }

    /**
     * The official {@code DINOLoss.forward}: sum over every (student chunk, teacher chunk) pair of
     * -mean_rows sum_k q log_softmax(s / T_s), unnormalised.
     *
     * @param studentLogits [nS*R, K] student logits, nS chunks of R rows each (chunk-major)
     * @param teacherTargets [nT*R, K] teacher targets, nT chunks of R rows; no gradient flows into them
     * @param chunkRows R, the rows per chunk (B for per-crop chunks, 2B for the global term's single chunk)
     * @return a scalar, differentiable with respect to {@code studentLogits}, in the student logits' manager
     * @throws IllegalArgumentException if the shapes are not [nS*R, K] and [nT*R, K] with the same K
     */
    public NDArray crossEntropySum(NDArray studentLogits, NDArray teacherTargets, long chunkRows) {
        NDArray logp = SoftCrossEntropy.logProbabilities(studentLogits, studentTemperature);
        return SoftCrossEntropy.pairwise(teacherTargets, logp, chunkRows).sum();
    }

    /**
     * The local-crop term: every local crop of the student against both global crops of the teacher, divided by
     * n_terms = 2 + 2 n_local.
     *
     * @param studentLocalLogits [nLocal*B, K] student logits of the local crops, crop-major
     * @param teacherTargets [2B, K] targets of the teacher's global crops in swapped order, crop-major
     * @return a scalar in the student logits' manager
     * @throws IllegalArgumentException if the shapes do not describe nLocal &gt;= 1 local crops and 2 global crops of
     *     the same B images
     */
    public NDArray localLoss(NDArray studentLocalLogits, NDArray teacherTargets) {
        long batch = batchOf(teacherTargets);
        Shape s = studentLocalLogits.getShape();
        if (s.dimension() != 2 || s.get(1) != teacherTargets.getShape().get(1) || s.get(0) == 0
                || s.get(0) % batch != 0) {
            throw new IllegalArgumentException("expected student local logits [nLocal*B, K] with B = " + batch
                    + " and K = " + teacherTargets.getShape().get(1) + " (from teacher targets "
                    + teacherTargets.getShape() + "), got " + s);
        }
        int numLocal = Math.toIntExact(s.get(0) / batch);
        // Integer divisors keep a float32 scalar float32 (a double would promote the 0-d result to float64).
        NDArray sum = crossEntropySum(studentLocalLogits, teacherTargets, batch);
        return sum.div(DinoBlock.constant(sum, numTerms(numLocal)));
    }

    /**
     * The global-crop term: the student's two global crops as one chunk of 2B rows against the teacher's 2B rows
     * (already swapped, so crop A meets teacher crop B), times 2 / n_terms.
     *
     * @param studentGlobalLogits [2B, K] student logits of the global crops, crop-major, in the original order
     * @param teacherTargets [2B, K] targets of the teacher's global crops in swapped order
     * @param numLocalCrops n_local &gt;= 0, which sets n_terms = 2 + 2 n_local
     * @return a scalar in the student logits' manager
     * @throws IllegalArgumentException if the shapes differ or n_local is negative
     */
    public NDArray globalLoss(NDArray studentGlobalLogits, NDArray teacherTargets, int numLocalCrops) {
        batchOf(teacherTargets);
        if (!studentGlobalLogits.getShape().equals(teacherTargets.getShape())) {
            throw new IllegalArgumentException("expected student global logits of the teacher targets' shape "
                    + teacherTargets.getShape() + " ([2B, K]), got " + studentGlobalLogits.getShape());
        }
        long rows = teacherTargets.getShape().get(0);
        // raw * 2 / n_terms in this order, as the official code rounds it.
        NDArray sum = crossEntropySum(studentGlobalLogits, teacherTargets, rows);
        return sum.mul(DinoBlock.constant(sum, GLOBAL_LOSS_SCALE))
                .div(DinoBlock.constant(sum, numTerms(numLocalCrops)));
    }

    /**
     * Both terms of a step with local crops.
     *
     * @param studentGlobalLogits [2B, K] student logits of the global crops
     * @param studentLocalLogits [nLocal*B, K] student logits of the local crops
     * @param teacherTargets [2B, K] teacher targets of the global crops in swapped order
     * @return the local and global terms
     */
    public Terms forward(NDArray studentGlobalLogits, NDArray studentLocalLogits, NDArray teacherTargets) {
        NDArray local = localLoss(studentLocalLogits, teacherTargets);
        int numLocal = Math.toIntExact(studentLocalLogits.getShape().get(0) / batchOf(teacherTargets));
        return new Terms(local, globalLoss(studentGlobalLogits, teacherTargets, numLocal));
    }

    /**
     * The terms of a step without local crops: the local term is a constant 0 (dinov2 computes none), the global
     * term is the raw global loss (n_terms = 2).
     *
     * @param studentGlobalLogits [2B, K] student logits of the global crops
     * @param teacherTargets [2B, K] teacher targets of the global crops in swapped order
     * @return the terms, the local one a scalar 0 without gradient in the student logits' manager
     */
    public Terms forward(NDArray studentGlobalLogits, NDArray teacherTargets) {
        NDArray global = globalLoss(studentGlobalLogits, teacherTargets, 0);
        NDArray zero = studentGlobalLogits.getManager().zeros(new Shape(), global.getDataType())
                .toDevice(global.getDevice(), false);
        return new Terms(zero, global);
    }

    /**
     * n_terms = 2 + 2 n_local: the number of (teacher crop, student crop) pairs the DINO v1 loss would average,
     * 2 global-to-global and 2 n_local local-to-global.
     *
     * @param numLocalCrops n_local &gt;= 0
     * @return 2 + 2 n_local
     */
    public static int numTerms(int numLocalCrops) {
        if (numLocalCrops < 0) {
            throw new IllegalArgumentException("the number of local crops must be >= 0, got " + numLocalCrops);
        }
        return GLOBAL_CROPS * (GLOBAL_CROPS - 1) + GLOBAL_CROPS * numLocalCrops;
    }

    /**
     * Swaps the two global-crop halves of teacher rows, [g0 b0..b(B-1), g1 ...] -&gt; [g1 ..., g0 ...], as dinov2
     * does to the teacher's CLS tokens (before the head; the head acts per row, so after is the same).
     *
     * @param teacherRows [2B, ...] teacher CLS tokens or logits of the two global crops, crop-major
     * @return [2B, ...] the halves exchanged (differentiable, though the teacher normally carries no gradient)
     * @throws IllegalArgumentException if the first axis is not even and positive
     */
    public static NDArray swapGlobalCrops(NDArray teacherRows) {
        Shape s = teacherRows.getShape();
        if (s.dimension() < 1 || s.get(0) == 0 || s.get(0) % GLOBAL_CROPS != 0) {
            throw new IllegalArgumentException("expected teacher rows of the 2 global crops [2B, ...], got shape " + s);
        }
        long b = s.get(0) / GLOBAL_CROPS;
        return NDArrays.concat(new NDList(teacherRows.get(new NDIndex("{}:", b)),
                teacherRows.get(new NDIndex(":{}", b))), 0);
    }

    private static long batchOf(NDArray teacherTargets) {
        Shape t = teacherTargets.getShape();
        if (t.dimension() != 2 || t.get(0) == 0 || t.get(0) % GLOBAL_CROPS != 0) {
            throw new IllegalArgumentException(
                    "expected teacher targets of the 2 global crops [2B, K], got shape " + t);
        }
        return t.get(0) / GLOBAL_CROPS;
    }

    /** The student temperature T_s. */
    public double studentTemperature() {
        return studentTemperature;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "DinoV2ClsLoss[studentTemperature=" + studentTemperature + "]";
    }

    /**
     * The two CLS terms of a DINOv2 step, each already scaled by 1 / n_terms (the global one also by 2). dinov2
     * adds both to the total, each times {@code dino.loss_weight} (1 by default).
     *
     * @param localCrops the local-crop term, a scalar
     * @param globalCrops the global-crop term, a scalar
     */
    public record Terms(NDArray localCrops, NDArray globalCrops) {

        /** localCrops + globalCrops, a scalar in the first term's manager. */
        public NDArray sum() {
            return localCrops.add(globalCrops);
        }
    }
}
