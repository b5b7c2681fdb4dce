package org.dino4j.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.core.nn.DinoBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A backbone and a projection head applied to a list of crops, as the official {@code MultiCropWrapper}: consecutive
 * crops of the same resolution are batched into one backbone pass, their CLS features are concatenated in crop order
 * and the head runs once over all of them. Parameter names are {@code backbone.*} and {@code head.*}.
 */
public final class MultiCropNetwork extends DinoBlock {

    /**
     * The outputs of one pass.
     *
     * @param cls [crops*B, D] backbone CLS features, crop-major
     * @param logits [crops*B, K] head outputs, crop-major
     */
    public record Output(NDArray cls, NDArray logits) {}

    private final Backbone backbone;
    private final ProjectionHead head;

    /**
     * @param backbone the backbone
     * @param head the projection head
     */
    public MultiCropNetwork(Backbone backbone, ProjectionHead head) {
        this.backbone = backbone;
        this.head = head;
        child("backbone", backbone.block());
        child("head", head.block());
    }

    /** The backbone. */
    public Backbone backbone() {
        return backbone;
    }

    /** The projection head. */
    public ProjectionHead head() {
        return head;
    }

    /**
     * Runs the backbone on every crop (same-resolution runs batched) and the head on all CLS features at once.
     *
     * @param crops each [B, C, H, W]; crops with equal H and W that follow each other are batched together
     * @param training whether stochastic depth (and batch statistics) are active
     * @param rng randomness for stochastic depth (may be null when not training)
     * @return CLS features and logits, crop-major
     */
    public Output forward(List<NDArray> crops, boolean training, SplittableRandom rng) {
        List<NDArray> features = new ArrayList<>();
        int start = 0;
        while (start < crops.size()) {
            int end = start + 1;
            while (end < crops.size() && sameResolution(crops.get(start), crops.get(end))) {
                end++;
            }
            NDArray batch = end - start == 1 ? crops.get(start)
                    : NDArrays.concat(new NDList(crops.subList(start, end)), 0);
            features.add(backbone.forward(batch, training, rng).cls());
            start = end;
        }
        NDArray cls = features.size() == 1 ? features.get(0) : NDArrays.concat(new NDList(features), 0);
        return new Output(cls, head.forward(cls, training));
    }

    private static boolean sameResolution(NDArray a, NDArray b) {
        long[] sa = a.getShape().getShape();
        long[] sb = b.getShape().getShape();
        return sa[sa.length - 1] == sb[sb.length - 1] && sa[sa.length - 2] == sb[sb.length - 2];
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        Output out = forward(inputs, training, training ? new SplittableRandom(0) : null);
        return new NDList(out.logits());
    }
}
