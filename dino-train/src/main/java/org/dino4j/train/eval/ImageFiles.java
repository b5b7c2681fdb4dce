package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.train.augment.BicubicResampler;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.data.UnreadableImageException;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Images from files for the analysis tools: decoded (JPEG, PNG, anything ImageIO reads), grey expanded to three
 * channels, resized with PIL's bicubic filter to a size the patch grid divides, normalised into a tensor.
 */
public final class ImageFiles {

    private ImageFiles() {}

    /**
     * Decodes an image file to RGB floats in [0, 1]; grey images get three equal channels, alpha is dropped.
     *
     * @param file the file
     * @return {@code [3, H, W]} image
     * @throws UnreadableImageException if the file is missing or not a decodable image
     */
    public static FloatImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UnreadableImageException(file, "no such file", null);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException(file, String.valueOf(e.getMessage()), e);
        }
        if (image == null) {
            throw new UnreadableImageException(file, "not an image format ImageIO reads (JPEG, PNG, BMP, GIF)", null);
        }
        return toFloat(image);
    }

    /** Converts a decoded image to RGB floats; grey is read as stored (getRGB would apply a gamma conversion). */
    static FloatImage toFloat(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int plane = h * w;
        float[] out = new float[3 * plane];
        Raster raster = image.getRaster();
        if (image.getColorModel().getNumColorComponents() == 1
                && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = row[x] / max;
                }
            }
            System.arraycopy(out, 0, out, plane, plane);
            System.arraycopy(out, 0, out, 2 * plane, plane);
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                int p = argb[i];
                out[i] = ((p >> 16) & 0xFF) / 255f;
                out[plane + i] = ((p >> 8) & 0xFF) / 255f;
                out[2 * plane + i] = (p & 0xFF) / 255f;
            }
        }
        return new FloatImage(3, h, w, out);
    }

    /**
     * Resizes an image (bicubic, PIL's filter, antialiased when shrinking) so that its shorter side is about
     * {@code shortSide} and both sides are multiples of the patch size; the aspect ratio is kept up to that
     * rounding. An image that already has the target size is returned as is.
     *
     * @param image the image (grey is expanded to RGB)
     * @param shortSide the target of the shorter side, at least {@code patchSize}
     * @param patchSize the patch side p (1 for a backbone without patches)
     * @return an RGB image of {@code [3, a*p, b*p]}
     */
    public static FloatImage resizeForPatches(FloatImage image, int shortSide, int patchSize) {
        if (patchSize < 1 || shortSide < patchSize) {
            throw new IllegalArgumentException("the image size must be at least the patch size " + patchSize
                    + ", got " + shortSide);
        }
        FloatImage rgb = image.toRgb();
        double scale = (double) shortSide / Math.min(rgb.height(), rgb.width());
        int h = roundToMultiple(rgb.height() * scale, patchSize);
        int w = roundToMultiple(rgb.width() * scale, patchSize);
        if (h == rgb.height() && w == rgb.width()) {
            return rgb;
        }
        return BicubicResampler.resize(rgb, h, w);
    }

    /**
     * The largest top-left crop whose sides are multiples of the patch size, as the official
     * {@code visualize_attention.py} crops (the image itself when it already fits).
     *
     * @param image an RGB image at least one patch in each direction
     * @param patchSize the patch side p
     * @return the cropped image
     */
    public static FloatImage cropToPatches(FloatImage image, int patchSize) {
        FloatImage rgb = image.toRgb();
        int h = rgb.height() / patchSize * patchSize;
        int w = rgb.width() / patchSize * patchSize;
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("image " + rgb.height() + "x" + rgb.width() + " is smaller than one "
                    + patchSize + "x" + patchSize + " patch; resize it first (resizeForPatches)");
        }
        if (h == rgb.height() && w == rgb.width()) {
            return rgb;
        }
        int plane = h * w;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(rgb.data(), (c * rgb.height() + y) * rgb.width(), out, c * plane + y * w, w);
            }
        }
        return new FloatImage(3, h, w, out);
    }

    /**
     * Normalises images of one size into a batch.
     *
     * @param images RGB images, all of the same size
     * @param norm per-channel mean / std
     * @param manager the manager (and device) of the batch
     * @return {@code [B, 3, H, W]} normalised batch
     */
    public static NDArray tensor(List<FloatImage> images, Normalization norm, NDManager manager) {
        FloatImage first = images.get(0).toRgb();
        int plane = first.planeSize();
        float[] buf = new float[images.size() * 3 * plane];
        for (int i = 0; i < images.size(); i++) {
            FloatImage img = images.get(i).toRgb();
            if (img.height() != first.height() || img.width() != first.width()) {
                throw new IllegalArgumentException("a batch needs images of one size: image " + i + " is "
                        + img.height() + "x" + img.width() + ", image 0 is " + first.height() + "x" + first.width());
            }
            System.arraycopy(img.data(), 0, buf, i * 3 * plane, 3 * plane);
            norm.apply(buf, i * 3 * plane, plane);
        }
        return manager.create(buf, new Shape(images.size(), 3, first.height(), first.width()));
    }

    private static int roundToMultiple(double value, int multiple) {
        return Math.max(multiple, (int) Math.round(value / multiple) * multiple);
    }
}
