package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;

/** The token-wise feed-forward part of a transformer block ({@link Mlp}, {@link SwiGluFfn}). */
public interface FeedForward {

    /**
     * @param x {@code [..., D]} tokens (already layer-normed)
     * @return {@code [..., D]}
     */
    NDArray forward(NDArray x);
}
