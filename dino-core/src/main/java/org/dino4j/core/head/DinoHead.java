package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Init;
import org.dino4j.core.nn.Linear;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The DINO projection head: an MLP from the backbone embedding down to a bottleneck, L2 normalisation, and a
 * weight-normalised linear layer onto K prototypes.
 *
 * <p>Structure and names are those of the official {@code DINOHead}, so official state dicts load by name. With
 * {@code numLayers} = 3 and no batch norm: {@code mlp.0} Linear(in, hidden), GELU, {@code mlp.2} Linear(hidden,
 * hidden), GELU, {@code mlp.4} Linear(hidden, bottleneck) (the GELUs hold indices 1 and 3). With batch norm a
 * {@code BatchNorm1d} follows each hidden Linear and shifts the indices: {@code mlp.0} Linear, {@code mlp.1} BN, GELU,
 * {@code mlp.3} Linear, {@code mlp.4} BN, GELU, {@code mlp.6} Linear. With {@code numLayers} = 1 the MLP is a single
 * Linear(in, bottleneck) named {@code mlp} (so {@code mlp.weight}, {@code mlp.bias}). Then z / max(||z||, 1e-12) and
 * {@code last_layer}, a {@link WeightNormLinear}(bottleneck, out).
 *
 * <p>Initialisation as in the official code: MLP Linear weights trunc normal (std 0.02), biases 0, batch norm (1, 0);
 * {@code last_layer.weight_v} keeps PyTorch's default Linear init and {@code weight_g} starts at 1, frozen when
 * {@code normLastLayer} is set, so that the logits are cosines between the normalised bottleneck and the prototypes.
 */
public final class DinoHead extends DinoBlock implements ProjectionHead {

    /** Eps of the L2 normalisation of the bottleneck ({@code F.normalize}'s default). */
    public static final float L2_EPS = 1e-12f;

    private final long inDim;
    private final long outDim;
    private final long hiddenDim;
    private final long bottleneckDim;
    private final int numLayers;
    private final boolean useBatchNorm;
    private final boolean normLastLayer;
    private final List<Linear> hidden = new ArrayList<>();
    private final List<BatchNorm1d> norms = new ArrayList<>();
    private final Linear bottleneck;
    private final WeightNormLinear lastLayer;
    private final Set<String> lastLayerNames;

