package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import org.dino4j.core.nn.DinoBlock;

import java.util.SplittableRandom;

/**
 * A network that maps a batch of images to features: the part of the student and the teacher that DINO trains and
 * that is kept after pretraining.
 *
 * <p>Implementations are {@link DinoBlock}s (official parameter names, {@code stateDict()}, seeded initialisation,
 * {@code loadStateDict}); {@link #block()} gives access to that side. All arrays an implementation returns are
 * attached to the manager of the input images, so a caller that runs each step in its own sub-manager frees them
 * with that scope.
 */
public interface Backbone {

    /** The feature width D of the CLS (and patch) features. */
    long embedDim();

    /**
     * Runs the backbone.
     *
     * @param images {@code [B, C, H, W]} images (H and W need not equal the training size, nor each other)
     * @param training true for the training forward (stochastic depth active), false for evaluation
     * @param rng draws the stochastic-depth masks; required when training with a non-zero drop-path rate, may be
     *     null otherwise. The same seed gives the same masks.
     * @return the features; {@link BackboneOutput#lastSelfAttention()} is null
     */
    BackboneOutput forward(NDArray images, boolean training, SplittableRandom rng);

    /**
     * Runs the backbone for its image features only ({@link BackboneOutput#cls()}), for callers that use nothing
     * else: the DINO objective, DINOv2's local crops, k-NN features. An implementation may skip work that only the
     * other outputs need (a ViT computes only the CLS token in its last block); the features equal those of
     * {@link #forward(NDArray, boolean, SplittableRandom)} up to rounding, with the same stochastic-depth draws.
     * By default the full forward.
     *
     * @param images {@code [B, C, H, W]} images
     * @param training true for the training forward (stochastic depth active), false for evaluation
     * @param rng draws the stochastic-depth masks, as in {@link #forward(NDArray, boolean, SplittableRandom)}
     * @return the features; only {@link BackboneOutput#cls()} is sure to be set
     */
    default BackboneOutput forwardClassToken(NDArray images, boolean training, SplittableRandom rng) {
        return forward(images, training, rng);
    }

    /**
     * Runs the backbone for evaluation.
     *
     * @param images {@code [B, C, H, W]} images
     * @return the features; {@link BackboneOutput#lastSelfAttention()} is null
     */
    default BackboneOutput forward(NDArray images) {
        return forward(images, false, null);
    }

    /**
     * Runs the backbone for evaluation and also returns the self-attention of its last block (used for DINO's
     * attention maps).
     *
     * @param images {@code [B, C, H, W]} images
     * @return the features with {@link BackboneOutput#lastSelfAttention()} filled
     */
    BackboneOutput forwardWithAttention(NDArray images);

    /**
     * The block that holds this backbone's parameters (usually the backbone itself).
     *
     * @return the parameter-holding block, for {@code stateDict()}, {@code initializeWeights} and
     *     {@code loadStateDict}
     */
    DinoBlock block();
}
