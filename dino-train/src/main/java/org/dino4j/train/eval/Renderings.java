package org.dino4j.train.eval;

import org.dino4j.train.augment.FloatImage;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/** Pixels for the analysis figures: colour maps, overlays, nearest-neighbour scaling, grids and PNG files. */
final class Renderings {

    /** Gap between grid tiles, in pixels. */
    static final int GAP = 4;
    private static final int BACKGROUND = 0xFFFFFF;

    /**
     * Matplotlib's viridis (the default colour map of the official attention figures) at 0, 0.1, ..., 1;
     * perceptually uniform and readable in grey.
     */
    private static final float[][] VIRIDIS = {
        {0.267004f, 0.004874f, 0.329415f}, {0.282623f, 0.140926f, 0.457517f}, {0.253935f, 0.265254f, 0.529983f},
        {0.206756f, 0.371758f, 0.553117f}, {0.163625f, 0.471133f, 0.558148f}, {0.127568f, 0.566949f, 0.550556f},
        {0.134692f, 0.658636f, 0.517649f}, {0.266941f, 0.748751f, 0.440573f}, {0.477504f, 0.821444f, 0.318195f},
        {0.741388f, 0.873449f, 0.149561f}, {0.993248f, 0.906157f, 0.143936f},
    };

    private Renderings() {}

