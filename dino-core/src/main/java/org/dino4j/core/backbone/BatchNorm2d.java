package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;

/**
 * PyTorch's {@code BatchNorm2d(C)} (eps 1e-5, momentum 0.1, affine) on {@code [B, C, H, W]} inputs: parameters
 * {@code weight} (gamma, 1) and {@code bias} (beta, 0), buffers {@code running_mean} (0), {@code running_var} (1)
 * and {@code num_batches_tracked} (0).
 *
 * <p>Training normalises each channel with the batch statistics over B, H and W (biased variance) and updates the
 * running statistics in place, r &lt;- 0.9 r + 0.1 batch, with the unbiased variance (n / (n - 1) times the biased
 * one, n = B*H*W), and counts {@code num_batches_tracked}; evaluation normalises with the running statistics. Both
 * run as libtorch's fused batch norm (the op PyTorch's module calls); the running statistics it updates are views
 * of the buffers. DJL passes the momentum as {@code 1 - 0.9f}, so the new statistics weigh 0.100000024 instead of
 * 0.1 (a relative difference of 2.4e-7, far below the noise of a batch estimate). {@code num_batches_tracked} is held
 * as a float32 scalar (PyTorch: int64); it is only a counter.
 */
public final class BatchNorm2d extends DinoBlock {

    /** PyTorch's default eps. */
    public static final float EPS = 1e-5f;
    /** PyTorch's default momentum: the weight of the new batch statistics. */
    public static final float MOMENTUM = 0.1f;

    private final long channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter numBatchesTracked;

    /**
     * @param channels C
     */
    public BatchNorm2d(long channels) {
        this.channels = channels;
        this.weight = param("weight", new Shape(channels), Init.ones());
        this.bias = param("bias", new Shape(channels), Init.zeros());
        this.runningMean = buffer("running_mean", new Shape(channels), Init.zeros());
        this.runningVar = buffer("running_var", new Shape(channels), Init.ones());
        this.numBatchesTracked = buffer("num_batches_tracked", new Shape(), Init.zeros());
    }

    /** The number of channels C. */
    public long channels() {
        return channels;
    }

    /**
     * @param x {@code [B, C, H, W]}
     * @param training batch statistics and a running-statistics update if true, running statistics if false
     * @return {@code [B, C, H, W]}
     */
    public NDArray forward(NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != channels) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + ") expects [B, " + channels
                    + ", H, W] inputs, got " + s);
        }
        if (training && s.get(0) * s.get(2) * s.get(3) < 2) {
            throw new IllegalArgumentException("BatchNorm2d in training mode needs more than one value per channel"
                    + " (B*H*W > 1), got input " + s + "; use a larger batch or evaluation mode");
        }
        // DJL's momentum is the weight of the old statistics (PyTorch's 1 - momentum).
        NDArray y = BatchNorm.batchNorm(x, value(runningMean, x), value(runningVar, x), value(weight, x),
                value(bias, x), 1, 1f - MOMENTUM, EPS, training).singletonOrThrow();
        if (training) {
            numBatchesTracked.getArray().addi(1);
        }
        return y;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow(), training));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
