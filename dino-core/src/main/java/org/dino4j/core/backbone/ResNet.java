package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ResNet backbones DINO trains and releases (the paper: "a ViT or a ResNet backbone"), in torchvision's layout
 * and parameter names, without the classifier: as DINO replaces {@code fc} by an identity, the state dict has no
 * {@code fc.*} and the features are the globally average-pooled output of {@code layer4}.
 *
 * <p>Stem: {@code conv1} (7x7, stride 2, 64 channels), {@code bn1}, ReLU, 3x3 max pool (stride 2, padding 1); then
 * four stages {@code layer1} to {@code layer4} of {@link ResidualBlock}s with widths 64, 128, 256, 512 (the first
 * block of stages 2-4 has stride 2); basic blocks for depths 18 and 34, bottlenecks (4x expansion) for 50, 101 and
 * 152. Every batch norm is a {@link BatchNorm2d} whose running statistics are buffers of the state dict
 * ({@code bn1.running_mean}, ..., {@code layer1.0.downsample.1.num_batches_tracked}).
 *
 * <p>Initialisation as torchvision's: convolutions {@code kaiming_normal_} (fan_out, ReLU), batch norms (1, 0);
 * torchvision's optional zero-init of the last batch norm of each block is not used (DINO does not use it).
 *
 * <p>Parameters (buffers excluded): 11,176,512 for ResNet-18 and 23,508,032 for ResNet-50; the embedding width D is
 * 512 (basic) or 2048 (bottleneck).
 *
 * <pre>{@code
 * ResNet r50 = ResNet.resnet50();
 * r50.initializeWeights(manager, seed);
 * BackboneOutput out = r50.forward(images, true, null);  // out.cls(): [B, 2048]
 * }</pre>
 */
public final class ResNet extends DinoBlock implements Backbone {

    private static final int[] WIDTHS = {64, 128, 256, 512};
    private static final Shape POOL_KERNEL = new Shape(3, 3);
    private static final Shape POOL_STRIDE = new Shape(2, 2);
    private static final Shape POOL_PADDING = new Shape(1, 1);

    private final int depth;
    private final boolean bottleneck;
    private final int inChannels;
    private final ConvLayer conv1;
    private final BatchNorm2d bn1;
    private final List<ResidualBlock> blocks;
    private final long embedDim;

    /**
     * @param depth 18, 34, 50, 101 or 152
     * @param inChannels input channels (3 for RGB)
     */
    public ResNet(int depth, int inChannels) {
        int[] counts = blockCounts(depth);
        if (inChannels <= 0) {
            throw new IllegalArgumentException("input channels must be positive, got " + inChannels);
        }
        this.depth = depth;
        this.bottleneck = depth >= 50;
        this.inChannels = inChannels;
        this.conv1 = child("conv1", new ConvLayer(inChannels, 64, 7, 2, 3));
        this.bn1 = child("bn1", new BatchNorm2d(64));
        List<ResidualBlock> list = new ArrayList<>();
        long in = 64;
        for (int stage = 0; stage < 4; stage++) {
            for (int i = 0; i < counts[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                list.add(child("layer" + (stage + 1) + "." + i,
                        new ResidualBlock(in, WIDTHS[stage], stride, bottleneck)));
                in = bottleneck ? 4L * WIDTHS[stage] : WIDTHS[stage];
            }
        }
        this.blocks = Collections.unmodifiableList(list);
        this.embedDim = in;
    }

    /**
     * The residual blocks per stage of a torchvision ResNet; depths of 50 and more use bottleneck blocks.
     *
     * @param depth 18, 34, 50, 101 or 152
     * @return the block counts of the four stages
     * @throws IllegalArgumentException for another depth
     */
    public static int[] blockCounts(int depth) {
        return switch (depth) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34, 50 -> new int[] {3, 4, 6, 3};
            case 101 -> new int[] {3, 4, 23, 3};
            case 152 -> new int[] {3, 8, 36, 3};
            default -> throw new IllegalArgumentException("unsupported ResNet depth " + depth
                    + "; use 18, 34, 50, 101 or 152");
        };
    }

    /** ResNet-18 (basic blocks 2-2-2-2, D 512, 11,176,512 parameters). */
    public static ResNet resnet18() {
        return new ResNet(18, 3);
    }

    /** ResNet-50 (bottlenecks 3-4-6-3, D 2048, 23,508,032 parameters), DINO's ResNet. */
    public static ResNet resnet50() {
        return new ResNet(50, 3);
    }

    /** The depth (18, 34, 50, 101 or 152). */
    public int depth() {
        return depth;
    }

    /** Whether the blocks are bottlenecks (depth 50 and more). */
    public boolean bottleneck() {
        return bottleneck;
    }

    /** {@inheritDoc} The width of the pooled {@code layer4} output: 512 or 2048. */
    @Override
    public long embedDim() {
        return embedDim;
    }

    /** {@inheritDoc} */
    @Override
    public DinoBlock block() {
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code training} selects the batch-norm mode: batch statistics with a running-statistics update (true) or
     * the running statistics (false). A ResNet has no stochastic depth, so {@code rng} is not used.
     *
     * @return {@link BackboneOutput#pooled pooled} features {@code [B, D]}; the token fields are null
     */
    @Override
    public BackboneOutput forward(NDArray images, boolean training, SplittableRandom rng) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(1) != inChannels) {
            throw new IllegalArgumentException("images must be [B, " + inChannels + ", H, W], got shape " + s);
        }
        NDArray x = Activation.relu(bn1.forward(conv1.forward(images), training));
        x = Pool.maxPool2d(x, POOL_KERNEL, POOL_STRIDE, POOL_PADDING, false);
        for (ResidualBlock b : blocks) {
            x = b.forward(x, training);
        }
        Shape f = x.getShape();
        // global average pooling (torchvision's AdaptiveAvgPool2d(1) + flatten)
        return BackboneOutput.pooled(x.reshape(f.get(0), f.get(1), f.get(2) * f.get(3)).mean(new int[] {2}));
    }

    /**
     * A ResNet has no self-attention.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public BackboneOutput forwardWithAttention(NDArray images) {
        throw new UnsupportedOperationException("a ResNet has no self-attention; attention maps need a"
                + " VisionTransformer backbone (use forward(images) for features)");
    }

    /** DJL entry point: the pooled features {@code [B, D]}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow(), training, null).cls());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), embedDim)};
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "ResNet-" + depth + "[D=" + embedDim + "]";
    }
}
