package org.dino4j.core.target;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

import java.util.Locale;

/**
 * DINOv2's teacher targets by Sinkhorn-Knopp normalisation (as in SwAV), replacing DINO's centring.
 *
 * <p>The targets Q are the K-by-B matrix exp(t / T)^T (K prototypes, B samples, as in the paper) scaled to be a
 * transport plan with uniform marginals: alternately each prototype (row) gets total mass 1/K and each sample
 * (column) total mass 1/B. After the last column step Q is multiplied by B and transposed, so each output row is
 * a distribution over the K prototypes that sums to 1, and the prototypes are used about equally across the batch:
 * <pre>
 *   Q = exp(t / T)^T;  Q /= sum(Q)
 *   repeat n times:  Q /= row sums; Q /= K;  Q /= column sums; Q /= B
 *   return (B Q)^T
 * </pre>
 * This is stateless: {@link #update} does nothing. The computation is in float32 whatever the input type (half
 * precision logits are widened first), and carries no gradient.
 *
 * <p><b>Overflow.</b> As in the official code no maximum is subtracted before the exponential, so float32
 * overflows once t / T exceeds about 88.7 (and a prototype whose every t / T is below about -103 underflows to a
 * zero row, which the row step turns into 0/0). Neither can happen with a weight-normalised last layer whose gain
 * is 1 (every logit is a cosine in [-1, 1]) and T &gt;= 0.04. By default the result is checked and a non-finite Q
 * fails with a message naming the range of t / T instead of handing NaN to the loss; {@link
 * Builder#optSubtractMax(boolean)} removes the overflow by subtracting the global maximum of t / T first, which
 * cancels exactly in the first normalisation (it changes the result only by float32 rounding).
 *
 * <p><b>B</b> is the number of samples the columns are normalised over. It defaults to the number of rows given;
 * for iBOT patch targets dinov2 passes the number of masked patches ({@code n_masked_patches}), which {@link
 * #probabilities(NDArray, double, long)} takes explicitly (in multi-process training it is the global count). As the
 * last step normalises every column and the result is then multiplied by B, the output rows sum to 1 whatever B is;
 * B changes the result only through float32 rounding, and is kept so that the rounding is the official one.
 */
public final class SinkhornKnopp implements TeacherTargets {

    /** The official number of iterations. */
    public static final int DEFAULT_ITERATIONS = 3;
    /** ln(Float.MAX_VALUE): exp of anything larger is infinite in float32. */
    static final double FLOAT32_EXP_LIMIT = 88.72283935546875;

    private final int iterations;
    private final boolean subtractMax;
    private final boolean finiteCheck;

    /** The official method: 3 iterations, no max-subtraction, with the finite check. */
    public SinkhornKnopp() {
        this(DEFAULT_ITERATIONS, false, true);
    }

    private SinkhornKnopp(int iterations, boolean subtractMax, boolean finiteCheck) {
        this.iterations = iterations;
        this.subtractMax = subtractMax;
        this.finiteCheck = finiteCheck;
    }

    /** A builder; every option defaults to the official behaviour. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The targets with B = the number of rows (all leading axes together), e.g. the 2B teacher CLS rows of both
     * global crops.
     *
     * @param teacherLogits [rows, K] (or [..., K]) teacher logits; no gradient is followed into them
     * @param temperature the teacher temperature T &gt; 0
     * @return float32 targets of the input's shape, each row summing to 1, without gradient history, in the logits'
     *     manager
     * @throws IllegalArgumentException if the input or T is invalid
     * @throws IllegalStateException if Q is not finite (see the class comment), when the finite check is on
     */
    @Override
    public NDArray probabilities(NDArray teacherLogits, double temperature) {
        checkLogits(teacherLogits);
        Shape s = teacherLogits.getShape();
        return probabilities(teacherLogits, temperature, s.size() / s.get(s.dimension() - 1));
    }

