package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * What a backbone computes for a batch of images.
 *
 * <p>{@code cls} and {@code patchTokens} are views into {@code tokens} (no copy). All arrays belong to the manager
 * of the input images. A backbone without tokens (a CNN) sets {@code tokens} and {@code patchTokens} to null.
 *
 * @param tokens {@code [B, 1+N, D]} every token after the final LayerNorm: index 0 is CLS, then the N patch tokens
 *     in row-major order over the patch grid (token {@code 1 + r*(W/p) + c})
 * @param cls {@code [B, D]} the CLS token after the final norm: the image feature DINO's head consumes
 * @param patchTokens {@code [B, N, D]} the patch tokens after the final norm (used by iBOT / DINOv2 and dense
 *     evaluation)
 * @param lastSelfAttention {@code [B, heads, 1+N, 1+N]} post-softmax attention probabilities of the last block,
 *     computed from that block's LN1 input (rows are queries, columns keys); null unless requested
 */
public record BackboneOutput(NDArray tokens, NDArray cls, NDArray patchTokens, NDArray lastSelfAttention) {

    /** Checks that the features are present. */
    public BackboneOutput {
        Objects.requireNonNull(cls, "cls");
    }
}
