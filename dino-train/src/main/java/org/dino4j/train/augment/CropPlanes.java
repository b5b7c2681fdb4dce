package org.dino4j.train.augment;

/**
 * Per-thread working copy of one crop while it is augmented: its red, green and blue planes as three separate
 * arrays, plus scratch strips for the hue rotation.
 *
 * <p>Why separate arrays: the JIT compiler vectorises a loop only when it can prove that its stores do not overlap
 * its loads. With the three planes in one array at offsets {@code off}, {@code off + plane} and
 * {@code off + 2 * plane} it cannot, and per-pixel colour operations (saturation, hue, grayscale) stay scalar; on
 * three arrays the same loops run with SIMD instructions. The crop is resampled straight into these planes and
 * normalised out of them into the batch array, so the copy costs nothing extra.
 */
final class CropPlanes {

    /** Pixels per strip of the hue rotation: the parts of its arrays that a strip uses then stay in the L1 cache. */
    static final int STRIP = 1024;

    private static final ThreadLocal<CropPlanes> CURRENT = ThreadLocal.withInitial(CropPlanes::new);

    float[] r = new float[0];
    float[] g = new float[0];
    float[] b = new float[0];
    /**
     * Hue scratch, as long as the planes: largest channel, max - min, 1 / (max - min), hue, red/green-is-max. Full
     * length although only a strip is live at a time, because a loop vectorises only if all its arrays are indexed
     * by the same expression (with different offsets the compiler cannot rule out overlapping arrays).
     */
    float[] max = new float[0];
    float[] delta = new float[0];
    float[] inverse = new float[0];
    float[] hue = new float[0];
    float[] redIsMax = new float[0];
    float[] greenIsMax = new float[0];

    private CropPlanes() {
    }

    /** This thread's planes, each at least {@code plane} floats long (contents undefined). */
    static CropPlanes get(int plane) {
        CropPlanes p = CURRENT.get();
        if (p.r.length < plane) {
            p.r = new float[plane];
            p.g = new float[plane];
            p.b = new float[plane];
            p.max = new float[plane];
            p.delta = new float[plane];
            p.inverse = new float[plane];
            p.hue = new float[plane];
            p.redIsMax = new float[plane];
            p.greenIsMax = new float[plane];
        }
        return p;
    }

    /** Copies the three planes of {@code buf} (red at {@code off}, then green, then blue) into this workspace. */
    CropPlanes load(float[] buf, int off, int plane) {
        System.arraycopy(buf, off, r, 0, plane);
        System.arraycopy(buf, off + plane, g, 0, plane);
        System.arraycopy(buf, off + 2 * plane, b, 0, plane);
        return this;
    }

    /** Copies the three planes back into {@code buf}, the layout of {@link #load}. */
    void store(float[] buf, int off, int plane) {
        System.arraycopy(r, 0, buf, off, plane);
        System.arraycopy(g, 0, buf, off + plane, plane);
        System.arraycopy(b, 0, buf, off + 2 * plane, plane);
    }
}