    /** The viridis colour of {@code t} in [0, 1] (clamped), linear between the tabulated tenths. */
    static float[] viridis(float t) {
        float x = Math.max(0f, Math.min(1f, t)) * (VIRIDIS.length - 1);
        int i = Math.min((int) x, VIRIDIS.length - 2);
        float f = x - i;
        float[] a = VIRIDIS[i];
        float[] b = VIRIDIS[i + 1];
        return new float[] {a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])};
    }

    /** An RGB image as 8-bit pixels. */
    static BufferedImage toBuffered(FloatImage image) {
        FloatImage rgb = image.toRgb();
        int h = rgb.height();
        int w = rgb.width();
        int plane = h * w;
        float[] d = rgb.data();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                out.setRGB(x, y, pack(d[i], d[plane + i], d[2 * plane + i]));
            }
        }
        return out;
    }

    /**
     * A heat map blended over an image: {@code (1 - alpha) * image + alpha * viridis(map)}, the map min-max scaled
     * to [0, 1] first (a constant map shows as its lowest colour).
     *
     * @param image the RGB image {@code [3, H, W]}
     * @param map {@code [H * W]} values at the image's resolution
     * @param alpha weight of the colour map, in [0, 1]
     * @return the blend
     */
    static BufferedImage overlay(FloatImage image, float[] map, float alpha) {
        FloatImage rgb = image.toRgb();
        int plane = rgb.planeSize();
        if (map.length != plane) {
            throw new IllegalArgumentException("map of " + map.length + " values for a " + rgb.height() + "x"
                    + rgb.width() + " image");
        }
        float[] scaled = minMax(map);
        float[] d = rgb.data();
        BufferedImage out = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            float[] c = viridis(scaled[i]);
            out.setRGB(i % rgb.width(), i / rgb.width(), pack((1 - alpha) * d[i] + alpha * c[0],
                    (1 - alpha) * d[plane + i] + alpha * c[1], (1 - alpha) * d[2 * plane + i] + alpha * c[2]));
        }
        return out;
    }

    /**
     * An image with the pixels of a mask tinted, as the official script shows its thresholded masks (a colour
     * blended at half opacity over the kept region); the other pixels are dimmed a little so that the tint stands
     * out on dark and bright images alike.
     *
     * @param image the RGB image
     * @param keep {@code [H * W]} pixels to tint
     * @param colour the tint, RGB in [0, 1]
     */
    static BufferedImage tinted(FloatImage image, boolean[] keep, float[] colour) {
        FloatImage rgb = image.toRgb();
        int plane = rgb.planeSize();
        float[] d = rgb.data();
        BufferedImage out = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            float r = d[i];
            float g = d[plane + i];
            float b = d[2 * plane + i];
            int packed = keep[i] ? pack(0.5f * r + 0.5f * colour[0], 0.5f * g + 0.5f * colour[1],
                    0.5f * b + 0.5f * colour[2]) : pack(0.6f * r, 0.6f * g, 0.6f * b);
            out.setRGB(i % rgb.width(), i / rgb.width(), packed);
        }
        return out;
    }

    /** Values scaled to [0, 1] by their minimum and maximum (all 0 when constant). */
    static float[] minMax(float[] values) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float range = hi - lo;
        float[] out = new float[values.length];
        if (!(range > 0)) {
            return out;
        }
        for (int i = 0; i < values.length; i++) {
            out[i] = (values[i] - lo) / range;
        }
        return out;
    }

    /**
     * Nearest-neighbour upsampling of a grid by an integer factor, as {@code nn.functional.interpolate(...,
     * scale_factor=patch, mode="nearest")}.
     *
     * @param map {@code [rows * cols]} row-major values
     * @param rows grid rows
     * @param cols grid columns
     * @param factor the integer scale
     * @return {@code [rows*factor * cols*factor]} values
     */
    static float[] upsampleNearest(float[] map, int rows, int cols, int factor) {
        int w = cols * factor;
        float[] out = new float[rows * factor * w];
        for (int y = 0; y < rows * factor; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = map[(y / factor) * cols + x / factor];
            }
        }
        return out;
    }

    /** As {@link #upsampleNearest(float[], int, int, int)} for a mask. */
    static boolean[] upsampleNearest(boolean[] map, int rows, int cols, int factor) {
        int w = cols * factor;
        boolean[] out = new boolean[rows * factor * w];
        for (int y = 0; y < rows * factor; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = map[(y / factor) * cols + x / factor];
            }
        }
        return out;
    }

    /** The integer factor that brings the shorter side of an image to at least {@code minSide} pixels (at least 1). */
    static int displayFactor(int height, int width, int minSide) {
        int side = Math.min(height, width);
        return Math.max(1, (minSide + side - 1) / side);
    }

    /** Enlarges an image by an integer factor, each pixel becoming a square block (no smoothing). */
    static BufferedImage scaleNearest(BufferedImage image, int factor) {
        if (factor == 1) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth() * factor, image.getHeight() * factor,
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                out.setRGB(x, y, image.getRGB(x / factor, y / factor));
            }
        }
        return out;
    }

    /**
     * Tiles images row by row on a white background; each column is as wide as its widest tile and each row as
     * high as its highest.
     *
     * @param tiles the images, row-major; null leaves a cell empty
     * @param columns tiles per row
     * @return the grid
     */
    static BufferedImage grid(List<BufferedImage> tiles, int columns) {
        int rows = (tiles.size() + columns - 1) / columns;
        int[] colWidth = new int[columns];
        int[] rowHeight = new int[rows];
        for (int i = 0; i < tiles.size(); i++) {
            BufferedImage t = tiles.get(i);
            if (t != null) {
                colWidth[i % columns] = Math.max(colWidth[i % columns], t.getWidth());
                rowHeight[i / columns] = Math.max(rowHeight[i / columns], t.getHeight());
            }
        }
        int width = GAP;
        for (int w : colWidth) {
            width += w + GAP;
        }
        int height = GAP;
        for (int h : rowHeight) {
            height += h + GAP;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out.setRGB(x, y, BACKGROUND);
            }
        }
        int top = GAP;
        for (int r = 0; r < rows; r++) {
            int left = GAP;
            for (int c = 0; c < columns; c++) {
                int i = r * columns + c;
                if (i < tiles.size() && tiles.get(i) != null) {
                    BufferedImage t = tiles.get(i);
                    for (int y = 0; y < t.getHeight(); y++) {
                        for (int x = 0; x < t.getWidth(); x++) {
                            out.setRGB(left + x, top + y, t.getRGB(x, y));
                        }
                    }
                }
                left += colWidth[c] + GAP;
            }
            top += rowHeight[r] + GAP;
        }
        return out;
    }

    /**
     * Writes a PNG atomically (a reader never sees half a file).
     *
     * @param image the pixels
     * @param file the target
     * @return {@code file}
     * @throws IOException if writing fails
     */
    static Path writePng(BufferedImage image, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available in this Java runtime");
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    private static int pack(float r, float g, float b) {
        return (channel(r) << 16) | (channel(g) << 8) | channel(b);
    }

    private static int channel(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
