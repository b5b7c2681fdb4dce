package org.dino4j.train.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import org.dino4j.train.augment.FloatImage;

/**
 * Decodes image files (JPEG, PNG, anything ImageIO reads) to RGB {@link FloatImage}s, detecting the format from the
 * content rather than the file name. Like PIL's {@code convert("RGB")} in the official loader, alpha is dropped and
 * gray images get three identical channels.
 */
final class ImageDecoder {

    /** {@code i / 255f} for every byte value, the same floats as a division gives. */
    private static final float[] BYTE_TO_UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            BYTE_TO_UNIT[i] = i / 255f;
        }
    }

    private ImageDecoder() {
    }

    /**
     * @param path the file
     * @return RGB floats in [0, 1]
     * @throws UnreadableImageException if the file is not a decodable image or is truncated
     */
    static FloatImage decode(Path path) {
        BufferedImage image;
        List<String> warnings = new ArrayList<>();
        // A FileImageInputStream reads the file directly: ImageIO.read(File) may copy the stream to a cache file.
        try (ImageInputStream in = new FileImageInputStream(path.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException(path, "no image decoder recognises its content", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UnreadableImageException u) {
                throw u;
            }
            throw new UnreadableImageException(path, String.valueOf(e.getMessage()), e);
        }
        for (String w : warnings) {
            String lower = w.toLowerCase(Locale.ROOT);
            // A truncated JPEG decodes with gray filler and only a warning; PIL refuses such files, so do we.
            if (lower.contains("truncat") || lower.contains("premature end")) {
                throw new UnreadableImageException(path, "truncated file (" + String.join("; ", warnings) + ")", null);
            }
        }
        return toFloat(image);
    }

    /** Converts a decoded image to RGB floats, reading 8-bit rasters directly. */
    static FloatImage toFloat(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int plane = h * w;
        float[] out = new float[3 * plane];
        Raster raster = image.getRaster();
        if (isDirect8Bit(image)) {
            PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) raster.getSampleModel();
            byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
            int[] bandOffsets = sm.getBandOffsets();
            int pixelStride = sm.getPixelStride();
            int scanline = sm.getScanlineStride();
            boolean gray = image.getColorModel().getNumColorComponents() == 1;
            for (int c = 0; c < 3; c++) {
                int band = bandOffsets[gray ? 0 : c];
                int o = c * plane;
                for (int y = 0; y < h; y++) {
                    int p = y * scanline + band;
                    for (int x = 0; x < w; x++, p += pixelStride) {
                        out[o++] = BYTE_TO_UNIT[data[p] & 0xFF];
                    }
                }
            }
        } else if (image.getColorModel().getNumColorComponents() == 1
                && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            // Gray of other depths (16-bit PNG): scale the stored value; getRGB would apply a gamma conversion.
            float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x] / max;
                    out[y * w + x] = v;
                    out[plane + y * w + x] = v;
                    out[2 * plane + y * w + x] = v;
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                int p = argb[i];
                out[i] = BYTE_TO_UNIT[(p >> 16) & 0xFF];
                out[plane + i] = BYTE_TO_UNIT[(p >> 8) & 0xFF];
                out[2 * plane + i] = BYTE_TO_UNIT[p & 0xFF];
            }
        }
        return new FloatImage(3, h, w, out);
    }

    private static boolean isDirect8Bit(BufferedImage image) {
        Raster raster = image.getRaster();
        if (!(image.getColorModel() instanceof ComponentColorModel cm)
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel)
                || !(raster.getDataBuffer() instanceof DataBufferByte)
                || raster.getDataBuffer().getOffset() != 0
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return false;
        }
        int components = cm.getNumColorComponents();
        boolean srgbOrGray = components == 3 ? cm.getColorSpace().isCS_sRGB()
                : components == 1 && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        return srgbOrGray && cm.getComponentSize(0) == 8;
    }
}
