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
 * A bias-free 2-D convolution as torchvision's ResNets use them: parameter {@code weight [out, in, k, k]},
 * initialised as {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}, a normal with std
 * sqrt(2 / (out * k * k)). (The {@link Init} normal is truncated at +-2; for every ResNet conv that is more than 11
 * standard deviations, so it is a plain normal in practice.)
 */
final class ConvLayer extends DinoBlock {

    private static final Shape NO_DILATION = new Shape(1, 1);

    private final Parameter weight;
    private final Shape stride;
    private final Shape padding;

    /**
     * @param in input channels
     * @param out output channels
     * @param kernel the square kernel side k
     * @param stride the stride on both axes
     * @param padding the zero padding on both axes
     */
    ConvLayer(long in, long out, int kernel, int stride, int padding) {
        double std = Math.sqrt(2.0 / (out * kernel * kernel));
        this.weight = param("weight", new Shape(out, in, kernel, kernel), Init.truncNormal(std));
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /**
     * @param x {@code [B, in, H, W]}
     * @return {@code [B, out, H', W']}
     */
    NDArray forward(NDArray x) {
        return Conv2d.conv2d(x, value(weight, x), null, stride, padding, NO_DILATION, 1).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }
}
