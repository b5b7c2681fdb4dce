package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Stochastic depth ("drop path"): in training, each sample's residual branch is dropped with probability
 * {@code rate} and the surviving samples are scaled by 1/keep (keep = 1 - rate), so the expected branch is
 * unchanged; in evaluation it is the identity.
 *
 * <p>The per-sample keep mask is drawn on the JVM from the {@link SplittableRandom} passed in (one
 * {@code nextDouble()} u per sample, kept iff {@code floor(keep + u) == 1}, as the official
 * {@code floor(keep + rand)}), so a training step is reproducible from its seed on any device. The mask is created in
 * the branch's manager and device. The official code divides by keep and multiplies by the 0/1 mask; here the mask
 * already holds 0 or 1/keep, one multiplication instead of two.
 *
 * <p>{@link Mode#SUBSET} is DINOv2's variant, which saves the dropped samples' computation instead of masking it:
 * see {@link #addResidual}.
 */
public final class StochasticDepth {

    /** How a residual branch is dropped in training. */
    public enum Mode {
        /**
         * DINO (and timm): the branch runs on every sample; each sample's output is kept with probability keep and
         * scaled by 1/keep, or zeroed.
         */
        MASK,
        /**
         * DINOv2's training path: the branch runs only on a random subset of {@code max(floor(B * keep), 1)}
         * samples (drawn without replacement), and its output, scaled by {@code B / subset}, is added to those
         * samples; the others pass through unchanged. Same expectation as {@link #MASK}, a fixed number of
         * survivors instead of a binomial one, and the dropped samples cost nothing.
         */
        SUBSET
    }

    private final double rate;
    private final float survivorScale;
    private final Mode mode;

    /**
     * Masking stochastic depth ({@link Mode#MASK}).
     *
     * @param rate the drop probability, in [0, 1)
     */
    public StochasticDepth(double rate) {
        this(rate, Mode.MASK);
    }

    /**
     * @param rate the drop probability, in [0, 1)
     * @param mode how the branch is dropped
     */
    public StochasticDepth(double rate, Mode mode) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("drop path rate must be in [0, 1), got " + rate);
        }
        if (mode == null) {
            throw new IllegalArgumentException("the stochastic-depth mode must not be null; use MASK (DINO) or"
                    + " SUBSET (DINOv2)");
        }
        this.rate = rate;
        this.survivorScale = (float) (1.0 / (1.0 - rate));
        this.mode = mode;
    }

    /** How the branch is dropped. */
    public Mode mode() {
        return mode;
    }

    /** The drop probability of this residual branch. */
    public double rate() {
        return rate;
    }

    /**
     * The per-block rates of a ViT: {@code rate} for every block when {@code uniform} (DINOv2's
     * {@code drop_path_uniform}), else {@link #linearRates}.
     *
     * @param rate the (last) block's rate
     * @param depth the number of blocks
     * @param uniform the same rate for every block
     * @return {@code depth} rates
     */
    public static double[] rates(double rate, int depth, boolean uniform) {
        if (!uniform) {
            return linearRates(rate, depth);
        }
        double[] out = new double[depth];
        Arrays.fill(out, rate);
        return out;
    }

    /**
     * The per-block rates of a ViT: rising linearly from 0 (first block) to {@code rate} (last block), as
     * {@code torch.linspace(0, rate, depth)} in float32 (one block gets rate 0).
     *
     * @param rate the last block's rate
     * @param depth the number of blocks
     * @return {@code depth} rates
     */
    public static double[] linearRates(double rate, int depth) {
        double[] out = new double[depth];
        if (depth <= 1) {
            return out;
        }
        // torch.linspace in float32: a float step, filled from both ends so that the last value is exactly `rate`.
        float end = (float) rate;
        float step = end / (depth - 1);
        int half = depth / 2;
        for (int i = 0; i < depth; i++) {
            out[i] = i < half ? (float) (i * step) : (float) (end - (depth - 1 - i) * step);
        }
        return out;
    }

    /**
     * Applies drop path to a residual branch.
     *
     * @param branch {@code [B, ...]} the branch output (the first axis is the sample)
     * @param training false returns {@code branch} itself
     * @param rng draws the keep mask; required when training with a non-zero rate
     * @return {@code branch} with dropped samples zeroed and survivors scaled by 1/keep, same shape
     */
    public NDArray apply(NDArray branch, boolean training, SplittableRandom rng) {
        if (!training || rate == 0) {
            return branch;
        }
        requireRng(rng);
        Shape s = branch.getShape();
        int batch = Math.toIntExact(s.get(0));
        float[] mask = new float[batch];
        for (int i = 0; i < batch; i++) {
            mask[i] = drawMask(rng);
        }
        long[] maskShape = new long[s.dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = batch;
        NDArray m = branch.getManager().create(mask, new Shape(maskShape)).toDevice(branch.getDevice(), false);
        return branch.mul(m);
    }

    /**
     * {@code x + drop(branch(x))}, the residual update of a block. In {@link Mode#MASK} (or outside training, or
     * at rate 0) the branch runs on all of {@code x}. In {@link Mode#SUBSET} it runs on the rows {@link #subset}
     * draws, and {@code x[i] + (B / subset) * branch(x[subset])[j]} replaces row {@code i = subset[j]} (the official
     * {@code index_add} with {@code alpha = B / subset}); gradients reach only the rows that ran.
     *
     * @param x {@code [B, ...]} the block's input (the first axis is the sample)
     * @param branch the residual branch, applied per sample ({@code [b, ...] -> [b, ...]} for any b)
     * @param training false adds the whole branch
     * @param rng draws the mask or the subset; required when training with a non-zero rate
     * @return {@code [B, ...]}
     */
    public NDArray addResidual(NDArray x, UnaryOperator<NDArray> branch, boolean training, SplittableRandom rng) {
        return addResidual(x, x, branch, training, rng);
    }

    /**
     * {@code base + drop(branch(input))}: {@link #addResidual(NDArray, UnaryOperator, boolean, SplittableRandom)}
     * for a branch that reads more of each sample than it updates, such as the CLS token's attention over all
     * tokens ({@link TransformerBlock#forwardClassToken}). Both arrays hold the same samples along their first
     * axis; in {@link Mode#SUBSET} the branch sees the drawn samples' rows of {@code input} and its output updates
     * the same rows of {@code base}. The draws are those of the one-array form for the same batch size.
     *
     * @param base {@code [B, ...]} the residual stream that is updated
     * @param input {@code [B, ...]} what the branch reads
     * @param branch the residual branch, per sample ({@code input [b, ...] -> [b, ...]} shaped as {@code base})
     * @param training false adds the whole branch
     * @param rng draws the mask or the subset; required when training with a non-zero rate
     * @return {@code [B, ...]} shaped as {@code base}
     */
    public NDArray addResidual(NDArray base, NDArray input, UnaryOperator<NDArray> branch, boolean training,
                               SplittableRandom rng) {
        if (mode == Mode.MASK || !training || rate == 0) {
            return base.add(apply(branch.apply(input), training, rng));
        }
        requireRng(rng);
        Shape s = base.getShape();
        int batch = Math.toIntExact(s.get(0));
        long[] kept = subset(batch, rng);
        int n = kept.length;
        // Rows move through a [B, rest] view with gather / scatter and a row index broadcast (not copied) over the
        // row: their backward passes are scatter-add and gather, parallel kernels, where advanced indexing's
        // backward (index_put with accumulation) runs serially on the CPU and cost more than the saved compute.
        NDArray index = base.getManager().create(kept, new Shape(n, 1)).toDevice(base.getDevice(), false);
        NDArray flat = base.reshape(new Shape(batch, -1));
        NDArray rows = index.broadcast(new Shape(n, flat.getShape().get(1)));
        NDArray baseRows = flat.gather(rows, 0);
        NDArray branchInput = baseRows;
        if (input != base) {
            NDArray flatInput = input.reshape(new Shape(batch, -1));
            branchInput = flatInput.gather(index.broadcast(new Shape(n, flatInput.getShape().get(1))), 0);
        }
        Shape inputShape = new Shape(n).addAll(input.getShape().slice(1));
        NDArray out = branch.apply(branchInput.reshape(inputShape)).reshape(rows.getShape());
        // base[kept] + (B / subset) * branch(input[kept]) replaces the kept rows; the others pass through (index_add)
        NDArray updated = baseRows.add(out.mul(DinoBlock.constant(out, (float) ((double) batch / n))));
        return flat.scatter(rows, updated, 0).reshape(s);
    }

    /**
     * {@code x + DropPath(branch(x))} on packed sequences ({@link PackedSequences}): the branch runs once on all rows,
     * and each group draws its per-sample keep flags from its own generator, exactly as {@link #apply} draws them for
     * that group alone; a sample's flag scales all of its rows.
     *
     * @param x the packed input
     * @param branch the residual branch, {@code [N, D] -> [N, D]} row-aligned with {@code x}
     * @param training whether stochastic depth is active
     * @param rngs one generator per group (may be null when not training or at rate 0)
     * @return {@code [N, D]} the packed output
     * @throws IllegalStateException in training with a non-zero rate in {@link Mode#SUBSET}: the samples that run a
     *     branch are chosen per group, so those groups must run apart
     */
    public NDArray addResidual(PackedSequences x, UnaryOperator<NDArray> branch, boolean training,
                               List<SplittableRandom> rngs) {
        NDArray tokens = x.tokens();
        if (!training || rate == 0) {
            return tokens.add(branch.apply(tokens));
        }
        if (mode != Mode.MASK) {
            throw new IllegalStateException("stochastic depth in " + mode + " mode runs each branch on a subset of"
                    + " each crop group's samples and cannot run on packed sequences; run the groups apart, or use"
                    + " MASK mode");
        }
        List<PackedSequences.Group> groups = x.groups();
        if (rngs == null || rngs.size() != groups.size()) {
            throw new IllegalArgumentException("training with drop path rate " + rate + " on " + groups.size()
                    + " packed groups needs one SplittableRandom per group, got "
                    + (rngs == null ? "none" : rngs.size()));
        }
        float[] scale = new float[Math.toIntExact(tokens.getShape().get(0))];
        int row = 0;
        for (int g = 0; g < groups.size(); g++) {
            SplittableRandom rng = rngs.get(g);
            requireRng(rng);
            PackedSequences.Group group = groups.get(g);
            int length = Math.toIntExact(group.length());
            for (long i = 0; i < group.batch(); i++) {
                Arrays.fill(scale, row, row + length, drawMask(rng));
                row += length;
            }
        }
        NDArray out = branch.apply(tokens);
        NDArray m = out.getManager().create(scale, new Shape(scale.length, 1)).toDevice(out.getDevice(), false);
        return tokens.add(out.mul(m));
    }

    /**
     * The samples whose branch runs in {@link Mode#SUBSET}: {@code max((int) (batch * (1 - rate)), 1)} distinct
     * indices (the official subset size), the first entries of a Fisher-Yates shuffle drawn from {@code rng}, in
     * ascending order (the order does not change the result; ascending keeps the row gathers sequential).
     *
     * @param batch the number of samples B
     * @param rng the source of the shuffle
     * @return the kept sample indices, ascending
     */
    public long[] subset(int batch, SplittableRandom rng) {
        int size = subsetSize(batch, rate);
        int[] order = new int[batch];
        for (int i = 0; i < batch; i++) {
            order[i] = i;
        }
        for (int i = 0; i < size; i++) {
            int j = i + rng.nextInt(batch - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        long[] kept = new long[size];
        for (int i = 0; i < size; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }

    /**
     * The number of samples a {@link Mode#SUBSET} branch runs on: {@code max((int) (batch * (1 - rate)), 1)}, the
     * official subset size.
     *
     * @param batch the samples that pass the block together
     * @param rate the drop probability
     * @return the subset size, between 1 and {@code batch}
     */
    public static int subsetSize(int batch, double rate) {
        return Math.max((int) (batch * (1 - rate)), 1);
    }

    // One sample's mask value: one nextDouble() u, kept (1/keep) iff floor(keep + u) >= 1, else 0.
    private float drawMask(SplittableRandom rng) {
        return Math.floor(1.0 - rate + rng.nextDouble()) >= 1 ? survivorScale : 0f;
    }

    private void requireRng(SplittableRandom rng) {
        if (rng == null) {
            throw new IllegalArgumentException("training with drop path rate " + rate + " needs a SplittableRandom"
                    + (mode == Mode.MASK ? " to draw the per-sample keep masks"
                            : " to draw the samples that run each branch")
                    + "; pass one (e.g. new SplittableRandom(seed)), or use training = false for evaluation");
        }
    }
}
