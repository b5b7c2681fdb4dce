package org.dino4j.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.BackboneOutput;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.core.nn.DinoBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A backbone and a projection head applied to a list of crops, as the official {@code MultiCropWrapper}: consecutive
 * crops of the same resolution are batched into one backbone pass, their CLS features are concatenated in crop order
 * and the head runs once over all of them. With sequence packing a ViT runs all resolution groups in one packed pass
 * instead ({@link VisionTransformer#forwardPacked}, DINOv2): the same outputs up to rounding, fewer and larger
 * operations. Each resolution group draws its stochastic depth from its own split of the step's generator, in group
 * order, so both ways take the same draws. Parameter names are {@code backbone.*} and {@code head.*}, plus
 * {@code ibot_head.*} when the network has a separate iBOT head (DINOv2).
 */
public final class MultiCropNetwork extends DinoBlock {

    /**
     * The outputs of one pass.
     *
     * @param cls [crops*B, D] backbone CLS features, crop-major
     * @param logits [crops*B, K] head outputs, crop-major
     * @param firstGroupPatchTokens [g*B, N, D] patch tokens of the first same-resolution group (the global crops),
     *     or null when not requested
     */
    public record Output(NDArray cls, NDArray logits, NDArray firstGroupPatchTokens) {}

    private final Backbone backbone;
    private final ProjectionHead head;
    private final ProjectionHead ibotHead;
    private final boolean sequencePacking;

    /**
     * @param backbone the backbone
     * @param head the projection head
     */
    public MultiCropNetwork(Backbone backbone, ProjectionHead head) {
        this(backbone, head, null);
    }

    /**
     * @param backbone the backbone
     * @param head the projection head of the CLS objective
     * @param ibotHead a separate head of the iBOT patch objective, or null (none, or shared with {@code head})
     */
    public MultiCropNetwork(Backbone backbone, ProjectionHead head, ProjectionHead ibotHead) {
        this(backbone, head, ibotHead, false);
    }

    /**
     * @param backbone the backbone
     * @param head the projection head of the CLS objective
     * @param ibotHead a separate head of the iBOT patch objective, or null (none, or shared with {@code head})
     * @param sequencePacking whether a ViT runs crops of different resolutions as one packed pass
     *     ({@link VisionTransformer#forwardPacked}; DINOv2's sequence packing) when it can, instead of one pass per
     *     resolution (the official DINO wrapper); the outputs are the same up to rounding
     */
    public MultiCropNetwork(Backbone backbone, ProjectionHead head, ProjectionHead ibotHead,
                            boolean sequencePacking) {
        this.sequencePacking = sequencePacking;
        this.backbone = backbone;
        this.head = head;
        this.ibotHead = ibotHead;
        child("backbone", backbone.block());
        child("head", head.block());
        if (ibotHead != null) {
            child("ibot_head", ibotHead.block());
        }
    }

    /** The backbone. */
    public Backbone backbone() {
        return backbone;
    }

    /** The projection head. */
    public ProjectionHead head() {
        return head;
    }

    /** The head of the patch objective: the separate iBOT head if there is one, else the CLS head. */
    public ProjectionHead patchHead() {
        return ibotHead != null ? ibotHead : head;
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
        return forward(crops, null, false, training, rng);
    }

    /**
     * Runs the network with optional masks on the first same-resolution group (the global crops): masked patch
     * embeddings are replaced by the backbone's mask token, as the iBOT / DINOv2 student sees them.
     *
     * @param crops each [B, C, H, W]
     * @param firstGroupMasks [g*B, N] 0/1 masks of the first group's images (crop-major), or null
     * @param wantPatchTokens whether to return the first group's patch tokens
     * @param training whether stochastic depth is active
     * @param rng randomness for stochastic depth
     * @return CLS features, logits and (on request) the first group's patch tokens
     */
    public Output forward(List<NDArray> crops, NDArray firstGroupMasks, boolean wantPatchTokens, boolean training,
                          SplittableRandom rng) {
        return withLogits(forwardBackbone(crops, firstGroupMasks, wantPatchTokens, training, rng), training);
    }

    /**
     * The head on backbone features: {@code features} with the logits of its CLS features.
     *
     * @param features a {@link #forwardBackbone} result (or its parts' features joined in crop-major order)
     * @param training whether batch statistics are active
     * @return the same CLS features and patch tokens, with logits [crops*B, K]
     */
    public Output withLogits(Output features, boolean training) {
        return new Output(features.cls(), head.forward(features.cls(), training), features.firstGroupPatchTokens());
    }

    /**
     * The backbone part of {@link #forward(List, NDArray, boolean, boolean, SplittableRandom)}: the same CLS features
     * and patch tokens, no head ({@link Output#logits()} is null). Safe to call from several threads at once on
     * different crops.
     *
     * @param crops each [B, C, H, W]
     * @param firstGroupMasks [g*B, N] 0/1 masks of the first group's images (crop-major), or null
     * @param wantPatchTokens whether to return the first group's patch tokens
     * @param training whether stochastic depth is active
     * @param rng randomness for stochastic depth
     * @return CLS features and (on request) the first group's patch tokens; no logits
     */
    public Output forwardBackbone(List<NDArray> crops, NDArray firstGroupMasks, boolean wantPatchTokens,
                                  boolean training, SplittableRandom rng) {
        List<NDArray> batches = new ArrayList<>();
        int start = 0;
        for (int count : resolutionGroups(crops)) {
            int end = start + count;
            batches.add(count == 1 ? crops.get(start) : NDArrays.concat(new NDList(crops.subList(start, end)), 0));
            start = end;
        }
        if (firstGroupMasks != null && !(backbone instanceof VisionTransformer)) {
            throw new IllegalStateException("masked crops need a VisionTransformer backbone with a mask token, got "
                    + backbone.getClass().getSimpleName());
        }
        // Each resolution group draws its stochastic depth from its own stream, so that the packed and the
        // group-by-group passes take the same draws.
        List<SplittableRandom> rngs = new ArrayList<>(batches.size());
        for (int g = 0; g < batches.size(); g++) {
            rngs.add(rng == null ? null : rng.split());
        }
        List<BackboneOutput> outs;
        if (sequencePacking && batches.size() > 1 && backbone instanceof VisionTransformer vit
                && vit.canPack(training)) {
            outs = vit.forwardPacked(batches, firstGroupMasks, training, rngs);
        } else {
            outs = new ArrayList<>(batches.size());
            for (int g = 0; g < batches.size(); g++) {
                if (g == 0 && firstGroupMasks != null) {
                    outs.add(((VisionTransformer) backbone).forward(batches.get(g), firstGroupMasks, training,
                            rngs.get(g)));
                } else if (g == 0 && wantPatchTokens) {
                    outs.add(backbone.forward(batches.get(g), training, rngs.get(g)));
                } else {
                    // only the CLS features are used: the backbone may skip the rest of its last block
                    outs.add(backbone.forwardClassToken(batches.get(g), training, rngs.get(g)));
                }
            }
        }
        NDArray patches = null;
        if (wantPatchTokens) {
            patches = outs.get(0).patchTokens();
            if (patches == null) {
                throw new IllegalStateException("the patch objective needs patch tokens, which "
                        + backbone.getClass().getSimpleName() + " does not produce");
            }
        }
        NDList features = new NDList(outs.size());
        for (BackboneOutput out : outs) {
            features.add(out.cls());
        }
        NDArray cls = features.size() == 1 ? features.get(0) : NDArrays.concat(features, 0);
        return new Output(cls, null, patches);
    }

    /**
     * How the network batches crops: the number of crops in each run of consecutive crops with equal height and
     * width, in order; each run passes the backbone as one batch.
     *
     * @param crops each [B, C, H, W]
     * @return the run lengths, summing to {@code crops.size()}
     */
    public static List<Integer> resolutionGroups(List<NDArray> crops) {
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < crops.size(); i++) {
            if (i > 0 && sameResolution(crops.get(i - 1), crops.get(i))) {
                counts.set(counts.size() - 1, counts.get(counts.size() - 1) + 1);
            } else {
                counts.add(1);
            }
        }
        return counts;
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
