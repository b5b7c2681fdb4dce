package org.dino4j.train.eval;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The patch features of a ViT shown as colours, as in the DINOv2 paper's figures (Figure 1 and 9): a PCA of the
 * patch features of several images together; patches with a negative score on the first component are removed as
 * background; a second PCA on the remaining (foreground) patches gives three components, each min-max scaled to
 * [0, 1] over all foreground patches and shown as one of red, green and blue. Corresponding parts of different
 * images get similar colours because the PCA is fitted jointly. The maps are upsampled to the image by nearest
 * neighbour.
 *
 * <p>The sign of the first component is arbitrary (the paper's authors picked it by eye). Here it is turned so that
 * the patches on the image border score negative on average: objects rarely fill the border, so the border is
 * taken to be mostly background. When the threshold would keep fewer than three patches or all of them, no patch
 * is removed.
 *
 * <p>Features are the patch tokens after the final LayerNorm (DINOv2's {@code x_norm_patchtokens}).
 */
public final class PcaVisualization {

    private static final Logger LOG = LoggerFactory.getLogger(PcaVisualization.class);
    private static final int MAX_COLUMNS = 8;

    /**
     * How the figure is made.
     *
     * @param removeBackground whether to threshold the first component (DINOv2's figures do)
     * @param backgroundThreshold patches scoring at most this on the (oriented) first component are background;
     *     0 in the paper
     * @param minDisplaySide small images are enlarged (each pixel a block) until their shorter side is at least
     *     this many pixels; 1 keeps the image size
     */
    public record Options(boolean removeBackground, double backgroundThreshold, int minDisplaySide) {

        /** Background removed at 0, as in the paper; images shown at least 224 pixels high. */
        public static final Options DEFAULT = new Options(true, 0.0, 224);

        /** Checks the values. */
        public Options {
            if (!Double.isFinite(backgroundThreshold)) {
                throw new IllegalArgumentException("backgroundThreshold must be finite, got " + backgroundThreshold);
            }
            if (minDisplaySide < 1) {
                throw new IllegalArgumentException("minDisplaySide must be at least 1, got " + minDisplaySide);
            }
        }
    }

    /**
     * The colours of one image's patches.
     *
     * @param gridHeight patch rows
     * @param gridWidth patch columns
     * @param rgb {@code [3, gridHeight, gridWidth]} colours in [0, 1]; background patches are black
     * @param foreground {@code [gridHeight * gridWidth]} row-major, true for the patches kept
     */
    public record ImageMap(int gridHeight, int gridWidth, float[] rgb, boolean[] foreground) {}

    /**
     * The outcome for a set of images.
     *
     * @param maps one per image, in input order
     * @param patchSize the patch side in pixels
     * @param background the PCA of all patches whose first component separated the background (oriented as
     *     described above), or null when background removal was off
     * @param colours the PCA the colours come from (over the foreground patches, or all if none were removed)
     * @param backgroundRemoved whether some patches were removed as background
     */
    public record Result(List<ImageMap> maps, int patchSize, Pca background, Pca colours,
                         boolean backgroundRemoved) {}

    private PcaVisualization() {}

    /**
     * Fits the PCA jointly over the patches of all images and colours each patch.
     *
     * @param backbone a ViT backbone (weights loaded)
     * @param images RGB or grey images of any sizes; sides that are not multiples of the patch size are cropped
     *     at the bottom and right
     * @param norm the normalisation the backbone was trained with
     * @param options background removal
     * @return the colour maps and both PCAs
     */
    public static Result compute(Backbone backbone, List<FloatImage> images, Normalization norm, Options options) {
        VisionTransformer vit = Backbones.requireVit(backbone, "PCA images");
        if (images.isEmpty()) {
            throw new IllegalArgumentException("PCA images need at least one image");
        }
        int p = vit.patchSize();
        int d = (int) vit.embedDim();
        List<float[]> features = new ArrayList<>();
        List<int[]> grids = new ArrayList<>();
        int total = 0;
        NDManager owner = Backbones.managerOf(backbone);
        for (FloatImage image : images) {
            FloatImage img = ImageFiles.cropToPatches(image, p);
            try (NDManager scope = owner.newSubManager()) {
                float[] f = backbone.forward(ImageFiles.tensor(List.of(img), norm, scope)).patchTokens()
                        .toFloatArray();
                features.add(f);
            }
            grids.add(new int[] {img.height() / p, img.width() / p});
            total += (img.height() / p) * (img.width() / p);
        }
        if (total < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 patches; the images hold " + total
                    + " (use larger images)");
        }
        float[] all = new float[total * d];
        boolean[] border = new boolean[total];
        int at = 0;
        for (int i = 0; i < features.size(); i++) {
            System.arraycopy(features.get(i), 0, all, at * d, features.get(i).length);
            int rows = grids.get(i)[0];
            int cols = grids.get(i)[1];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    border[at + r * cols + c] = r == 0 || c == 0 || r == rows - 1 || c == cols - 1;
                }
            }
            at += rows * cols;
        }

        boolean[] foreground = new boolean[total];
        Arrays.fill(foreground, true);
        Pca background = null;
        boolean removed = false;
        if (options.removeBackground()) {
            background = orientTowardsForeground(Pca.fit(all, total, d, 1), all, total, border);
            double[] score = background.project(all, total);
            int kept = 0;
            for (int i = 0; i < total; i++) {
                foreground[i] = score[i] > options.backgroundThreshold();
                kept += foreground[i] ? 1 : 0;
            }
            if (kept >= 3 && kept < total) {
                removed = true;
            } else {
                LOG.warn("the first-component threshold {} keeps {} of {} patches; showing all patches instead",
                        options.backgroundThreshold(), kept, total);
                Arrays.fill(foreground, true);
            }
        }
        int kept = 0;
        for (boolean f : foreground) {
            kept += f ? 1 : 0;
        }
        float[] rows = new float[kept * d];
        int[] rowOf = new int[total];
        int k = 0;
        for (int i = 0; i < total; i++) {
            rowOf[i] = -1;
            if (foreground[i]) {
                System.arraycopy(all, i * d, rows, k * d, d);
                rowOf[i] = k++;
            }
        }
        int components = Math.min(3, d);
        Pca colours = Pca.fit(rows, kept, d, components);
        double[] scores = colours.project(rows, kept);
        double[] lo = new double[components];
        double[] hi = new double[components];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < kept; i++) {
            for (int c = 0; c < components; c++) {
                lo[c] = Math.min(lo[c], scores[i * components + c]);
                hi[c] = Math.max(hi[c], scores[i * components + c]);
            }
        }
        List<ImageMap> maps = new ArrayList<>();
        at = 0;
        for (int[] g : grids) {
            int n = g[0] * g[1];
            float[] rgb = new float[3 * n];
            boolean[] fg = new boolean[n];
            for (int j = 0; j < n; j++) {
                int row = rowOf[at + j];
                fg[j] = row >= 0;
                for (int c = 0; c < components && row >= 0; c++) {
                    double range = hi[c] - lo[c];
                    rgb[c * n + j] = range > 0 ? (float) ((scores[row * components + c] - lo[c]) / range) : 0f;
                }
            }
            maps.add(new ImageMap(g[0], g[1], rgb, fg));
            at += n;
        }
        return new Result(maps, p, background, colours, removed);
    }

    /** The one-component PCA turned so that border patches score negative on average (see the class notes). */
    private static Pca orientTowardsForeground(Pca pca, float[] all, int n, boolean[] border) {
        double[] s = pca.project(all, n);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (border[i]) {
                sum += s[i];
                count++;
            }
        }
        if (count == 0 || sum <= 0) {
            return pca;
        }
        double[] flipped = new double[pca.dim()];
        for (int j = 0; j < flipped.length; j++) {
            flipped[j] = -pca.components()[0][j];
        }
        return new Pca(pca.mean(), new double[][] {flipped}, pca.explainedVariance(), pca.totalVariance());
    }

    /**
     * Writes the PCA figure of a set of images with {@link Options#DEFAULT}.
     *
     * @see #write(Backbone, List, Normalization, Path, String, Options)
     */
    public static Path write(Backbone backbone, List<FloatImage> images, Normalization norm, Path outDir,
                             String baseName) throws IOException {
        return write(backbone, images, norm, outDir, baseName, Options.DEFAULT);
    }

    /**
     * Computes the PCA colours (fitted jointly over the images) and writes one PNG, {@code <baseName>.png}: the
     * images in a row with their PCA maps below them (up to {@value #MAX_COLUMNS} images per row pair).
     *
     * @param backbone a ViT backbone (weights loaded)
     * @param images the images (see {@link #compute})
     * @param norm the normalisation the backbone was trained with
     * @param outDir the output directory (created if absent)
     * @param baseName the file name without {@code .png}
     * @param options background removal and display size
     * @return the written file
     * @throws IOException if the file cannot be written
     */
    public static Path write(Backbone backbone, List<FloatImage> images, Normalization norm, Path outDir,
                             String baseName, Options options) throws IOException {
        Result result = compute(backbone, images, norm, options);
        int p = result.patchSize();
        int columns = Math.min(images.size(), MAX_COLUMNS);
        List<BufferedImage> tiles = new ArrayList<>();
        for (int start = 0; start < images.size(); start += columns) {
            int end = Math.min(images.size(), start + columns);
            List<BufferedImage> originals = new ArrayList<>();
            List<BufferedImage> colours = new ArrayList<>();
            for (int i = start; i < end; i++) {
                FloatImage img = ImageFiles.cropToPatches(images.get(i), p);
                int factor = Renderings.displayFactor(img.height(), img.width(), options.minDisplaySide());
                originals.add(Renderings.scaleNearest(Renderings.toBuffered(img), factor));
                colours.add(Renderings.scaleNearest(Renderings.toBuffered(toImage(result.maps().get(i), p)), factor));
            }
            while (originals.size() < columns) {
                originals.add(null);
                colours.add(null);
            }
            tiles.addAll(originals);
            tiles.addAll(colours);
        }
        return Renderings.writePng(Renderings.grid(tiles, columns), outDir.resolve(baseName + ".png"));
    }

    /** A map as an image at the resolution of its source image (each patch a p-by-p block). */
    static FloatImage toImage(ImageMap map, int patchSize) {
        int n = map.gridHeight() * map.gridWidth();
        int h = map.gridHeight() * patchSize;
        int w = map.gridWidth() * patchSize;
        float[] data = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            float[] plane = Arrays.copyOfRange(map.rgb(), c * n, (c + 1) * n);
            System.arraycopy(Renderings.upsampleNearest(plane, map.gridHeight(), map.gridWidth(), patchSize), 0,
                    data, c * h * w, h * w);
        }
        return new FloatImage(3, h, w, data);
    }
}
