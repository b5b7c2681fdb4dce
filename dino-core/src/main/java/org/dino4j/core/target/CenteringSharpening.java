package org.dino4j.core.target;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

import java.nio.FloatBuffer;

/**
 * DINO's teacher targets: centring and sharpening, q = softmax((t - c) / T).
 *
 * <p>The centre c [1, K] is an exponential moving average of the mean teacher logit, c &lt;- m c + (1 - m)
 * mean_rows(t), over the raw teacher logits (before centring and temperature). Subtracting it keeps any one prototype
 * from dominating; the low temperature T sharpens the result so it cannot become uniform either.
 *
 * <p>The centre is state with one owner: it is created in the manager given at construction, starts at zeros and is
 * updated in place by {@link #update}, the only method that changes it. Both methods do their arithmetic in the
 * caller's scope (the teacher logits' manager), so no per-step array ends up in the owner's manager.
 *
 * <p>Multi-dimensional logits [..., K] are accepted: the centre broadcasts over the leading axes and the update
 * averages over all of them, which is how DINOv2 centres iBOT patch targets [1, M, K].
 *
 * <p><b>Deferred update (DINOv2).</b> dinov2 splits the update in two so the reduction over processes can overlap
 * the backward pass: {@link #stageUpdate} stores this step's batch mean, {@link #applyPendingUpdate} folds it into
 * the centre, and dinov2 applies it at the start of the next step's target computation. Calling
 * <pre>{@code
 * targets.applyPendingUpdate();                 // the previous step's statistic
 * NDArray q = targets.probabilities(t, T);
 * targets.stageUpdate(t);
 * }</pre>
 * every step gives the same targets and centres as {@code probabilities} followed by {@link #update}, i.e. the
 * timing of DINO v1. The centre reported by {@link #center()} (and saved in a checkpoint) does not include a
 * staged update until it is applied.
 */
public final class CenteringSharpening implements TeacherTargets {

    /** The official centre momentum. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    private static final NDIndex ALL = new NDIndex("...");

    private final long numPrototypes;
    private final double momentum;
    private final NDArray center;
    /** The staged batch mean [1, K] of the deferred update, owned like the centre; null when none is pending. */
    private NDArray pendingBatchCenter;

    /**
     * A centring with the official momentum 0.9.
     *
     * @param owner the manager that owns the centre (its device is the centre's device)
     * @param numPrototypes K, the width of the teacher logits
     */
    public CenteringSharpening(NDManager owner, long numPrototypes) {
        this(owner, numPrototypes, DEFAULT_MOMENTUM);
    }

    /**
     * @param owner the manager that owns the centre (its device is the centre's device)
     * @param numPrototypes K, the width of the teacher logits
     * @param momentum the centre's EMA momentum m in [0, 1]
     * @throws IllegalArgumentException if K is not positive or m is outside [0, 1]
     */
    public CenteringSharpening(NDManager owner, long numPrototypes, double momentum) {
        if (numPrototypes < 1) {
            throw new IllegalArgumentException("numPrototypes K must be positive, got " + numPrototypes);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("centre momentum must be in [0, 1] (official 0.9), got " + momentum);
        }
        this.numPrototypes = numPrototypes;
        this.momentum = momentum;
        this.center = owner.zeros(new Shape(1, numPrototypes));
        this.center.setName("center");
    }

