package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * What a backbone computes for a batch of images.
 *
 * <p>{@code cls}, {@code registerTokens} and {@code patchTokens} are views into {@code tokens} (no copy) when
 * {@code tokens} is set. All arrays belong to the manager of the input images. A backbone without tokens (a CNN), and
 * {@link Backbone#forwardClassToken} of any backbone, set every field but {@code cls} to null ({@link #pooled}).
 *
 * @param tokens {@code [B, 1+R+N, D]} every token after the final LayerNorm, in sequence order: index 0 is CLS,
 *     then the R register tokens (R = 0 for DINO's ViT), then the N patch tokens in row-major order over the patch
 *     grid (token {@code 1 + R + r*(W/p) + c})
 * @param cls {@code [B, D]} the CLS token after the final norm: the image feature DINO's head consumes
 * @param patchTokens {@code [B, N, D]} the patch tokens after the final norm (used by iBOT / DINOv2 and dense
 *     evaluation)
 * @param lastSelfAttention {@code [B, heads, 1+R+N, 1+R+N]} post-softmax attention probabilities of the last
 *     block, computed from that block's LN1 input (rows are queries, columns keys); null unless requested
 * @param registerTokens {@code [B, R, D]} the register tokens after the final norm (DINOv2's
 *     {@code x_norm_regtokens}); null for a backbone without registers
 * @param preNormTokens {@code [B, 1+R+N, D]} the last block's output before the final norm (DINOv2's
 *     {@code x_prenorm}); null for a backbone without tokens
 */
public record BackboneOutput(NDArray tokens, NDArray cls, NDArray patchTokens, NDArray lastSelfAttention,
                             NDArray registerTokens, NDArray preNormTokens) {

    /** Checks that the features are present. */
    public BackboneOutput {
        Objects.requireNonNull(cls, "cls");
    }

    /**
     * The output of a backbone without register tokens and without pre-norm access.
     *
     * @param tokens {@code [B, 1+N, D]} normed tokens (or null)
     * @param cls {@code [B, D]} CLS features
     * @param patchTokens {@code [B, N, D]} normed patch tokens (or null)
     * @param lastSelfAttention last-block attention (or null)
     */
    public BackboneOutput(NDArray tokens, NDArray cls, NDArray patchTokens, NDArray lastSelfAttention) {
        this(tokens, cls, patchTokens, lastSelfAttention, null, null);
    }

    /**
     * The image features alone: those of a backbone that has no tokens (a CNN), or of a forward that computed
     * nothing else ({@link Backbone#forwardClassToken}).
     *
     * @param pooled {@code [B, D]} the image features
     * @return an output with only {@code cls} set
     */
    public static BackboneOutput pooled(NDArray pooled) {
        return new BackboneOutput(null, pooled, null, null, null, null);
    }
}
