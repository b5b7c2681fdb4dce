package org.dino4j.train.augment;

/**
 * A rectangle of whole pixels inside an image, as torchvision's {@code (i, j, h, w)} crop parameters.
 *
 * @param top first row
 * @param left first column
 * @param height rows
 * @param width columns
 */
public record CropBox(int top, int left, int height, int width) {

    /** Checks that the box is non-empty and starts inside the image plane. */
    public CropBox {
        if (height <= 0 || width <= 0 || top < 0 || left < 0) {
            throw new IllegalArgumentException("a crop box needs top, left >= 0 and height, width > 0, got top " + top
                    + ", left " + left + ", " + height + "x" + width);
        }
    }

    /** The whole image of the given size. */
    public static CropBox whole(int height, int width) {
        return new CropBox(0, 0, height, width);
    }

    /** Fails with a clear message when the box reaches outside an image of this size. */
    void checkInside(int imageHeight, int imageWidth) {
        if (top + height > imageHeight || left + width > imageWidth) {
            throw new IllegalArgumentException("crop box " + this + " reaches outside the " + imageHeight + "x"
                    + imageWidth + " image");
        }
    }

    /** Area in pixels. */
    public long area() {
        return (long) height * width;
    }
}
