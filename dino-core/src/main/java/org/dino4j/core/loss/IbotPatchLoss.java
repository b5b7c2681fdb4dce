package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

/**
 * iBOT's masked-patch self-distillation loss, as DINOv2 uses it (the official {@code iBOTPatchLoss}): the student,
 * shown a global crop with some patches replaced by the mask token, predicts the teacher's targets for those
 * patches, which the teacher saw unmasked.
 *
 * <p>Masks are [B, N] arrays over the B masked-or-not global-crop images (crop-major, as the student's global rows)
 * and their N patches (row-major over the patch grid), 1 (or true) where a patch is masked. With
 * l_m = -H(q_m, softmax(s_m / T_s)) = sum_k q_m[k] log_softmax(s_m / T_s)[k]:
 * <ul>
 *   <li>{@link #forwardMasked} (what DINOv2 trains with) takes only the M masked patches, in the order of
 *       {@link #maskIndices}, and weighs each by w_m = 1 / max(1, masked patches in its image)
 *       ({@link #masksWeight}): loss = -sum_m w_m l_m / B. Every image thus counts equally, and B counts every
 *       image, also those with nothing masked.</li>
 *   <li>{@link #forward} (the dense variant) takes all N patches: loss = -mean_b [sum_n mask l / max(1, sum_n mask)].
 *   </li>
 * </ul>
 * Both give the same value for the same masks. In {@code ssl_meta_arch} the masked loss is multiplied by
 * 2 (loss_scales) and 1/2 (one over the global crops), i.e. by 1, then by {@link #DEFAULT_WEIGHT}.
 *
 * <p>Teacher targets for the masked patches come from a {@link org.dino4j.core.target.TeacherTargets}: centring
 * with its own centre (give it the masked teacher logits as [1, M, K]) or Sinkhorn-Knopp with B = M.
 */
public final class IbotPatchLoss {

    /** The official student temperature. */
    public static final double DEFAULT_STUDENT_TEMPERATURE = 0.1;
    /** DINOv2's {@code ibot.loss_weight}. */
    public static final double DEFAULT_WEIGHT = 1.0;

    private final double studentTemperature;

    /** The official loss: student temperature 0.1. */
    public IbotPatchLoss() {
        this(DEFAULT_STUDENT_TEMPERATURE);
    }

    /**
     * @param studentTemperature T_s &gt; 0
     * @throws IllegalArgumentException if T_s is not a positive number
     */
    public IbotPatchLoss(double studentTemperature) {
        if (!(studentTemperature > 0) || Double.isInfinite(studentTemperature)) {
            throw new IllegalArgumentException(
                    "student temperature must be a positive number (official 0.1), got " + studentTemperature);
        }
        this.studentTemperature = studentTemperature;
    }

    /**
     * The masked-patch loss with the weights derived from the masks ({@code forward_masked} with
     * {@code masks_weight = None}).
     *
     * @param studentMaskedLogits [M, K] student head outputs of the masked patches, in {@link #maskIndices} order
     * @param teacherMaskedTargets [M, K] teacher targets of the same patches; no gradient flows into them
     * @param masks [B, N] masks (0/1 numbers or booleans) of all B images, including unmasked ones
     * @return a scalar, differentiable with respect to the student logits, in their manager
     * @throws IllegalArgumentException if the shapes disagree, or M is not the number of masked patches
     */
    public NDArray forwardMasked(NDArray studentMaskedLogits, NDArray teacherMaskedTargets, NDArray masks) {
        checkMasks(masks);
        NDManager scope = studentMaskedLogits.getManager();
        NDArray weights = masksWeight(DinoBlock.alias(masks, scope));
        long m = weights.getShape().get(0);
        if (studentMaskedLogits.getShape().dimension() < 1 || studentMaskedLogits.getShape().get(0) != m) {
            throw new IllegalArgumentException("the masks mark " + m + " patches, so expected [" + m
                    + ", K] student masked logits, got " + studentMaskedLogits.getShape());
        }
        return forwardMasked(studentMaskedLogits, teacherMaskedTargets, masks, weights);
    }

    /**
     * The masked-patch loss with explicit per-patch weights ({@code forward_masked} with {@code masks_weight}).
     *
     * @param studentMaskedLogits [M, K] student head outputs of the masked patches
     * @param teacherMaskedTargets [M, K] teacher targets of the same patches; no gradient flows into them
     * @param masks [B, N] masks of all B images; only B is used (the divisor)
     * @param masksWeight [M] weight per masked patch, normally {@link #masksWeight}
     * @return a scalar, differentiable with respect to the student logits, in their manager
     * @throws IllegalArgumentException if the shapes disagree
     */
    public NDArray forwardMasked(NDArray studentMaskedLogits, NDArray teacherMaskedTargets, NDArray masks,
                                 NDArray masksWeight) {
        checkMasks(masks);
        Shape s = studentMaskedLogits.getShape();
        if (s.dimension() != 2 || !s.equals(teacherMaskedTargets.getShape())) {
            throw new IllegalArgumentException("expected student masked logits and teacher masked targets of the same "
                    + "shape [M, K], got " + s + " and " + teacherMaskedTargets.getShape());
        }
        if (!masksWeight.getShape().equals(new Shape(s.get(0)))) {
            throw new IllegalArgumentException("expected masks weight [M] = [" + s.get(0) + "] (one per masked "
                    + "patch), got " + masksWeight.getShape());
        }
        NDArray perPatch = SoftCrossEntropy.perRow(teacherMaskedTargets,
                SoftCrossEntropy.logProbabilities(studentMaskedLogits, studentTemperature));
        NDArray w = DinoBlock.alias(masksWeight, studentMaskedLogits.getManager()).stopGradient()
                .toType(perPatch.getDataType(), false).toDevice(perPatch.getDevice(), false);
        // An integer divisor keeps the float32 scalar float32 (a double would promote the 0-d result to float64).
        NDArray total = perPatch.mul(w).sum();
        return total.div(DinoBlock.constant(total, masks.getShape().get(0)));
    }

