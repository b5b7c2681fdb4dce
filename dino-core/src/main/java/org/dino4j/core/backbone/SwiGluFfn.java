package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;
import org.dino4j.core.nn.Linear;

/**
 * DINOv2's SwiGLU feed-forward: one matmul {@code w12} (D to 2h) whose output rows [0, h) are the gate and rows
 * [h, 2h) the value, hidden = silu(gate) * value with silu(z) = z * sigmoid(z), then {@code w3} (h to D).
 * Parameters {@code w12.weight [2h, D]}, {@code w12.bias [2h]}, {@code w3.weight [D, h]}, {@code w3.bias [D]};
 * initialised like the ViT's linears (trunc normal 0.02, biases 0).
 */
public final class SwiGluFfn extends DinoBlock implements FeedForward {

    private final Linear w12;
    private final Linear w3;
    private final NDIndex gate;
    private final NDIndex value;

    /**
     * @param dim D
     * @param hidden h (see {@link Ffn#hiddenWidth})
     */
    public SwiGluFfn(int dim, int hidden) {
        this.w12 = child("w12", new Linear(dim, 2L * hidden, true, Init.truncNormal(0.02)));
        this.w3 = child("w3", new Linear(hidden, dim, true, Init.truncNormal(0.02)));
        this.gate = new NDIndex("..., :" + hidden);
        this.value = new NDIndex("..., " + hidden + ":");
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(NDArray x) {
        NDArray x12 = w12.forward(x);
        NDArray g = x12.get(gate);
        return w3.forward(g.mul(Activation.sigmoid(g)).mul(x12.get(value)));
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
