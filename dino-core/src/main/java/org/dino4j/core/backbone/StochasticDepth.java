package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

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
 */
public final class StochasticDepth {

    private final double rate;
    private final float survivorScale;

    /**
     * @param rate the drop probability, in [0, 1)
     */
    public StochasticDepth(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("drop path rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
        this.survivorScale = (float) (1.0 / (1.0 - rate));
    }

    /** The drop probability of this residual branch. */
    public double rate() {
        return rate;
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
        if (rng == null) {
            throw new IllegalArgumentException("training with drop path rate " + rate
                    + " needs a SplittableRandom to draw the per-sample keep masks; pass one (e.g. new"
                    + " SplittableRandom(seed)), or use training = false for evaluation");
        }
        Shape s = branch.getShape();
        int batch = Math.toIntExact(s.get(0));
        double keep = 1.0 - rate;
        float[] mask = new float[batch];
        for (int i = 0; i < batch; i++) {
            mask[i] = Math.floor(keep + rng.nextDouble()) >= 1 ? survivorScale : 0f;
        }
        long[] maskShape = new long[s.dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = batch;
        NDArray m = branch.getManager().create(mask, new Shape(maskShape)).toDevice(branch.getDevice(), false);
        return branch.mul(m);
    }
}
