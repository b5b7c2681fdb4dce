package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;

/**
 * A ResNet residual block in torchvision's layout ("ResNet v1.5": the stride sits on the 3x3 convolution).
 *
 * <p>Basic block (ResNet-18/34, expansion 1): {@code conv1} 3x3 (stride s), {@code bn1}, ReLU, {@code conv2} 3x3,
 * {@code bn2}. Bottleneck (ResNet-50/101/152, expansion 4): {@code conv1} 1x1, {@code bn1}, ReLU, {@code conv2}
 * 3x3 (stride s), {@code bn2}, ReLU, {@code conv3} 1x1 to 4x the width, {@code bn3}. The shortcut is the identity,
 * or {@code downsample.0} (1x1 conv, stride s) + {@code downsample.1} (batch norm) when the stride or the width
 * changes; the sum goes through a final ReLU.
 */
final class ResidualBlock extends DinoBlock {

    private final ConvLayer conv1;
    private final BatchNorm2d bn1;
    private final ConvLayer conv2;
    private final BatchNorm2d bn2;
    private final ConvLayer conv3;
    private final BatchNorm2d bn3;
    private final ConvLayer downsampleConv;
    private final BatchNorm2d downsampleNorm;

    /**
     * @param in input channels
     * @param width the block's width ("planes")
     * @param stride the block's stride
     * @param bottleneck true for a bottleneck block (output 4 * width), false for a basic block (output width)
     */
    ResidualBlock(long in, long width, int stride, boolean bottleneck) {
        long out = bottleneck ? 4 * width : width;
        if (bottleneck) {
            conv1 = child("conv1", new ConvLayer(in, width, 1, 1, 0));
            bn1 = child("bn1", new BatchNorm2d(width));
            conv2 = child("conv2", new ConvLayer(width, width, 3, stride, 1));
            bn2 = child("bn2", new BatchNorm2d(width));
            conv3 = child("conv3", new ConvLayer(width, out, 1, 1, 0));
            bn3 = child("bn3", new BatchNorm2d(out));
        } else {
            conv1 = child("conv1", new ConvLayer(in, width, 3, stride, 1));
            bn1 = child("bn1", new BatchNorm2d(width));
            conv2 = child("conv2", new ConvLayer(width, width, 3, 1, 1));
            bn2 = child("bn2", new BatchNorm2d(width));
            conv3 = null;
            bn3 = null;
        }
        if (stride != 1 || in != out) {
            downsampleConv = child("downsample.0", new ConvLayer(in, out, 1, stride, 0));
            downsampleNorm = child("downsample.1", new BatchNorm2d(out));
        } else {
            downsampleConv = null;
            downsampleNorm = null;
        }
    }

    /**
     * @param x {@code [B, in, H, W]}
     * @param training batch-norm mode
     * @return {@code [B, out, H/s, W/s]}
     */
    NDArray forward(NDArray x, boolean training) {
        NDArray y = Activation.relu(bn1.forward(conv1.forward(x), training));
        y = bn2.forward(conv2.forward(y), training);
        if (conv3 != null) {
            y = bn3.forward(conv3.forward(Activation.relu(y)), training);
        }
        NDArray shortcut = downsampleConv == null ? x
                : downsampleNorm.forward(downsampleConv.forward(x), training);
        return Activation.relu(y.add(shortcut));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow(), training));
    }
}