    /**
     * softmax((t - c) / T) over the last axis, with the centre as it was before this step's {@link #update}.
     *
     * @param teacherLogits [rows, K] (or [..., K]) teacher logits; gradients are not followed into them
     * @param temperature the teacher temperature T &gt; 0
     * @return [rows, K] (same shape as the input) targets without gradient history, in the logits' manager
     */
    @Override
    public NDArray probabilities(NDArray teacherLogits, double temperature) {
        checkLogits(teacherLogits);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("teacher temperature must be a positive number, got " + temperature);
        }
        NDArray c = centreIn(teacherLogits.getManager()).toDevice(teacherLogits.getDevice(), false);
        return teacherLogits.stopGradient().sub(c).div(temperature).softmax(-1);
    }

    /**
     * c &lt;- m c + (1 - m) mean(t), the mean taken over every row (all leading axes).
     *
     * @param teacherLogits [rows, K] (or [..., K]) raw teacher logits of this step
     */
    @Override
    public void update(NDArray teacherLogits) {
        checkLogits(teacherLogits);
        checkNothingPending("update()");
        try (NDManager tmp = teacherLogits.getManager().newSubManager()) {
            NDArray batchCenter = batchCenter(DinoBlock.alias(teacherLogits, tmp));
            NDArray updated = centreIn(tmp).toDevice(batchCenter.getDevice(), false).mul(momentum)
                    .add(batchCenter.mul(1 - momentum));
            center.set(ALL, updated);
        }
    }

    /**
     * The first half of DINOv2's deferred update ({@code update_center}): stores mean(t) over every row, leaving
     * the centre unchanged until {@link #applyPendingUpdate}.
     *
     * @param teacherLogits [rows, K] (or [..., K], e.g. iBOT's [1, M, K]) raw teacher logits of this step
     * @throws IllegalStateException if an earlier staged update has not been applied yet
     */
    public void stageUpdate(NDArray teacherLogits) {
        checkLogits(teacherLogits);
        checkNothingPending("stageUpdate()");
        NDArray staged;
        try (NDManager tmp = teacherLogits.getManager().newSubManager()) {
            staged = batchCenter(DinoBlock.alias(teacherLogits, tmp)).toDevice(center.getDevice(), true);
            // Move it out of the step scope: it must outlive this step, as the centre does.
            staged.attach(center.getManager());
        }
        pendingBatchCenter = staged;
    }

    /**
     * The second half of DINOv2's deferred update ({@code apply_center_update}): c &lt;- m c + (1 - m) staged mean.
     * Does nothing when no update is staged, so it is safe to call at the start of every step.
     *
     * @return whether a staged update was applied
     */
    public boolean applyPendingUpdate() {
        if (pendingBatchCenter == null) {
            return false;
        }
        try (NDManager tmp = center.getManager().newSubManager()) {
            NDArray updated = centreIn(tmp).mul(momentum)
                    .add(DinoBlock.alias(pendingBatchCenter, tmp).mul(1 - momentum));
            center.set(ALL, updated);
        }
        pendingBatchCenter.close();
        pendingBatchCenter = null;
        return true;
    }

    /** Whether a staged update waits for {@link #applyPendingUpdate}. */
    public boolean hasPendingUpdate() {
        return pendingBatchCenter != null;
    }

    /** mean over all rows of the detached logits, [1, K], in the centre's type and the logits' manager. */
    private NDArray batchCenter(NDArray teacherLogits) {
        NDArray rows = teacherLogits.stopGradient().reshape(-1, numPrototypes).toType(center.getDataType(), false);
        // sum / n rather than mean: the official code divides the (all-reduced) sum by the global row count.
        return rows.sum(new int[] {0}, true).div((double) rows.getShape().get(0));
    }

    private void checkNothingPending(String call) {
        if (pendingBatchCenter != null) {
            throw new IllegalStateException("a staged centre update is pending; call applyPendingUpdate() before "
                    + call);
        }
    }

    /**
     * The live centre [1, K], owned by the owner manager. Do not close it; copy it ({@code toFloatArray()}) for a
     * checkpoint.
     */
    public NDArray center() {
        return center;
    }

    /** A copy of the centre's K values, for checkpoints. */
    public float[] centerValues() {
        return center.toFloatArray();
    }

    /**
     * Overwrites the centre in place, e.g. when resuming from a checkpoint.
     *
     * @param values K values
     * @throws IllegalArgumentException if there are not exactly K values
     */
    public void setCenter(float[] values) {
        if (values.length != numPrototypes) {
            throw new IllegalArgumentException("the centre needs K = " + numPrototypes + " values, got "
                    + values.length);
        }
        center.set(FloatBuffer.wrap(values));
    }

    /** K, the number of prototypes. */
    public long numPrototypes() {
        return numPrototypes;
    }

    /** The centre's EMA momentum. */
    public double momentum() {
        return momentum;
    }

    private NDArray centreIn(NDManager scope) {
        return DinoBlock.alias(center, scope);
    }

    private void checkLogits(NDArray t) {
        Shape s = t.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != numPrototypes) {
            throw new IllegalArgumentException("teacher logits must have K = " + numPrototypes
                    + " columns (the centre's size), got shape " + s);
        }
        if (s.size() == 0) {
            throw new IllegalArgumentException("teacher logits are empty (shape " + s + "); expected at least one row");
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "CenteringSharpening[K=" + numPrototypes + ", momentum=" + momentum + "]";
    }
}
