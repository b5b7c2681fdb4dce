package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;
import org.dino4j.core.nn.Linear;

/**
 * The transformer's feed-forward part: {@code fc1} (D to hidden), exact (erf) GELU, {@code fc2} (hidden to D).
 * Weights start as trunc normal (std 0.02), biases at 0, as in the official ViT init.
 */
public final class Mlp extends DinoBlock implements FeedForward {

    private final Linear fc1;
    private final Linear fc2;

    /**
     * @param dim D
     * @param hidden the hidden width
     */
    public Mlp(int dim, int hidden) {
        this.fc1 = child("fc1", new Linear(dim, hidden, true, Init.truncNormal(0.02)));
        this.fc2 = child("fc2", new Linear(hidden, dim, true, Init.truncNormal(0.02)));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(NDArray x) {
        // one kernel call for the whole MLP, so that a lower-precision kernel can keep the hidden activation (the
        // largest of a block) in its own precision
        return kernels().mlp(x, value(fc1.weight(), x), value(fc1.bias(), x), value(fc2.weight(), x),
                value(fc2.bias(), x));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