    private DinoHead(Builder b) {
        this.inDim = b.inDim;
        this.outDim = b.outDim;
        this.hiddenDim = b.hiddenDim;
        this.bottleneckDim = b.bottleneckDim;
        this.numLayers = b.numLayers;
        this.useBatchNorm = b.useBatchNorm;
        this.normLastLayer = b.normLastLayer;
        Init mlpInit = Init.truncNormal(0.02);
        if (numLayers == 1) {
            bottleneck = child("mlp", new Linear(inDim, bottleneckDim, true, mlpInit));
        } else {
            // Indices follow the official nn.Sequential, where GELUs (and batch norms) take positions too.
            int index = 0;
            for (int layer = 0; layer < numLayers - 1; layer++) {
                long fanIn = layer == 0 ? inDim : hiddenDim;
                hidden.add(child("mlp." + index++, new Linear(fanIn, hiddenDim, true, mlpInit)));
                if (useBatchNorm) {
                    norms.add(child("mlp." + index++, new BatchNorm1d(hiddenDim)));
                }
                index++; // GELU
            }
            bottleneck = child("mlp." + index, new Linear(hiddenDim, bottleneckDim, true, mlpInit));
        }
        lastLayer = child("last_layer", new WeightNormLinear(bottleneckDim, outDim, normLastLayer));
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String n : lastLayer.stateDict().keySet()) {
            names.add("last_layer." + n);
        }
        lastLayerNames = Collections.unmodifiableSet(names);
    }

    /** A builder; {@code setInDim} and {@code setOutDim} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != inDim || (!norms.isEmpty() && s.dimension() != 2)) {
            throw new IllegalArgumentException("DinoHead expects [rows, " + inDim + "] inputs (inDim = the "
                    + "backbone's embedding size), got " + s);
        }
        NDArray z = x;
        for (int i = 0; i < hidden.size(); i++) {
            z = hidden.get(i).forward(z);
            if (useBatchNorm) {
                z = norms.get(i).forward(z, training);
            }
            z = Activation.gelu(z);
        }
        z = bottleneck.forward(z);
        // Project onto the unit sphere, so that the last layer scores cosines against the prototypes.
        NDArray norm = z.norm(new int[] {-1}, true);
        z = z.div(norm.maximum(constant(norm, L2_EPS)));
        return lastLayer.forward(z);
    }

    /** {@inheritDoc} */
    @Override
    public long inDim() {
        return inDim;
    }

    /** {@inheritDoc} */
    @Override
    public long outDim() {
        return outDim;
    }

    /** The hidden width of the MLP. */
    public long hiddenDim() {
        return hiddenDim;
    }

    /** The bottleneck width, the input of the last layer. */
    public long bottleneckDim() {
        return bottleneckDim;
    }

    /** The number of Linear layers of the MLP. */
    public int numLayers() {
        return numLayers;
    }

    /** Whether a batch norm follows each hidden Linear. */
    public boolean useBatchNorm() {
        return useBatchNorm;
    }

    /** Whether {@code last_layer.weight_g} is frozen. */
    public boolean normLastLayer() {
        return normLastLayer;
    }

    /** The weight-normalised last layer. */
    public WeightNormLinear lastLayer() {
        return lastLayer;
    }

    /** {@inheritDoc} */
    @Override
    public DinoBlock block() {
        return this;
    }

    /** {@inheritDoc} Here: {@code last_layer.weight_g} and {@code last_layer.weight_v}. */
    @Override
    public Set<String> lastLayerParameterNames() {
        return lastLayerNames;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(forward(inputs.singletonOrThrow(), training));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(outDim)};
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "DinoHead[in=" + inDim + ", out=" + outDim + ", hidden=" + hiddenDim + ", bottleneck="
                + bottleneckDim + ", layers=" + numLayers + ", batchNorm=" + useBatchNorm + ", normLastLayer="
                + normLastLayer + "]";
    }

    /** Builds a {@link DinoHead}; defaults are the official ones. */
    public static final class Builder {

        private long inDim;
        private long outDim;
        private long hiddenDim = 2048;
        private long bottleneckDim = 256;
        private int numLayers = 3;
        private boolean useBatchNorm;
        private boolean normLastLayer = true;

        private Builder() {}

        /** Required: the backbone's embedding size (e.g. 384 for ViT-S). */
        public Builder setInDim(long inDim) {
            this.inDim = inDim;
            return this;
        }

        /** Required: the number of prototypes K (official default 65536). */
        public Builder setOutDim(long outDim) {
            this.outDim = outDim;
            return this;
        }

        /** The hidden width of the MLP (default 2048). */
        public Builder optHiddenDim(long hiddenDim) {
            this.hiddenDim = hiddenDim;
            return this;
        }

        /** The bottleneck width (default 256). */
        public Builder optBottleneckDim(long bottleneckDim) {
            this.bottleneckDim = bottleneckDim;
            return this;
        }

        /** The number of Linear layers of the MLP (official {@code nlayers}, default 3; 1 = a single Linear). */
        public Builder optNumLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        /**
         * A batch norm after each hidden Linear (official {@code use_bn_in_head}, default false); with
         * {@code numLayers} = 1 there is no hidden layer and, as officially, no batch norm.
         */
        public Builder optUseBatchNorm(boolean useBatchNorm) {
            this.useBatchNorm = useBatchNorm;
            return this;
        }

        /** Freeze {@code last_layer.weight_g} at 1 (official {@code norm_last_layer}, default true). */
        public Builder optNormLastLayer(boolean normLastLayer) {
            this.normLastLayer = normLastLayer;
            return this;
        }

        /**
         * @return the head, with uninitialised parameters (call {@code initializeWeights} or load a state dict)
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public DinoHead build() {
            if (inDim < 1) {
                throw new IllegalArgumentException(
                        "inDim must be set to the backbone's embedding size (a positive number), got " + inDim);
            }
            if (outDim < 1) {
                throw new IllegalArgumentException(
                        "outDim must be set to the number of prototypes K (a positive number), got " + outDim);
            }
            if (hiddenDim < 1) {
                throw new IllegalArgumentException("hiddenDim must be positive, got " + hiddenDim);
            }
            if (bottleneckDim < 1) {
                throw new IllegalArgumentException("bottleneckDim must be positive, got " + bottleneckDim);
            }
            if (numLayers < 1) {
                throw new IllegalArgumentException(
                        "numLayers must be >= 1 (1 = a single Linear from inDim to bottleneckDim), got " + numLayers);
            }
            return new DinoHead(this);
        }
    }
}