    /**
     * The targets with an explicit sample count B, as dinov2 does for iBOT patch targets (B =
     * {@code n_masked_patches}).
     *
     * @param teacherLogits [rows, K] (or [..., K]) teacher logits; no gradient is followed into them
     * @param temperature the teacher temperature T &gt; 0
     * @param sampleCount B &gt;= 1, the number of samples the columns are normalised over (normally the row count)
     * @return float32 targets of the input's shape, each row summing to 1, without gradient history, in the
     *     logits' manager
     * @throws IllegalArgumentException if the input, T or B is invalid
     * @throws IllegalStateException if Q is not finite (see the class comment), when the finite check is on
     */
    public NDArray probabilities(NDArray teacherLogits, double temperature, long sampleCount) {
        checkLogits(teacherLogits);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("teacher temperature must be a positive number, got " + temperature);
        }
        if (sampleCount < 1) {
            throw new IllegalArgumentException("the Sinkhorn-Knopp sample count B must be positive (the number of "
                    + "teacher rows, or of masked patches for iBOT), got " + sampleCount);
        }
        Shape shape = teacherLogits.getShape();
        long k = shape.get(shape.dimension() - 1);
        NDArray scaled = teacherLogits.stopGradient().toType(DataType.FLOAT32, false).reshape(-1, k)
                .div(temperature);
        if (subtractMax) {
            // exp(x - m) = exp(x) exp(-m): a common factor that the division by the total sum removes again.
            scaled = scaled.sub(scaled.max());
        }
        // Q is K-by-B, as in the paper: rows are prototypes, columns samples.
        NDArray q = scaled.exp().transpose();
        q = q.div(q.sum());
        for (int i = 0; i < iterations; i++) {
            // Two separate divisions, in the official order, so the float32 rounding is the same.
            q = q.div(q.sum(new int[] {1}, true)).div(k);
            q = q.div(q.sum(new int[] {0}, true)).div(sampleCount);
        }
        NDArray targets = q.mul(sampleCount).transpose().reshape(shape);
        if (finiteCheck) {
            checkFinite(targets, scaled);
        }
        return targets;
    }

    private void checkFinite(NDArray targets, NDArray scaled) {
        boolean bad;
        try (NDManager tmp = targets.getManager().newSubManager()) {
            NDArray t = DinoBlock.alias(targets, tmp);
            bad = t.isNaN().logicalOr(t.isInfinite()).any().getBoolean();
        }
        if (!bad) {
            return;
        }
        float min;
        float max;
        try (NDManager tmp = scaled.getManager().newSubManager()) {
            NDArray x = DinoBlock.alias(scaled, tmp);
            min = x.min().getFloat();
            max = x.max().getFloat();
        }
        throw new IllegalStateException(String.format(Locale.ROOT, "Sinkhorn-Knopp targets are not finite: teacher "
                + "logits / T span [%s, %s]%s, but exp in float32 overflows above %.2f and underflows to 0 below "
                + "-103 (the official algorithm subtracts no maximum); use a weight-normalised head (logits in "
                + "[-1, 1]), a higher teacher temperature, or optSubtractMax(true)",
                min, max, subtractMax ? " after subtracting the maximum" : "", FLOAT32_EXP_LIMIT));
    }

    private static void checkLogits(NDArray t) {
        Shape s = t.getShape();
        if (s.dimension() < 1 || s.size() == 0) {
            throw new IllegalArgumentException("teacher logits must be a non-empty [rows, K] array, got shape " + s);
        }
    }

    /** The number of normalisation rounds. */
    public int iterations() {
        return iterations;
    }

    /** Whether the global maximum of t / T is subtracted before the exponential (not official). */
    public boolean subtractsMax() {
        return subtractMax;
    }

    /** Whether a non-finite result fails (costs one device sync per call). */
    public boolean checksFinite() {
        return finiteCheck;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "SinkhornKnopp[iterations=" + iterations + ", subtractMax=" + subtractMax + ", finiteCheck="
                + finiteCheck + "]";
    }

    /**
     * Builds a {@link SinkhornKnopp} ({@code optX} options, validated in {@link #build()}). Defaults: 3 iterations,
     * no max-subtraction (official), finite check on.
     */
    public static final class Builder {
        private int iterations = DEFAULT_ITERATIONS;
        private boolean subtractMax;
        private boolean finiteCheck = true;

        Builder() {}

        /** Sets the number of normalisation rounds (default 3, as dinov2). */
        public Builder optIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        /**
         * Subtracts the global maximum of t / T before the exponential (default false, as dinov2). It makes overflow
         * impossible and changes the result only by float32 rounding.
         */
        public Builder optSubtractMax(boolean subtractMax) {
            this.subtractMax = subtractMax;
            return this;
        }

        /**
         * Checks that the targets are finite and fails with a clear message otherwise (default true). The check reads
         * one value from the device per call; switch it off only when a sync per step matters.
         */
        public Builder optFiniteCheck(boolean finiteCheck) {
            this.finiteCheck = finiteCheck;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException if the number of iterations is below 1
         */
        public SinkhornKnopp build() {
            if (iterations < 1) {
                throw new IllegalArgumentException("Sinkhorn-Knopp needs at least 1 iteration (official 3), got "
                        + iterations);
            }
            return new SinkhornKnopp(iterations, subtractMax, finiteCheck);
        }
    }
}
