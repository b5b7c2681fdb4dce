package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.BackboneOutput;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The self-attention of the CLS token in the last block, one map per head, as in the DINO paper's figures
 * (section 4.2.1 and the official {@code visualize_attention.py}): row 0 of the last block's attention
 * probabilities (the CLS query) over the patch keys, reshaped to the patch grid. Register tokens, if the ViT has
 * them, are skipped like the CLS key itself.
 *
 * <p>The maps are upsampled to the image by nearest neighbour with the patch size as factor (as the official script
 * does with {@code scale_factor=patch_size}) and shown as heat-map overlays. The official script's optional threshold
 * keeps, per head, the most attended patches that together hold a given share of the attention mass (60% in the
 * paper's figures): {@link #keepMass}.
 *
 * <pre>{@code
 * FloatImage image = ImageFiles.resizeForPatches(ImageFiles.read(file), 224, 16);
 * List<Path> files = AttentionMaps.write(model.backbone(), image, model.normalization(), outDir, "dog");
 * // files.get(0) is the grid dog.png: image, mean over heads, each head
 * }</pre>
 */
public final class AttentionMaps {

    /** The attention share kept by the official threshold in the DINO paper's figures. */
    public static final double OFFICIAL_KEEP_MASS = 0.6;

    /** The tint of the kept cells in the mask images (orange: visible on grey, dark and bright images). */
    private static final float[] MASK_COLOUR = {1f, 0.55f, 0f};

    /**
     * How the maps are rendered.
     *
     * @param keepMass the share of attention mass whose patches are kept in the thresholded masks, in (0, 1]; 0
     *     writes no masks
     * @param alpha weight of the heat map over the image, in [0, 1]
     * @param minDisplaySide small images are enlarged (each pixel a block) until their shorter side is at least
     *     this many pixels, so that a 28-pixel image stays readable; 1 keeps the image size
     */
    public record Options(double keepMass, float alpha, int minDisplaySide) {

        /** Heat maps at 60% opacity, no threshold, images shown at least 224 pixels high. */
        public static final Options DEFAULT = new Options(0, 0.6f, 224);

        /** Checks the ranges. */
        public Options {
            if (!(keepMass >= 0 && keepMass <= 1)) {
                throw new IllegalArgumentException("keepMass must be in (0, 1] (the official figures use 0.6), or 0"
                        + " for no threshold; got " + keepMass);
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            if (minDisplaySide < 1) {
                throw new IllegalArgumentException("minDisplaySide must be at least 1, got " + minDisplaySide);
            }
        }

        /** These options with the official threshold, or another share of the mass. */
        public Options withKeepMass(double mass) {
            return new Options(mass, alpha, minDisplaySide);
        }
    }

    /**
     * The CLS attention of every head over the patch grid.
     *
     * @param heads number of heads
     * @param gridHeight patch rows (image height / patch size)
     * @param gridWidth patch columns
     * @param patchSize the patch side in pixels
     * @param values {@code [heads, gridHeight, gridWidth]} row-major attention probabilities (each head's values
     *     sum to less than 1: the CLS key and the registers take the rest)
     */
    public record Maps(int heads, int gridHeight, int gridWidth, int patchSize, float[] values) {

        /** Checks the sizes. */
        public Maps {
            if ((long) heads * gridHeight * gridWidth != values.length) {
                throw new IllegalArgumentException(values.length + " values for " + heads + " heads over a "
                        + gridHeight + "x" + gridWidth + " grid");
            }
        }

        /** The map of one head, {@code [gridHeight * gridWidth]}. */
        public float[] head(int h) {
            int n = gridHeight * gridWidth;
            return Arrays.copyOfRange(values, h * n, (h + 1) * n);
        }

        /** The mean over heads, {@code [gridHeight * gridWidth]}. */
        public float[] mean() {
            int n = gridHeight * gridWidth;
            float[] out = new float[n];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    out[i] += values[h * n + i] / heads;
                }
            }
            return out;
        }

        /** A grid map upsampled to the image, {@code [gridHeight*p * gridWidth*p]}, nearest neighbour. */
        public float[] upsample(float[] map) {
            return Renderings.upsampleNearest(map, gridHeight, gridWidth, patchSize);
        }
    }

    private AttentionMaps() {}

    /**
     * Computes the CLS attention maps of one image.
     *
     * @param backbone a ViT backbone (weights loaded)
     * @param image an RGB or grey image; sides that are not multiples of the patch size are cropped at the bottom and
     *     right, as the official script does (resize it first with {@link ImageFiles#resizeForPatches} to keep all)
     * @param norm the normalisation the backbone was trained with
     * @return the maps of every head
     * @throws IllegalArgumentException if the backbone is not a ViT or the image is smaller than a patch
     */
    public static Maps compute(Backbone backbone, FloatImage image, Normalization norm) {
        VisionTransformer vit = Backbones.requireVit(backbone, "attention maps");
        int p = vit.patchSize();
        FloatImage img = ImageFiles.cropToPatches(image, p);
        try (NDManager scope = Backbones.managerOf(backbone).newSubManager()) {
            BackboneOutput out = backbone.forwardWithAttention(ImageFiles.tensor(List.of(img), norm, scope));
            NDArray attention = out.lastSelfAttention();
            long registers = out.registerTokens() == null ? 0 : out.registerTokens().getShape().get(1);
            // [1, heads, T, T] -> the CLS query's row over the patch keys: [heads, N]
            float[] values = attention.get(new NDIndex("0, :, 0, {}:", 1 + registers)).toFloatArray();
            return new Maps(vit.numHeads(), img.height() / p, img.width() / p, p, values);
        }
    }

    /**
     * The official threshold: the most attended cells that together hold {@code mass} of the map's total, i.e. a
     * cell is kept when the values up to and including it, summed in ascending order, exceed {@code 1 - mass} of
     * the total.
     *
     * @param map non-negative values
     * @param mass the share to keep, in (0, 1]
     * @return which cells are kept
     */
    public static boolean[] keepMass(float[] map, double mass) {
        if (!(mass > 0 && mass <= 1)) {
            throw new IllegalArgumentException("the kept share of attention mass must be in (0, 1], got " + mass);
        }
        Integer[] order = new Integer[map.length];
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            order[i] = i;
            total += map[i];
        }
        boolean[] keep = new boolean[map.length];
        if (!(total > 0)) {
            Arrays.fill(keep, true);
            return keep;
        }
        Arrays.sort(order, (a, b) -> Float.compare(map[a], map[b]));
        double cumulative = 0;
        for (Integer i : order) {
            cumulative += map[i];
            keep[i] = cumulative / total > 1 - mass;
        }
        return keep;
    }

    /**
     * Writes the attention of one image with {@link Options#DEFAULT}.
     *
     * @see #write(Backbone, FloatImage, Normalization, Path, String, Options)
     */
    public static List<Path> write(Backbone backbone, FloatImage image, Normalization norm, Path outDir,
                                   String baseName) throws IOException {
        return write(backbone, image, norm, outDir, baseName, Options.DEFAULT);
    }

    /**
     * Computes and writes the attention of one image as PNG heat-map overlays:
     * <ul>
     *   <li>{@code <baseName>.png}: a grid of the image, the mean over heads and every head (and, with a
     *       threshold, a second part with the same maps thresholded);</li>
     *   <li>{@code <baseName>-mean.png} and {@code <baseName>-head<i>.png}, one overlay each;</li>
     *   <li>with {@link Options#keepMass()} &gt; 0, {@code <baseName>-mean-mask.png} and
     *       {@code <baseName>-head<i>-mask.png}: the image with the cells inside the kept mass tinted.</li>
     * </ul>
     *
     * @param backbone a ViT backbone (weights loaded)
     * @param image the image (cropped to whole patches, see {@link #compute})
     * @param norm the normalisation the backbone was trained with
     * @param outDir the output directory (created if absent)
     * @param baseName the file name prefix, e.g. the image's name
     * @param options rendering options
     * @return the files written: the grid first, then the mean, the heads in order, then the masks (mean first)
     * @throws IOException if a file cannot be written
     */
    public static List<Path> write(Backbone backbone, FloatImage image, Normalization norm, Path outDir,
                                   String baseName, Options options) throws IOException {
        Maps maps = compute(backbone, image, norm);
        FloatImage img = ImageFiles.cropToPatches(image, maps.patchSize());
        int factor = Renderings.displayFactor(img.height(), img.width(), options.minDisplaySide());
        List<float[]> shown = new ArrayList<>();
        List<String> names = new ArrayList<>();
        shown.add(maps.mean());
        names.add(baseName + "-mean");
        for (int h = 0; h < maps.heads(); h++) {
            shown.add(maps.head(h));
            names.add(baseName + "-head" + h);
        }
        List<Path> files = new ArrayList<>();
        List<BufferedImage> tiles = new ArrayList<>();
        tiles.add(Renderings.scaleNearest(Renderings.toBuffered(img), factor));
        for (int i = 0; i < shown.size(); i++) {
            BufferedImage o = Renderings.scaleNearest(
                    Renderings.overlay(img, maps.upsample(shown.get(i)), options.alpha()), factor);
            tiles.add(o);
            files.add(Renderings.writePng(o, outDir.resolve(names.get(i) + ".png")));
        }
        int columns = Math.min(tiles.size(), 8);
        if (options.keepMass() > 0) {
            padToRow(tiles, columns);
            tiles.add(null); // under the image
            for (int i = 0; i < shown.size(); i++) {
                boolean[] keep = keepMass(shown.get(i), options.keepMass());
                BufferedImage m = Renderings.scaleNearest(Renderings.tinted(img, Renderings.upsampleNearest(keep,
                        maps.gridHeight(), maps.gridWidth(), maps.patchSize()), MASK_COLOUR), factor);
                tiles.add(m);
                files.add(Renderings.writePng(m, outDir.resolve(names.get(i) + "-mask.png")));
            }
        }
        files.add(0, Renderings.writePng(Renderings.grid(tiles, columns), outDir.resolve(baseName + ".png")));
        return Collections.unmodifiableList(files);
    }

    private static void padToRow(List<BufferedImage> tiles, int columns) {
        while (tiles.size() % columns != 0) {
            tiles.add(null);
        }
    }
}
