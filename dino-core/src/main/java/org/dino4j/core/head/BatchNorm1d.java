package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;

/**
 * PyTorch's {@code BatchNorm1d(C)} on [rows, C] inputs, as used by the DINO head with {@code use_bn}: eps 1e-5,
 * momentum 0.1, affine.
 *
 * <p>Training normalises with the batch mean and the biased batch variance and updates the buffers
 * {@code running_mean} and {@code running_var} (the latter with the unbiased variance) as
 * r &lt;- 0.9 r + 0.1 batch, and counts {@code num_batches_tracked}; eval normalises with the running statistics.
 * {@code num_batches_tracked} is stored as a float32 scalar (PyTorch uses int64); it is only a counter.
 */
final class BatchNorm1d extends DinoBlock {

    static final float EPS = 1e-5f;
    static final float MOMENTUM = 0.1f;
    private static final NDIndex ALL = new NDIndex("...");

    private final long channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter numBatchesTracked;

    BatchNorm1d(long channels) {
        this.channels = channels;
        this.weight = param("weight", new Shape(channels), Init.ones());
        this.bias = param("bias", new Shape(channels), Init.zeros());
        this.runningMean = buffer("running_mean", new Shape(channels), Init.zeros());
        this.runningVar = buffer("running_var", new Shape(channels), Init.ones());
        this.numBatchesTracked = buffer("num_batches_tracked", new Shape(), Init.zeros());
    }

    /**
     * @param x [rows, C]
     * @param training batch statistics (and running-statistics update) if true, running statistics if false
     * @return [rows, C]
     */
    NDArray forward(NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() != 2 || s.get(1) != channels) {
            throw new IllegalArgumentException("BatchNorm1d(" + channels + ") expects [rows, " + channels
                    + "] inputs, got " + s);
        }
        if (!training) {
            NDArray std = value(runningVar, x).add(EPS).sqrt();
            return x.sub(value(runningMean, x)).div(std).mul(value(weight, x)).add(value(bias, x));
        }
        long rows = s.get(0);
        if (rows < 2) {
            throw new IllegalArgumentException("BatchNorm1d in training mode needs more than 1 row to estimate a "
                    + "variance, got " + s + "; use a larger batch or eval mode");
        }
        NDArray mean = x.mean(new int[] {0});
        NDArray centred = x.sub(mean);
        NDArray var = centred.square().mean(new int[] {0});
        NDArray y = centred.div(var.add(EPS).sqrt()).mul(value(weight, x)).add(value(bias, x));
        updateRunningStatistics(x.getManager(), mean, var, rows);
        return y;
    }

    private void updateRunningStatistics(NDManager scope, NDArray mean, NDArray biasedVar, long rows) {
        // The new values are computed in a short-lived scope and copied into the buffers in place, so the buffers
        // keep their identity and nothing per-step is left in the model's manager.
        try (NDManager tmp = scope.newSubManager()) {
            NDArray m = alias(mean, tmp).stopGradient();
            NDArray v = alias(biasedVar, tmp).stopGradient().mul((double) rows / (rows - 1));
            NDArray newMean = alias(runningMean.getArray(), tmp).mul(1 - MOMENTUM).add(m.mul(MOMENTUM));
            NDArray newVar = alias(runningVar.getArray(), tmp).mul(1 - MOMENTUM).add(v.mul(MOMENTUM));
            runningMean.getArray().set(ALL, newMean);
            runningVar.getArray().set(ALL, newVar);
            // A 0-d counter cannot be indexed; an in-place add keeps it in place too (its scalar operand is
            // created and closed by DJL at once).
            numBatchesTracked.getArray().addi(1);
        }
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
