package org.dino4j.core.backbone;

/**
 * The feed-forward layer of a transformer block.
 *
 * <p>{@link #MLP} is DINO's (and DINOv2's default) two-layer GELU MLP with hidden width {@code int(D * mlpRatio)}.
 * {@link #SWIGLU} is DINOv2's gated feed-forward ({@code ffn_layer = "swiglufused"} / {@code "swiglu"}, used by
 * ViT-g/14), whose hidden width shrinks the MLP's by 2/3 and rounds up to a multiple of 8, so that its three
 * matrices hold about as many parameters as the MLP's two.
 */
public enum Ffn {
    /** {@code mlp.fc1} (D to hidden), exact GELU, {@code mlp.fc2} (hidden to D). */
    MLP,
    /** {@code mlp.w12} (D to 2h; rows [0, h) gated by SiLU, rows [h, 2h) linear), {@code mlp.w3} (h to D). */
    SWIGLU;

    /**
     * The hidden width h of this feed-forward for a given MLP width.
     *
     * @param mlpHidden {@code int(D * mlpRatio)}
     * @return {@code mlpHidden} for the MLP; {@code (int(mlpHidden * 2 / 3) + 7) / 8 * 8} for SwiGLU (128 for
     *     D 48, 4096 for ViT-g's D 1536)
     */
    public int hiddenWidth(int mlpHidden) {
        return switch (this) {
            case MLP -> mlpHidden;
            case SWIGLU -> ((int) (mlpHidden * 2.0 / 3) + 7) / 8 * 8;
        };
    }
}
