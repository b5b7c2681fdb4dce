package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;

/**
 * Splits an image into p-by-p patches and projects each to a D-dimensional token: a convolution with kernel =
 * stride = p (the official {@code PatchEmbed}, parameters {@code proj.weight [D, C, p, p]} and
 * {@code proj.bias [D]}).
 *
 * <p>Initialisation: the official ViT init does not touch this Conv2d, so it keeps PyTorch's default,
 * U(+-1/sqrt(fan_in)) with fan_in = C*p*p, for the weight and the bias alike.
 */
public final class PatchEmbed extends DinoBlock {

    private final int patchSize;
    private final int inChannels;
    private final int embedDim;
    private final Parameter weight;
    private final Parameter bias;
    private final Shape stride;
    private static final Shape NO_PADDING = new Shape(0, 0);
    private static final Shape NO_DILATION = new Shape(1, 1);

    /**
     * @param patchSize p
     * @param inChannels C
     * @param embedDim D
     */
    public PatchEmbed(int patchSize, int inChannels, int embedDim) {
        this.patchSize = patchSize;
        this.inChannels = inChannels;
        this.embedDim = embedDim;
        this.stride = new Shape(patchSize, patchSize);
        Init init = Init.pytorchDefault((long) inChannels * patchSize * patchSize);
        // The official module holds an nn.Conv2d named "proj"; its parameters are flattened into this block under
        // the same dotted names, so the state dict reads patch_embed.proj.weight / patch_embed.proj.bias.
        this.weight = param("proj.weight", new Shape(embedDim, inChannels, patchSize, patchSize), init);
        this.bias = param("proj.bias", new Shape(embedDim), init);
    }

    /** The patch side p. */
    public int patchSize() {
        return patchSize;
    }

    /**
     * @param images {@code [B, C, H, W]} with H and W multiples of p
     * @return {@code [B, N, D]} patch tokens, N = (H/p)*(W/p), in row-major order over the patch grid
     */
    public NDArray forward(NDArray images) {
        NDArray grid = Conv2d.conv2d(images, value(weight, images), value(bias, images), stride, NO_PADDING,
                NO_DILATION, 1).singletonOrThrow();
        Shape s = grid.getShape();
        // [B, D, H/p, W/p] -> [B, D, N] -> [B, N, D]; the transpose is a view, the consumer's op copies once.
        return grid.reshape(s.get(0), embedDim, s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), (s.get(2) / patchSize) * (s.get(3) / patchSize), embedDim)};
    }

    /** Input channels C. */
    public int inChannels() {
        return inChannels;
    }
}
