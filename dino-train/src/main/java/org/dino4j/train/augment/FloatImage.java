package org.dino4j.train.augment;

import java.util.Arrays;

/**
 * An image as planar floats in [0, 1]: {@code data[c * height * width + y * width + x]} (CHW, as a tensor would
 * hold it). Grayscale images have one channel; {@link #toRgb()} expands them to three identical channels.
 *
 * <p>The record does not copy {@code data}: the image owns the array and nobody should change it afterwards.
 *
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param height rows
 * @param width columns
 * @param data {@code [channels, height, width]} values in [0, 1]
 */
public record FloatImage(int channels, int height, int width, float[] data) {

    /** Validates the shape against the data length. */
    public FloatImage {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("an image has 1 (grayscale) or 3 (RGB) channels, got " + channels);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image height and width must be positive, got " + height + "x" + width);
        }
        if (data == null) {
            throw new IllegalArgumentException("image data must not be null");
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("image data holds " + data.length + " floats but " + channels + "x"
                    + height + "x" + width + " needs " + (long) channels * height * width);
        }
    }

    /**
     * Converts 8-bit grayscale pixels (row-major) to a 3-channel image.
     *
     * @param height rows
     * @param width columns
     * @param pixels {@code [height * width]} unsigned bytes, read from {@code offset}
     * @param offset where the image starts in {@code pixels}
     * @return an RGB image with three identical channels, values {@code byte / 255}
     */
    public static FloatImage fromGrayBytes(int height, int width, byte[] pixels, int offset) {
        int plane = height * width;
        if (offset < 0 || offset + plane > pixels.length) {
            throw new IllegalArgumentException("pixel array of " + pixels.length + " bytes has no " + height + "x"
                    + width + " image at offset " + offset);
        }
        float[] data = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            data[i] = (pixels[offset + i] & 0xFF) / 255f;
        }
        System.arraycopy(data, 0, data, plane, plane);
        System.arraycopy(data, 0, data, 2 * plane, plane);
        return new FloatImage(3, height, width, data);
    }

    /** Pixels per channel plane. */
    public int planeSize() {
        return height * width;
    }

    /** The value at channel {@code c}, row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** This image with three channels: itself when it already has three, else the gray plane copied thrice. */
    public FloatImage toRgb() {
        if (channels == 3) {
            return this;
        }
        int plane = planeSize();
        float[] rgb = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(data, 0, rgb, c * plane, plane);
        }
        return new FloatImage(3, height, width, rgb);
    }

    /** Equal shape and element-wise equal data. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FloatImage other && channels == other.channels && height == other.height
                && width == other.width && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * channels + height) + width) + Arrays.hashCode(data);
    }

    /** Shape only; the pixel values would be too long to print. */
    @Override
    public String toString() {
        return "FloatImage[" + channels + "x" + height + "x" + width + "]";
    }
}