    /**
     * The dense variant: the loss over all patches, counting only the masked ones (the official
     * {@code iBOTPatchLoss.forward}).
     *
     * @param studentLogits [B, N, K] student head outputs of every patch
     * @param teacherTargets [B, N, K] teacher targets of every patch; no gradient flows into them
     * @param masks [B, N] masks (0/1 numbers or booleans)
     * @return a scalar, differentiable with respect to the student logits, in their manager
     * @throws IllegalArgumentException if the shapes disagree
     */
    public NDArray forward(NDArray studentLogits, NDArray teacherTargets, NDArray masks) {
        checkMasks(masks);
        Shape s = studentLogits.getShape();
        Shape m = masks.getShape();
        if (s.dimension() != 3 || !s.equals(teacherTargets.getShape()) || s.get(0) != m.get(0)
                || s.get(1) != m.get(1)) {
            throw new IllegalArgumentException("expected student logits and teacher targets [B, N, K] matching the "
                    + "masks " + m + ", got " + s + " and " + teacherTargets.getShape());
        }
        NDArray perPatch = SoftCrossEntropy.perRow(teacherTargets,
                SoftCrossEntropy.logProbabilities(studentLogits, studentTemperature));
        NDArray mask = DinoBlock.alias(masks, studentLogits.getManager())
                .toType(perPatch.getDataType(), false).toDevice(perPatch.getDevice(), false);
        NDArray perImage = perPatch.mul(mask).sum(new int[] {-1})
                .div(mask.sum(new int[] {-1}).maximum(1));
        return perImage.mean();
    }

    /**
     * The flat indices of the masked patches, {@code flatten(masks).nonzero()}: patch n of image b is b*N + n,
     * in row-major order. Use them to pick the masked rows of [B*N, ...] tokens ({@link #selectMasked}).
     *
     * @param masks [B, N] masks (0/1 numbers or booleans)
     * @return [M] int64 indices, in the masks' manager
     */
    public static NDArray maskIndices(NDArray masks) {
        checkMasks(masks);
        return masks.flatten().nonzero().reshape(-1);
    }

    /**
     * The weight of each masked patch, 1 / max(1, number of masked patches in its image), in {@link #maskIndices}
     * order, so each image with a mask contributes the same total weight 1.
     *
     * @param masks [B, N] masks (0/1 numbers or booleans)
     * @return [M] float32 weights, in the masks' manager
     */
    public static NDArray masksWeight(NDArray masks) {
        checkMasks(masks);
        Shape s = masks.getShape();
        NDArray counts = masks.toType(DataType.FLOAT32, false).sum(new int[] {1}, true).maximum(1);
        NDArray perImage = counts.onesLike().div(counts);
        return perImage.broadcast(s).flatten().get(maskIndices(masks));
    }

    /**
     * The masked rows of per-patch tokens, e.g. the backbone's patch tokens before the iBOT head.
     *
     * @param patchTokens [B, N, ...] per-patch values of the B images
     * @param maskIndices [M] flat indices from {@link #maskIndices}
     * @return [M, ...] the rows b*N + n in index order, differentiable, in the tokens' manager
     * @throws IllegalArgumentException if the tokens have fewer than 2 axes or the indices are not 1-D
     */
    public static NDArray selectMasked(NDArray patchTokens, NDArray maskIndices) {
        Shape s = patchTokens.getShape();
        if (s.dimension() < 2 || maskIndices.getShape().dimension() != 1) {
            throw new IllegalArgumentException("expected patch tokens [B, N, ...] and mask indices [M], got "
                    + s + " and " + maskIndices.getShape());
        }
        Shape flat = new Shape(s.get(0) * s.get(1)).addAll(s.slice(2));
        NDArray index = DinoBlock.alias(maskIndices, patchTokens.getManager()).toType(DataType.INT64, false)
                .toDevice(patchTokens.getDevice(), false);
        return patchTokens.reshape(flat).get(index);
    }

    private static void checkMasks(NDArray masks) {
        Shape s = masks.getShape();
        if (s.dimension() != 2 || s.get(0) == 0) {
            throw new IllegalArgumentException("expected masks [B, N] with B >= 1 images, got shape " + s);
        }
    }

    /** The student temperature T_s. */
    public double studentTemperature() {
        return studentTemperature;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "IbotPatchLoss[studentTemperature=" + studentTemperature + "]";
    }
}
