package org.dino4j.train.data;

/**
 * One crop position of a batch: the crop {@code k} of every sample, as one contiguous {@code [batch, 3, height,
 * width]} float array ready to wrap in a tensor. The record does not copy {@code data}.
 *
 * @param batch samples
 * @param channels 3
 * @param height crop rows
 * @param width crop columns
 * @param data {@code [batch, channels, height, width]} normalised values, row-major
 */
public record CropTensor(int batch, int channels, int height, int width, float[] data) {

    /** Checks the length against the shape. */
    public CropTensor {
        if ((long) batch * channels * height * width != data.length) {
            throw new IllegalArgumentException("crop data holds " + data.length + " floats, but [" + batch + ", "
                    + channels + ", " + height + ", " + width + "] needs " + (long) batch * channels * height * width);
        }
    }

    /** The shape {@code [batch, channels, height, width]}. */
    public long[] shape() {
        return new long[] {batch, channels, height, width};
    }

    /** Shape only. */
    @Override
    public String toString() {
        return "CropTensor[" + batch + ", " + channels + ", " + height + ", " + width + "]";
    }
}
