package org.dino4j.core.backbone;

/**
 * The standard ViT sizes of the DINO papers, as builders so they can be adjusted before building:
 * {@code Vit.small(16).optDropPathRate(0.1).build()}.
 *
 * <table>
 *   <caption>Presets (all: MLP ratio 4, qkv bias, LayerNorm eps 1e-6, image 224)</caption>
 *   <tr><th>preset</th><th>D</th><th>depth</th><th>heads</th></tr>
 *   <tr><td>tiny</td><td>192</td><td>12</td><td>3</td></tr>
 *   <tr><td>small</td><td>384</td><td>12</td><td>6</td></tr>
 *   <tr><td>base</td><td>768</td><td>12</td><td>12</td></tr>
 *   <tr><td>large</td><td>1024</td><td>24</td><td>16</td></tr>
 * </table>
 */
public final class Vit {

    private Vit() {}

    /** ViT-Ti/p (D 192, depth 12, 3 heads). */
    public static VisionTransformer.Builder tiny(int patchSize) {
        return preset("tiny", patchSize, 192, 12, 3);
    }

    /** ViT-S/p (D 384, depth 12, 6 heads), DINO's main model. */
    public static VisionTransformer.Builder small(int patchSize) {
        return preset("small", patchSize, 384, 12, 6);
    }

    /** ViT-B/p (D 768, depth 12, 12 heads). */
    public static VisionTransformer.Builder base(int patchSize) {
        return preset("base", patchSize, 768, 12, 12);
    }

    /** ViT-L/p (D 1024, depth 24, 16 heads). */
    public static VisionTransformer.Builder large(int patchSize) {
        return preset("large", patchSize, 1024, 24, 16);
    }

    private static VisionTransformer.Builder preset(String name, int patchSize, int dim, int depth, int heads) {
        if (patchSize != 8 && patchSize != 14 && patchSize != 16) {
            throw new IllegalArgumentException("patch size " + patchSize + " is not a standard size for Vit." + name
                    + "; use 8, 14 or 16 (or VisionTransformer.builder() for a custom model)");
        }
        return VisionTransformer.builder()
                .setPatchSize(patchSize)
                .setEmbedDim(dim)
                .setDepth(depth)
                .setNumHeads(heads)
                .optImageSize(224)
                .optInChannels(3)
                .optMlpRatio(4)
                .optQkvBias(true)
                .optLayerNormEps(1e-6f);
    }
}
