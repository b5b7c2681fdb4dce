package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

/**
 * Cross-entropy H(q, p) = -sum_k q_k log p_k between soft targets q and the student's distribution
 * p = softmax(s / T_s), the building block of the DINO, DINOv2 and iBOT losses.
 */
public final class SoftCrossEntropy {

    private SoftCrossEntropy() {}

    /**
     * The student's log-probabilities log_softmax(s / T_s) over the last axis.
     *
     * @param studentLogits [..., K] student logits
     * @param studentTemperature T_s &gt; 0 (DINO uses 0.1)
     * @return [..., K]
     */
    public static NDArray logProbabilities(NDArray studentLogits, double studentTemperature) {
        if (!(studentTemperature > 0) || Double.isInfinite(studentTemperature)) {
            throw new IllegalArgumentException(
                    "student temperature must be a positive number, got " + studentTemperature);
        }
        return studentLogits.div(DinoBlock.constant(studentLogits, studentTemperature)).logSoftmax(-1);
    }

    /**
     * H(q, p) for each row.
     *
     * @param targets [..., K] target distributions q (no gradient is taken through them)
     * @param logProbabilities [..., K] student log-probabilities log p
     * @return [...] one cross-entropy per row
     */
    public static NDArray perRow(NDArray targets, NDArray logProbabilities) {
        if (!targets.getShape().equals(logProbabilities.getShape())) {
            throw new IllegalArgumentException("targets and log-probabilities must have the same shape, got "
                    + targets.getShape() + " and " + logProbabilities.getShape());
        }
        return logProbabilities.mul(targets.stopGradient()).sum(new int[] {-1}).neg();
    }

    /**
     * The batch-mean cross-entropy of every (teacher crop, student crop) pair: entry [i, v] is
     * mean_b H(q_i[b], p_v[b]). Rows of both inputs are crop-major ([crop0 b0..b(B-1), crop1 ...]), so crop i of the
     * teacher and crop v of the student see the same B images in the same order.
     *
     * <p>Computed as one matrix product over the flattened (b, k) axis instead of a loop over pairs.
     *
     * @param targets [nT*B, K] teacher targets q (no gradient is taken through them)
     * @param logProbabilities [nS*B, K] student log-probabilities
     * @param batch B, the number of images per crop
     * @return [nT, nS]
     */
    public static NDArray pairwise(NDArray targets, NDArray logProbabilities, long batch) {
        Shape t = targets.getShape();
        Shape s = logProbabilities.getShape();
        if (t.dimension() != 2 || s.dimension() != 2 || t.get(1) != s.get(1)) {
            throw new IllegalArgumentException("expected targets [nT*B, K] and log-probabilities [nS*B, K] with the "
                    + "same K, got " + t + " and " + s);
        }
        if (batch < 1 || t.get(0) % batch != 0 || s.get(0) % batch != 0) {
            throw new IllegalArgumentException("batch B = " + batch + " must be positive and divide both row counts, "
                    + "got " + t.get(0) + " target rows and " + s.get(0) + " student rows");
        }
        long k = t.get(1);
        NDArray q = targets.stopGradient().reshape(t.get(0) / batch, batch * k);
        NDArray logp = logProbabilities.reshape(s.get(0) / batch, batch * k);
        // log-probabilities first, so the result lives in the student's (step) scope
        NDArray pairs = logp.matMul(q.transpose()).transpose();
        return pairs.div(DinoBlock.constant(pairs, -(double) batch));
    }
}
